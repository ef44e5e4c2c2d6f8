"""Every URL rule × every demo account × ids of other units: nothing leaks, nothing changes."""
from tests import summary
from tests.security import access_matrix


def test_no_url_leaks_or_changes_other_units_data(ctx, login_as):
    # some history in every unit, so the audit log has rows to leak; export files of several users
    from adminapp import jobs
    from adminapp.extensions import db
    from models import User

    for name in access_matrix.ACCOUNTS:
        login_as(name)
    for name, endpoint in (("hanoi.officer", "units"), ("nghean.officer", "users"), ("admin", "units")):
        owner = db.session.execute(db.select(User).where(User.username == name)).scalar_one()
        job = jobs.request_export(owner, endpoint, "xlsx", "")
        db.session.commit()
        jobs.run_export(job.id)
        db.session.expire_all()
    cells = access_matrix.run(ctx, login_as)
    access_matrix.write_table(cells)
    leaks = [c for c in cells if c.leak]
    summary.add(access_matrix.summary(cells) + f" [{ctx.config['BACKEND']}]")
    assert len(cells) > 500
    assert any(c.method == "REPLAY" for c in cells) and any("/exports/" in c.url for c in cells)
    assert not leaks, "\n".join(f"{c.account} {c.method} {c.url} {c.status} {c.leak}" for c in leaks[:30])

"""The access matrix again after the 2025 reorganisation (63 → 34, district level ended): 0 leaks."""
from tests import summary
from tests.security import access_matrix


def test_no_leaks_after_the_2025_reorganisation(ctx, login_as):
    from adminapp import reference
    from adminapp.extensions import db

    for name in access_matrix.ACCOUNTS:
        login_as(name)  # some history in every unit before the reorganisation
    assert reference.seed_units_2025() == 23
    db.session.commit()
    cells = access_matrix.run(ctx, login_as)
    leaks = [c for c in cells if c.leak]
    summary.add(access_matrix.summary(cells) + f" after the 2025 reorganisation [{ctx.config['BACKEND']}]")
    assert len(cells) > 500
    assert not leaks, "\n".join(f"{c.account} {c.method} {c.url} {c.status} {c.leak}" for c in leaks[:30])

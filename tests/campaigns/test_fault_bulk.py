"""Fault: the database connection drops in the middle of a bulk approval (issue 5).

On PostgreSQL the backend is killed with pg_terminate_backend after the rows
were updated (the set-based UPDATE ran) and before their audit events are
written; on SQLite the driver raises at the same point. The action is
all or nothing, the user gets a clear Vietnamese error (503, no traceback),
and the app serves the next request, where the same bulk action succeeds.
"""
import re

from adminapp.extensions import db
from adminapp.workflow import registrations as regs
from models import AuditEvent, Registration
from tests.conftest import csrf_from
from tests.security.test_races_faults import KillConnectionAt


def test_connection_drop_mid_bulk_approval_is_all_or_nothing(ctx, make_campaign, registration_of, fill, user,
                                                             login_as):
    from adminapp import accounts, reference
    from models import Role

    officer_role = db.session.execute(db.select(Role).where(Role.name == "officer")).scalar_one()
    accounts.create_user(actor=None, username="badinh.officer", full_name="Cán bộ Ba Đình",
                         unit=reference.get_unit("01-001"), password="MatKhau#2026", roles=[officer_role])
    c = make_campaign(units=("01-002", "01-001", "01-002-01"))
    ids = []
    for code, sender in (("01-002", "hoankiem.officer"), ("01-001", "badinh.officer"),
                         ("01-002-01", "cdcs.officer")):
        reg = fill(registration_of(c, code), by=sender)
        regs.apply(user(sender), reg.id, "send")
        ids.append(reg.id)
    db.session.commit()
    province = login_as("hanoi.officer")
    events_before = db.session.execute(db.select(db.func.count()).select_from(AuditEvent)).scalar_one()
    page = province.get(f"/admin/campaign/{c.id}/registrations?tab=pending").get_data(as_text=True)
    data = {"csrf_token": csrf_from(page), "action": "approve", "rowid": [str(i) for i in ids], "tab": "pending"}

    updates = []

    def seen(conn, cursor, statement, *args):  # noqa: ARG001
        if statement.lstrip().upper().startswith("UPDATE REGISTRATION"):
            updates.append(statement)

    db.event.listen(db.engine, "before_cursor_execute", seen)
    with KillConnectionAt(db.engine, ctx.config["BACKEND"], "INSERT INTO AUDIT_EVENT") as fault:
        r = province.post(f"/admin/campaign/{c.id}/registrations/action", data=data)
    db.event.remove(db.engine, "before_cursor_execute", seen)
    assert fault.fired and updates  # the rows were already changed in the transaction
    body = r.get_data(as_text=True)
    assert r.status_code == 503 and "Mất kết nối cơ sở dữ liệu" in body
    assert not re.search(r"Traceback|psycopg|sqlite3|OperationalError", body)
    db.session.rollback()
    db.session.expire_all()
    assert [db.session.get(Registration, i).status for i in ids] == ["pending"] * 3  # nothing half-approved
    assert db.session.execute(db.select(db.func.count()).select_from(AuditEvent)).scalar_one() == events_before

    # the app recovers: the page loads and the same bulk action now approves all three, audited once each
    page = province.get(f"/admin/campaign/{c.id}/registrations?tab=pending").get_data(as_text=True)
    data["csrf_token"] = csrf_from(page)
    assert province.post(f"/admin/campaign/{c.id}/registrations/action", data=data).status_code == 302
    db.session.expire_all()
    assert [db.session.get(Registration, i).status for i in ids] == ["approved"] * 3
    assert db.session.execute(db.select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "registration.approve")).scalar_one() == 3

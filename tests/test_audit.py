"""The audit trail is append-only, and services write it in the same transaction."""
import pytest

from adminapp import audit
from adminapp.extensions import db
from models import AuditEvent


def test_audit_events_cannot_be_updated_or_deleted(ctx, user):
    ev = audit.record(user("hanoi.officer"), user("hanoi.officer"), "user.update", reason="thử")
    db.session.commit()
    ev.reason = "sửa lịch sử"
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(AuditEvent, ev.id))
    with pytest.raises(PermissionError):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(AuditEvent, ev.id).reason == "thử"


def test_event_records_actor_unit_and_ip(ctx, login_as):
    c = login_as("hoankiem.officer")
    assert c is not None
    ev = db.session.execute(
        db.select(AuditEvent).where(AuditEvent.action == "user.login").order_by(AuditEvent.id.desc())
    ).scalars().first()
    assert ev.actor.username == "hoankiem.officer" and ev.actor_unit.code == "01-002"
    assert ev.ip == "127.0.0.1" and ev.created_at is not None

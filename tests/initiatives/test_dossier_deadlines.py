"""The dossier deadline as a rule (issue 15): 22/04/2021 ends at 24:00:00 in Hà Nội; refuse or mark late;
extensions by the launching unit."""
from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

LAST_SECOND = "2021-04-22 16:59:59"  # 23:59:59 on 22/04 in Hà Nội
FIRST_LATE = "2021-04-22 17:00:00"  # 00:00:00 on 23/04 in Hà Nội


@pytest.fixture()
def seeded(ctx, programme):
    """The seed programme (the one `submit` files into) with the given settings."""
    from adminapp.extensions import db

    def _make(**values):
        for key, value in values.items():
            setattr(programme, key, value)
        db.session.commit()
        return programme

    return _make


@pytest.fixture()
def ready(ctx, user, unit, submit, allot, act):
    """A complete dossier of the grassroots union 01-002-01, not yet sent."""
    from adminapp.extensions import db
    from adminapp.workflow import dossiers

    def _ready(programme):
        allot("hanoi.officer", {"01-002": 2}, programme)
        allot("hoankiem.officer", {"01-002-01": 2}, programme)
        ini = submit()
        act("cdcs.officer", ini, "appraise", score=80)
        act("cdcs.officer", ini, "nominate")
        d = dossiers.get_or_new(programme, unit("01-002-01"))
        dossiers.update_dossier(user("cdcs.officer"), d, letter_number="1", letter_date=date(2021, 4, 20),
                                signer="A", file_name="a.pdf", file_data=b"%PDF-1.4 x")
        db.session.commit()
        return d

    return _ready


@pytest.mark.parametrize("policy", ["refuse", "late"])
def test_last_second_on_time(ready, seeded, user, policy):
    from adminapp.workflow import dossiers

    d = ready(seeded(dossier_deadline_policy=policy))
    with freeze_time(LAST_SECOND):
        dossiers.send_dossier(user("cdcs.officer"), d)
    assert d.sent_at is not None and d.late is False


def test_refused_at_midnight(ready, seeded, user):
    from adminapp.extensions import db
    from adminapp.workflow import dossiers
    from models import AuditEvent

    d = ready(seeded(dossier_deadline_policy="refuse"))
    with freeze_time(FIRST_LATE):
        with pytest.raises(dossiers.DossierError) as exc:
            dossiers.send_dossier(user("cdcs.officer"), d)
    db.session.rollback()
    assert "hạn là 24:00:00 ngày 22/04/2021 (giờ Việt Nam, UTC+7)" in str(exc.value)
    assert db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "dossier.send")).first() is None


def test_marked_late_at_midnight_and_shown(ready, seeded, user, unit, login_as):
    from adminapp.extensions import db
    from adminapp.workflow import dossiers
    from models import AuditEvent

    programme = seeded(dossier_deadline_policy="late")
    d = ready(programme)
    with freeze_time(FIRST_LATE):
        checks = {c.label: c for c in dossiers.checks(d)}
        assert checks["Đúng hạn"].ok and "Nộp muộn" in checks["Đúng hạn"].detail
        dossiers.send_dossier(user("cdcs.officer"), d)
        db.session.commit()
    assert d.late is True
    ev = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "dossier.send")).scalar_one()
    assert ev.details["late"] == "Nộp muộn"
    hk = login_as("hoankiem.officer")
    page = hk.get(f"/admin/programmes/{programme.id}/dossier").get_data(as_text=True)
    assert "late-mark" in page
    assert "late-mark" in hk.get(f"/admin/programmes/{programme.id}/dossier?late=1").get_data(as_text=True)
    assert "late-mark" not in hk.get(f"/admin/programmes/{programme.id}/dossier?late=0").get_data(as_text=True)
    own = login_as("cdcs.officer").get(f"/admin/programmes/{programme.id}/dossier").get_data(as_text=True)
    assert "Hạn nộp hồ sơ: hết 24:00:00 ngày 22/04/2021" in own and "late-mark" in own


def test_extension_for_one_unit_lets_it_send(ready, seeded, user, unit):
    from adminapp.extensions import db
    from adminapp.workflow import deadlines, dossiers

    programme = seeded(dossier_deadline_policy="refuse")
    d = ready(programme)
    with freeze_time("2021-04-24 03:00:00"):
        with pytest.raises(deadlines.DeadlineError, match="Vui lòng nhập lý do"):
            deadlines.extend(user("tld.officer"), programme, unit=unit("01-002-01"), new_date=date(2021, 4, 30),
                             reason=" ")
        from adminapp import access
        with pytest.raises(access.PermissionDenied):
            deadlines.extend(user("hanoi.officer"), programme, new_date=date(2021, 4, 30), reason="x")
        deadlines.extend(user("tld.officer"), programme, unit=unit("01-002-01"), new_date=date(2021, 4, 30),
                         reason="Mất điện diện rộng")
        db.session.commit()
        dossiers.send_dossier(user("cdcs.officer"), d)
        db.session.commit()
    assert d.late is False and d.sent_at is not None


def test_extension_form_on_the_owner_dossier_page(seeded, login_as, unit):
    from adminapp import clock
    from tests.conftest import csrf_from

    programme = seeded(dossier_deadline_policy="refuse")
    tld = login_as("tld.officer")
    page = tld.get(f"/admin/programmes/{programme.id}/dossier").get_data(as_text=True)
    assert 'id="extend-form"' in page
    token = csrf_from(page)
    bad = tld.post(f"/admin/programmes/{programme.id}/extend",
                   data={"csrf_token": token, "new_date": clock.today_vn().strftime("%d/%m/%Y"), "reason": ""})
    assert bad.status_code == 400 and "Vui lòng nhập lý do gia hạn" in bad.get_data(as_text=True)
    ok = tld.post(f"/admin/programmes/{programme.id}/extend",
                  data={"csrf_token": token, "new_date": clock.today_vn().strftime("%d/%m/%Y"), "reason": "Chung",
                        "unit_id": str(unit("01").id)})
    assert ok.status_code == 302
    assert "Chung" in tld.get(ok.headers["Location"]).get_data(as_text=True)
    hanoi = login_as("hanoi.officer")
    assert 'id="extend-form"' not in hanoi.get(f"/admin/programmes/{programme.id}/dossier").get_data(as_text=True)

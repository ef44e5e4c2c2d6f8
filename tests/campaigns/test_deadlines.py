"""Deadlines as rules (issue 15): refuse after / accept and mark late, to the second in Vietnam time;
extensions for every unit or one unit, with a reason; the late mark in lists, filters, exports and the audit."""
from __future__ import annotations

import io
from datetime import date

import pytest
from freezegun import freeze_time
from openpyxl import load_workbook

from adminapp.extensions import db
from adminapp.workflow import deadlines
from adminapp.workflow import registrations as regs
from models import AuditEvent, DeadlineExtension, Registration, Revision
from tests.conftest import csrf_from

# The registration deadline of the factory campaign is 31/03/2021: it ends at 24:00:00 in Hà Nội (UTC+7).
LAST_SECOND = "2021-03-31 16:59:59"  # 23:59:59 on 31/03 in Hà Nội
FIRST_LATE = "2021-03-31 17:00:00"  # 00:00:00 on 01/04 in Hà Nội


def _events(reg_id, action="registration.send"):
    return list(db.session.execute(db.select(AuditEvent).where(
        AuditEvent.object_type == "registration", AuditEvent.object_id == str(reg_id),
        AuditEvent.action == action)).scalars())


@pytest.mark.parametrize("policy", ["refuse", "late"])
def test_last_second_is_on_time(make_campaign, registration_of, fill, user, policy):
    c = make_campaign(units=("01-002",), registration_deadline_policy=policy)
    reg = fill(registration_of(c, "01-002"))
    with freeze_time(LAST_SECOND):
        regs.apply(user("hoankiem.officer"), reg.id, "send")
        db.session.commit()
    assert reg.status == "pending" and reg.late is False
    assert "late" not in _events(reg.id)[0].details


def test_refused_at_midnight_with_the_deadline_to_the_second(make_campaign, registration_of, fill, user):
    c = make_campaign(units=("01-002",), registration_deadline_policy="refuse")
    reg = fill(registration_of(c, "01-002"))
    version = reg.version
    with freeze_time(FIRST_LATE), pytest.raises(regs.TransitionError) as exc:
        regs.apply(user("hoankiem.officer"), reg.id, "send")
    db.session.rollback()
    assert "Đã quá hạn đăng ký: hạn là 24:00:00 ngày 31/03/2021 (giờ Việt Nam, UTC+7)" in exc.value.message
    reg = db.session.get(Registration, reg.id)
    assert reg.status == "not_sent" and reg.version == version and not _events(reg.id)
    # in bulk too: skipped with the same reason
    with freeze_time(FIRST_LATE):
        result = regs.apply_bulk(user("hoankiem.officer"), [reg.id], "send")
    assert not result.changed and "24:00:00 ngày 31/03/2021" in result.skipped[0][2]


def test_accepted_and_marked_late_at_midnight(make_campaign, registration_of, fill, user):
    c = make_campaign(units=("01-002",), registration_deadline_policy="late")
    reg = fill(registration_of(c, "01-002"))
    with freeze_time(FIRST_LATE):
        regs.apply(user("hoankiem.officer"), reg.id, "send")
        db.session.commit()
    assert reg.status == "pending" and reg.late is True
    ev = _events(reg.id)[0]
    assert ev.details["late"] == "Nộp muộn" and ev.details["deadline"] == "2021-03-31"
    # the mark is kept in the list's history
    rev = db.session.execute(db.select(Revision).where(Revision.object_type == "registration",
                                                       Revision.object_id == reg.id)
                             .order_by(Revision.id.desc())).scalars().first()
    assert rev.changes["late"] == [False, True]


def test_bulk_send_marks_each_list(make_campaign, registration_of, fill, user):
    c = make_campaign(units=("01-002",), registration_deadline_policy="late")
    reg = fill(registration_of(c, "01-002"))
    with freeze_time(FIRST_LATE):
        result = regs.apply_bulk(user("hoankiem.officer"), [reg.id], "send")
        db.session.commit()
    assert result.changed == [reg.id]
    assert db.session.get(Registration, reg.id).late is True


def test_extension_for_one_unit(make_campaign, registration_of, fill, user, unit):
    c = make_campaign(units=("01-002", "01-001"), registration_deadline_policy="refuse")
    reg = fill(registration_of(c, "01-002"))
    with freeze_time("2021-04-02 03:00:00"):
        result = deadlines.extend(user("hanoi.officer"), c, unit=unit("01-002"), new_date=date(2021, 4, 5),
                                  reason="Đơn vị bị ảnh hưởng bởi mưa lũ")
        db.session.commit()
        assert "đến hết 24:00:00 ngày 05/04/2021" in result.message()
        assert result.reopened == [unit("01-002").name]
        assert deadlines.unit_deadline(c, unit("01-002").id) == date(2021, 4, 5)
        assert deadlines.unit_deadline(c, unit("01-001").id) == date(2021, 3, 31)
        regs.apply(user("hoankiem.officer"), reg.id, "send")
        db.session.commit()
    assert reg.status == "pending" and reg.late is False
    ev = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "deadline.extend")).scalar_one()
    assert ev.object_type == "campaign" and ev.reason == "Đơn vị bị ảnh hưởng bởi mưa lũ"
    assert ev.details["unit"] == "01-002" and ev.details["to"] == "2021-04-05"
    ext = db.session.execute(db.select(DeadlineExtension)).scalar_one()
    rev = db.session.execute(db.select(Revision).where(Revision.object_type == "deadline_extension",
                                                       Revision.object_id == ext.id)).scalar_one()
    assert rev.action == "create" and rev.actor_id == user("hanoi.officer").id


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"reason": ""}, "Vui lòng nhập lý do gia hạn"),
    ({"new_date": date(2021, 4, 1)}, "đã qua"),
    ({"new_date": None}, "Vui lòng nhập hạn mới"),
    ({"new_date": date(2021, 3, 30)}, "đã qua"),
    ({"new_date": date(2023, 1, 1)}, "quá một năm"),
])
def test_extension_bad_input_stores_nothing(make_campaign, user, kwargs, message):
    c = make_campaign(units=("01-002",), registration_deadline_policy="refuse")
    values = {"new_date": date(2021, 4, 10), "reason": "Lý do"} | kwargs
    with freeze_time("2021-04-02 03:00:00"), pytest.raises(deadlines.DeadlineError) as exc:
        deadlines.extend(user("hanoi.officer"), c, **values)
    db.session.rollback()
    assert message in exc.value.message
    assert db.session.execute(db.select(db.func.count()).select_from(DeadlineExtension)).scalar_one() == 0


def test_extension_refusals(make_campaign, user, unit):
    from adminapp import access

    c = make_campaign(units=("01-002",))
    with freeze_time("2021-03-20 03:00:00"):
        with pytest.raises(access.PermissionDenied):
            deadlines.extend(user("hoankiem.officer"), c, new_date=date(2021, 4, 10), reason="x")
        with pytest.raises(deadlines.DeadlineError, match="không tham gia"):
            deadlines.extend(user("hanoi.officer"), c, unit=unit("01-001"), new_date=date(2021, 4, 10), reason="x")
        with pytest.raises(deadlines.DeadlineError, match="phải sau hạn hiện tại"):
            deadlines.extend(user("hanoi.officer"), c, new_date=date(2021, 3, 31), reason="x")
        no_deadline = make_campaign(units=("01-002",), registration_deadline=None)
        with pytest.raises(deadlines.DeadlineError, match="Chưa đặt hạn đăng ký"):
            deadlines.extend(user("hanoi.officer"), no_deadline, new_date=date(2021, 4, 10), reason="x")


def test_extension_for_all_when_passed_for_some_units_only(make_campaign, registration_of, fill, user, unit):
    """Bad input of the issue: on 05/04 the deadline has passed for Hoàn Kiếm (31/03) but not for Ba Đình
    (own extension to 10/04). An extension for all to 08/04: Hoàn Kiếm gets 08/04 and may send again (on
    time); Ba Đình keeps its later 10/04; a list already sent late keeps its mark; one audit event."""
    c = make_campaign(units=("01-002", "01-001"), registration_deadline_policy="late")
    early = fill(registration_of(c, "01-002"))
    hoankiem, badinh = unit("01-002"), unit("01-001")
    with freeze_time("2021-04-01 03:00:00"):
        regs.apply(user("hoankiem.officer"), early.id, "send")  # late: 01/04
        deadlines.extend(user("hanoi.officer"), c, unit=badinh, new_date=date(2021, 4, 10), reason="Riêng")
        db.session.commit()
    assert early.late is True
    with freeze_time("2021-04-05 03:00:00"):
        # shortening one unit's own extension is refused
        with pytest.raises(deadlines.DeadlineError, match="gia hạn không rút ngắn"):
            deadlines.extend(user("hanoi.officer"), c, unit=badinh, new_date=date(2021, 4, 8), reason="x")
        result = deadlines.extend(user("hanoi.officer"), c, new_date=date(2021, 4, 8), reason="Chung")
        db.session.commit()
        assert result.reopened == [hoankiem.name]
        assert result.kept == [(badinh.name, date(2021, 4, 10))]
        assert "Giữ hạn riêng muộn hơn" in result.message()
        assert deadlines.unit_deadline(c, hoankiem.id) == date(2021, 4, 8)
        assert deadlines.unit_deadline(c, badinh.id) == date(2021, 4, 10)
        assert deadlines.common_deadline(c) == date(2021, 4, 8)
        # rejected, then resent inside the new deadline: on time now
        regs.apply(user("hanoi.officer"), early.id, "reject", "Bổ sung")
        regs.apply(user("hoankiem.officer"), early.id, "send")
        db.session.commit()
    assert db.session.get(Registration, early.id).late is False
    first_send = _events(early.id)[0]
    assert first_send.details["late"] == "Nộp muộn"  # history is not rewritten
    events = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "deadline.extend")
                                .order_by(AuditEvent.id)).scalars().all()
    assert [e.details["unit"] for e in events] == ["01-001", None]


# --------------------------------------------------------------------------- pages


def test_policy_shown_before_acting_and_late_everywhere(make_campaign, registration_of, fill, user, login_as):
    c = make_campaign(units=("01-002", "01-001"), registration_deadline_policy="late")
    reg = fill(registration_of(c, "01-002"))
    hk = login_as("hoankiem.officer")
    page = hk.get(f"/admin/campaign/registration/{reg.id}").get_data(as_text=True)
    assert "Hạn đăng ký: hết 24:00:00 ngày 31/03/2021 (giờ Việt Nam, UTC+7)" in page
    assert "sẽ được đánh dấu “Nộp muộn”" in page
    detail = hk.get(f"/admin/campaign/{c.id}/").get_data(as_text=True)
    assert "vẫn nhận nhưng được đánh dấu “Nộp muộn”" in detail
    regs.apply(user("hoankiem.officer"), reg.id, "send")  # today is long after 31/03/2021
    db.session.commit()
    page = hk.get(f"/admin/campaign/registration/{reg.id}").get_data(as_text=True)
    assert "late-mark" in page

    owner = login_as("hanoi.officer")
    review = owner.get(f"/admin/campaign/{c.id}/registrations").get_data(as_text=True)
    assert review.count('class="badge badge-warning late-mark"') == 1
    late_only = owner.get(f"/admin/campaign/{c.id}/registrations?late=1").get_data(as_text=True)
    on_time = owner.get(f"/admin/campaign/{c.id}/registrations?late=0").get_data(as_text=True)
    assert "Hoàn Kiếm" in late_only and "Ba Đình" not in late_only
    assert "Ba Đình" in on_time and "late-mark" not in on_time.split("<tbody>")[1]
    sheet = load_workbook(io.BytesIO(owner.get(f"/admin/campaign/{c.id}/registrations/export/xlsx?late=1").data)).active
    values = [v for row in sheet.iter_rows(values_only=True) for v in row]
    assert "Nộp muộn" in values
    csv = owner.get(f"/admin/campaign/{c.id}/consolidated/csv").get_data(as_text=True)
    assert "Nộp muộn" in csv.splitlines()[0] and csv.splitlines()[1].endswith("Nộp muộn")
    # the all-registrations list: column and filter
    listing = owner.get("/admin/registrations/").get_data(as_text=True)
    assert "late-mark" in listing
    # the audit log shows and filters the late send
    audit = owner.get("/admin/audit/").get_data(as_text=True)
    assert "Chưa gửi → Chờ duyệt · Nộp muộn" in audit


def test_registration_list_filter_and_audit_export(make_campaign, registration_of, fill, user, login_as):
    c = make_campaign(units=("01-002",), registration_deadline_policy="late")
    reg = fill(registration_of(c, "01-002"))
    regs.apply(user("hoankiem.officer"), reg.id, "send")
    db.session.commit()
    owner = login_as("hanoi.officer")
    from views.audit import AuditView
    from views.campaigns import RegistrationView

    idx = [f.name for f in RegistrationView.column_filters].index("Hạn gửi")
    assert "late-mark" in owner.get(f"/admin/registrations/?flt0_{idx}=1").get_data(as_text=True)
    assert "late-mark" not in owner.get(f"/admin/registrations/?flt0_{idx}=0").get_data(as_text=True)
    aidx = [f.name for f in AuditView.column_filters].index("Hạn gửi")
    late = owner.get(f"/admin/audit/?flt0_{aidx}=1").get_data(as_text=True)
    assert "Nộp muộn" in late and "Phát động phong trào" not in late
    csv = owner.get("/admin/audit/export/csv/").get_data(as_text=True)
    assert "Nộp muộn" in csv


def test_extension_form_and_bad_input(make_campaign, login_as, unit):
    c = make_campaign(units=("01-002", "01-001"), registration_deadline_policy="refuse")
    owner = login_as("hanoi.officer")
    page = owner.get(f"/admin/campaign/{c.id}/").get_data(as_text=True)
    assert 'id="extend-form"' in page
    token = csrf_from(page)
    bad = owner.post(f"/admin/campaign/{c.id}/extend", data={"csrf_token": token, "new_date": "31/02/2099",
                                                             "reason": "x"})
    assert bad.status_code == 400 and "Vui lòng nhập hạn mới" in bad.get_data(as_text=True)
    bad = owner.post(f"/admin/campaign/{c.id}/extend", data={"csrf_token": token, "new_date": "01/01/2099",
                                                             "reason": "x", "unit_id": str(unit("40").id)})
    assert bad.status_code == 400 and "không tham gia" in bad.get_data(as_text=True)
    from adminapp import clock

    target = clock.today_vn().strftime("%d/%m/%Y")
    ok = owner.post(f"/admin/campaign/{c.id}/extend", data={"csrf_token": token, "new_date": target,
                                                            "reason": "Gia hạn chung", "unit_id": ""})
    assert ok.status_code == 302
    page = owner.get(f"/admin/campaign/{c.id}/").get_data(as_text=True)
    assert "Gia hạn chung" in page and "gia hạn đến" in page
    hk = login_as("hoankiem.officer")
    denied = hk.post(f"/admin/campaign/{c.id}/extend", data={"csrf_token": token, "new_date": target,
                                                             "reason": "x"})
    assert denied.status_code in (400, 403)
    assert db.session.execute(db.select(db.func.count()).select_from(DeadlineExtension)).scalar_one() == 1


def test_an_extension_of_its_own_only_for_a_participating_unit(make_campaign, unit):
    c = make_campaign(units=("01-002",))
    assert deadlines.extension_unit(c, None) is None  # for every unit
    assert deadlines.extension_unit(c, unit("01-002").id).code == "01-002"
    for unit_id in (unit("01-001").id, 2**31 - 1):  # not participating, or no such unit
        with pytest.raises(deadlines.DeadlineError, match="không tham gia phong trào"):
            deadlines.extension_unit(c, unit_id)

"""Registration transitions: the table, legal and illegal moves, bulk, audit, concurrency."""
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adminapp import access
from adminapp.extensions import db
from adminapp.workflow import registrations as regs
from models import AuditEvent, Registration


def reg_events(reg_id):
    return db.session.execute(db.select(AuditEvent).where(
        AuditEvent.object_type == "registration", AuditEvent.object_id == str(reg_id),
        AuditEvent.action.in_([f"registration.{a}" for a in regs.ACTIONS])).order_by(AuditEvent.id)).scalars().all()


@pytest.fixture()
def sent(make_campaign, registration_of, fill, user):
    """A launched campaign of Hà Nội whose Hoàn Kiếm list has been sent (Chờ duyệt)."""
    c = make_campaign()
    reg = fill(registration_of(c, "01-002"))
    regs.apply(user("hoankiem.officer"), reg.id, "send")
    db.session.commit()
    return reg


def test_full_cycle_each_move_audited_once(sent, user):
    province, district = user("hanoi.officer"), user("hoankiem.officer")
    assert sent.status == "pending" and sent.sent_at is not None
    regs.apply(province, sent.id, "reject", "Thiếu năm sinh của thành viên")
    db.session.commit()
    assert sent.status == "rejected" and sent.last_reason == "Thiếu năm sinh của thành viên"
    assert regs.is_editable_by_sender(sent)
    regs.apply(district, sent.id, "send")
    regs.apply(province, sent.id, "approve")
    db.session.commit()
    assert sent.status == "approved" and not regs.is_editable_by_sender(sent)
    regs.apply(province, sent.id, "revoke", "Phát hiện trùng thành viên")
    db.session.commit()
    assert sent.status == "pending" and sent.reopened and regs.is_editable_by_sender(sent)
    moves = [(e.action, e.from_state, e.to_state, e.reason) for e in reg_events(sent.id)]
    assert moves == [
        ("registration.send", "not_sent", "pending", None),
        ("registration.reject", "pending", "rejected", "Thiếu năm sinh của thành viên"),
        ("registration.send", "rejected", "pending", None),
        ("registration.approve", "pending", "approved", None),
        ("registration.revoke", "approved", "pending", "Phát hiện trùng thành viên"),
    ]


ALL_STATES = ["not_sent", "pending", "approved", "rejected"]


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("action", regs.ACTIONS)
def test_transition_table_is_enforced(make_campaign, registration_of, fill, user, state, action):
    c = make_campaign(units=("01-002",))
    reg = fill(registration_of(c, "01-002"))
    db.session.execute(db.update(Registration).where(Registration.id == reg.id).values(status=state))
    db.session.commit()
    actor = user("hoankiem.officer" if action == "send" else "hanoi.officer")
    before = len(reg_events(reg.id))
    if (state, action) in regs.TRANSITIONS:
        regs.apply(actor, reg.id, action, "Lý do kiểm tra")
        db.session.commit()
        assert reg.status == regs.TRANSITIONS[(state, action)]
        assert len(reg_events(reg.id)) == before + 1
    else:
        with pytest.raises(regs.TransitionError, match="Không thể"):
            regs.apply(actor, reg.id, action, "Lý do kiểm tra")
        db.session.rollback()
        assert db.session.get(Registration, reg.id).status == state
        assert len(reg_events(reg.id)) == before


@pytest.mark.parametrize("action", ["reject", "revoke"])
def test_reason_required(sent, user, action):
    if action == "revoke":
        regs.apply(user("hanoi.officer"), sent.id, "approve")
        db.session.commit()
    with pytest.raises(regs.TransitionError, match="lý do"):
        regs.apply(user("hanoi.officer"), sent.id, action, "   ")


def test_who_may_review_and_send(sent, make_campaign, registration_of, user):
    for who in ("hoankiem.officer", "hanoi.viewer", "nghean.officer", "cdcs.officer"):
        with pytest.raises((access.PermissionDenied, regs.RegistrationNotFound)):
            regs.apply(user(who), sent.id, "approve")
    regs.apply(user("hanoi.leader"), sent.id, "approve")  # leader of the launching unit reviews
    db.session.commit()
    other = registration_of(make_campaign(name="Phong trào 2"), "01-001")
    with pytest.raises(access.PermissionDenied):
        regs.apply(user("hanoi.officer"), other.id, "send")  # in scope, but not its own list
    for who in ("hoankiem.officer", "vinh.officer"):  # a sibling's or a stranger's list: not even visible
        with pytest.raises(regs.RegistrationNotFound):
            regs.apply(user(who), other.id, "send")


def test_send_needs_participants(make_campaign, registration_of, user):
    reg = registration_of(make_campaign(), "01-002")
    with pytest.raises(regs.TransitionError, match="chưa có thành viên"):
        regs.apply(user("hoankiem.officer"), reg.id, "send")


def test_sent_list_is_read_only(sent, user):
    with pytest.raises(regs.TransitionError, match="đã gửi"):
        regs.add_participants(actor=user("hoankiem.officer"), registration=sent,
                              rows=[regs.ParticipantData(kind="individual", full_name="Trần Thị B")])


def test_participant_rows_validated_nothing_partial(make_campaign, registration_of, user):
    c = make_campaign(for_collectives=False)
    reg = registration_of(c, "01-002")
    rows = [regs.ParticipantData(kind="individual", full_name="Lê Văn C", birth_year=1990),
            regs.ParticipantData(kind="collective", full_name="Tổ 1"),
            regs.ParticipantData(kind="individual", full_name="", birth_year=1800)]
    with pytest.raises(regs.CampaignError) as exc:
        regs.add_participants(actor=user("hoankiem.officer"), registration=reg, rows=rows)
    assert "Dòng 2: Phong trào này không dành cho tập thể." in exc.value.errors
    assert any(e.startswith("Dòng 3: Năm sinh") for e in exc.value.errors)
    db.session.rollback()
    assert reg.participants == []


def test_bulk_reports_changed_and_skipped(make_campaign, registration_of, fill, user):
    c = make_campaign()
    a = fill(registration_of(c, "01-002"))
    b = registration_of(c, "01-001")  # never sent
    regs.apply(user("hoankiem.officer"), a.id, "send")
    db.session.commit()
    result = regs.apply_bulk(user("hanoi.officer"), [a.id, b.id, 999999], "approve")
    db.session.commit()
    assert result.changed == [a.id]
    skipped = {rid: reason for rid, _, reason in result.skipped}
    assert "Chưa gửi" in skipped[b.id] and "Không tìm thấy" in skipped[999999]
    msg = result.message("phê duyệt")
    assert msg.startswith("Đã phê duyệt 1; bỏ qua 2: Liên đoàn Lao động quận Ba Đình")
    assert len(reg_events(a.id)) == 2 and len(reg_events(b.id)) == 0
    with pytest.raises(regs.TransitionError, match="lý do"):
        regs.apply_bulk(user("hanoi.officer"), [a.id], "revoke", "")


def test_concurrent_approvals_change_once(app, sent, user):
    """20 reviewers click Phê duyệt at once: one change, one audit event (SQLite and PostgreSQL)."""
    reviewer_id, reg_id = user("hanoi.officer").id, sent.id
    db.session.remove()
    barrier = threading.Barrier(20)
    outcomes = []

    def approve():
        with app.app_context():
            from models import User

            barrier.wait(30)  # before touching the pool: 20 threads > the pool's 15 connections
            reviewer = db.session.get(User, reviewer_id)
            try:
                regs.apply(reviewer, reg_id, "approve")
                db.session.commit()
                outcomes.append("ok")
            except regs.TransitionError:
                db.session.rollback()
                outcomes.append("refused")
            except Exception as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=approve) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["ok"] + ["refused"] * 19, outcomes
    assert db.session.get(Registration, reg_id).status == "approved"
    approvals = [e for e in reg_events(reg_id) if e.action == "registration.approve"]
    assert len(approvals) == 1

MOVES = [("hoankiem.officer", a) for a in regs.ACTIONS] + [("hanoi.officer", a) for a in regs.ACTIONS]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(moves=st.lists(st.sampled_from(MOVES), max_size=8))
def test_random_move_sequences_follow_the_table(make_campaign, registration_of, fill, user, moves):
    """Any sequence of clicks by the sender and the reviewer ends where the table says, one event per change."""
    existing = db.session.execute(db.select(Registration)).scalars().first()
    reg = existing or fill(registration_of(make_campaign(units=("01-002",)), "01-002"))
    db.session.execute(db.update(Registration).where(Registration.id == reg.id).values(status="not_sent"))
    db.session.commit()
    before, state, changes = len(reg_events(reg.id)), "not_sent", 0
    for who, action in moves:
        allowed = (who == "hoankiem.officer") == (action == "send")
        target = regs.TRANSITIONS.get((state, action))
        try:
            regs.apply(user(who), reg.id, action, "Lý do")
            db.session.commit()
            assert allowed and target is not None
            state, changes = target, changes + 1
        except (regs.TransitionError, access.PermissionDenied):
            db.session.rollback()
            assert not allowed or target is None
    assert db.session.get(Registration, reg.id).status == state
    assert len(reg_events(reg.id)) == before + changes


def test_after_a_revoke_the_unit_sees_the_reason_edits_and_sends_again(make_campaign, registration_of, fill,
                                                                     user, login_as):
    from tests.campaigns.test_campaign_pages import page, post

    c = make_campaign(units=("01-002",))
    reg = fill(registration_of(c, "01-002"))
    regs.apply(user("hoankiem.officer"), reg.id, "send")
    regs.apply(user("hanoi.officer"), reg.id, "approve")
    regs.apply(user("hanoi.officer"), reg.id, "revoke", "Phát hiện trùng thành viên")
    db.session.commit()
    district = login_as("hoankiem.officer")
    url = f"/admin/campaign/registration/{reg.id}"
    html = page(district, url)
    assert "Bị hủy phê duyệt – chờ đơn vị gửi lại" in html and "Lý do hủy phê duyệt: Phát hiện trùng" in html
    assert 'value="send" class="btn btn-primary">Gửi lại</button>' in html
    assert "Thêm vào danh sách" in html  # editable
    review = page(login_as("hanoi.officer"), f"/admin/campaign/{c.id}/registrations?tab=pending")
    assert "Bị hủy phê duyệt – chờ đơn vị gửi lại" in review
    r = post(district, f"{url}/action", {"action": "send", "version": str(reg.version)}, form_url=url, status=200)
    assert "Chờ duyệt" in r.get_data(as_text=True)
    db.session.expire_all()
    reg = db.session.get(Registration, reg.id)
    assert reg.status == "pending" and not reg.reopened
    html = page(district, url)
    assert "Gửi lại" not in html and "Thêm vào danh sách" not in html
    # a second "Gửi lại" (another tab) sends nothing twice
    with pytest.raises(regs.TransitionError, match="Không thể gửi"):
        regs.apply(user("hoankiem.officer"), reg.id, "send")
    db.session.rollback()


def test_participant_rows_edited_in_place_and_deletes_confirmed(make_campaign, registration_of, fill, login_as):
    from models import Participant
    from tests.campaigns.test_campaign_pages import page, post

    c = make_campaign(units=("01-002",))
    reg = fill(registration_of(c, "01-002"), n=1)
    p = reg.participants[0]
    district = login_as("hoankiem.officer")
    url = f"/admin/campaign/registration/{reg.id}"
    html = page(district, url)
    assert f'data-app-confirm="Xóa “{p.full_name}” khỏi danh sách?"' in html
    assert f'name="p{p.id}-full_name"' in html and "Lưu thay đổi" in html
    edit_url = f"{url}/participants/{p.id}/edit"
    pre = f"p{p.id}-"
    bad = post(district, edit_url, {pre + "kind": "individual", pre + "full_name": "", pre + "birth_year": "1985",
                                     pre + "position": "Kế toán trưởng", pre + "unit_name": "Phòng Tài vụ"},
               form_url=url, status=400).get_data(as_text=True)
    assert "Kế toán trưởng" in bad and "<details class=\"participant-edit d-inline-block\" open>" in bad  # typed text kept
    post(district, edit_url, {pre + "kind": "individual", pre + "full_name": "Nguyễn Thị Mai", pre + "birth_year": "1985",
                              pre + "position": "Kế toán trưởng", pre + "unit_name": "Phòng Tài vụ"},
         form_url=url, status=200)
    db.session.expire_all()
    p = db.session.get(Participant, p.id)
    assert (p.full_name, p.birth_year, p.position) == ("Nguyễn Thị Mai", 1985, "Kế toán trưởng")


def test_reject_reason_kept_after_no_list_chosen(make_campaign, registration_of, fill, user, login_as):
    from tests.campaigns.test_campaign_pages import post

    c = make_campaign(units=("01-002",))
    reg = fill(registration_of(c, "01-002"))
    regs.apply(user("hoankiem.officer"), reg.id, "send")
    db.session.commit()
    province = login_as("hanoi.officer")
    review = f"/admin/campaign/{c.id}/registrations"
    r = post(province, f"{review}/action", {"action": "reject", "reason": "Thiếu năm sinh của thành viên"},
             form_url=review, status=200)
    html = r.get_data(as_text=True)
    assert "Chưa chọn danh sách nào" in html and ">Thiếu năm sinh của thành viên</textarea>" in html
    # on the list's own page, a refused action keeps the typed reason too
    url = f"/admin/campaign/registration/{reg.id}"
    r = post(province, f"{url}/action", {"action": "approve", "reason": "Ghi chú giữ lại", "version": "999"},
             form_url=url, status=409)
    assert ">Ghi chú giữ lại</textarea>" in r.get_data(as_text=True)

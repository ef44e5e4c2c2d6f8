"""Campaign services: create, launch down the tree, archive, delete drafts, files, links."""
from datetime import date

import pytest

from adminapp import access
from adminapp.extensions import db
from adminapp.workflow import campaigns as svc
from models import AuditEvent, Campaign, Registration

from .conftest import PDF_BYTES, campaign_values


def events(action):
    return db.session.execute(db.select(AuditEvent).where(AuditEvent.action == action)).scalars().all()


def test_owner_is_creator_unit_and_launch_creates_registrations(make_campaign, user):
    c = make_campaign()
    assert c.owner_unit.code == "01" and c.status == "launched" and c.launched_at is not None
    regs = db.session.execute(db.select(Registration).where(Registration.campaign_id == c.id)).scalars().all()
    assert sorted(r.unit.code for r in regs) == ["01-001", "01-002"]
    assert {r.status for r in regs} == {"not_sent"}
    assert len(events("campaign.create")) == 1 and len(events("campaign.launch")) == 1
    ev = events("campaign.launch")[0]
    assert (ev.from_state, ev.to_state, ev.actor_unit.code) == ("draft", "launched", "01")


def test_launch_needs_units_below_owner(make_campaign, user, unit):
    c = make_campaign(units=(), launch=False)
    with pytest.raises(svc.CampaignError, match="ít nhất một đơn vị"):
        svc.launch_campaign(actor=user("hanoi.officer"), campaign=c)
    db.session.rollback()
    with pytest.raises(svc.CampaignError, match="trực thuộc"):
        svc.add_participating_unit(actor=user("hanoi.officer"), campaign=c, unit=unit("40-412"),
                                   role=svc.default_role())
    with pytest.raises(svc.CampaignError, match="trực thuộc"):
        svc.add_participating_unit(actor=user("hanoi.officer"), campaign=c, unit=unit("01"),
                                   role=svc.default_role())


@pytest.mark.parametrize("overrides, message", [
    ({"start_date": date(2021, 12, 31), "end_date": date(2021, 1, 1)}, "Ngày kết thúc phải sau"),
    ({"registration_deadline": date(2022, 3, 1)}, "Hạn đăng ký"),
    ({"dossier_deadline": date(2021, 2, 1)}, "Hạn nộp hồ sơ không được trước"),
    ({"name": "  "}, "Tên phong trào"),
    ({"kind": "weekly"}, "loại phong trào"),
    ({"for_individuals": False, "for_collectives": False}, "đối tượng tham gia"),
])
def test_bad_fields_are_refused_in_vietnamese(ctx, user, overrides, message):
    with pytest.raises(svc.CampaignError) as exc:
        svc.create_campaign(actor=user("hanoi.officer"), **campaign_values(**overrides))
    assert any(message in e for e in exc.value.errors)
    db.session.rollback()
    assert db.session.execute(db.select(db.func.count()).select_from(Campaign)).scalar_one() == 0


def test_only_owner_unit_manages(make_campaign, user):
    c = make_campaign(launch=False)
    for who in ("hoankiem.officer", "hanoi.viewer", "nghean.officer"):
        with pytest.raises(access.PermissionDenied):
            svc.launch_campaign(actor=user(who), campaign=c)
    with pytest.raises(access.PermissionDenied):
        svc.create_campaign(actor=user("hanoi.viewer"), **campaign_values())


def test_archive_and_delete_rules(make_campaign, user):
    officer = user("hanoi.officer")
    launched = make_campaign()
    with pytest.raises(svc.CampaignError, match="không xóa được"):
        svc.delete_campaign(actor=officer, campaign=launched)
    svc.archive_campaign(actor=officer, campaign=launched)
    db.session.commit()
    assert launched.status == "archived" and len(events("campaign.archive")) == 1
    with pytest.raises(svc.CampaignError):
        svc.archive_campaign(actor=officer, campaign=launched)
    draft = make_campaign(launch=False)
    svc.add_attachment(actor=officer, campaign=draft, filename="chi-thi.pdf", data=PDF_BYTES)
    svc.add_link(actor=officer, campaign=draft, url="https://example.gov.vn/van-ban")
    svc.delete_campaign(actor=officer, campaign=draft)
    db.session.commit()
    assert db.session.get(Campaign, draft.id) is None
    assert len(events("campaign.delete")) == 1


def test_update_is_audited_with_changed_fields(make_campaign, user):
    c = make_campaign()
    values = campaign_values(dossier_deadline=date(2021, 12, 15))
    svc.update_campaign(actor=user("hanoi.officer"), campaign=c, **values)
    db.session.commit()
    (ev,) = events("campaign.update")
    assert ev.details["fields"] == {"dossier_deadline": ["2021-11-30", "2021-12-15"]}


def test_adding_unit_after_launch_creates_registration(make_campaign, user, unit):
    c = make_campaign(units=("01-002",))
    svc.add_participating_unit(actor=user("hanoi.officer"), campaign=c, unit=unit("01-002-01"),
                               role=svc.default_role())
    db.session.commit()
    codes = {r.unit.code for r in db.session.execute(
        db.select(Registration).where(Registration.campaign_id == c.id)).scalars()}
    assert codes == {"01-002", "01-002-01"}


def test_attachments_checked_by_content(make_campaign, user, app):
    officer = user("hanoi.officer")
    c = make_campaign(launch=False)
    att = svc.add_attachment(actor=officer, campaign=c, filename="../../etc/Chỉ thị số 1.pdf", data=PDF_BYTES)
    assert att.filename == "Chỉ thị số 1.pdf" and att.content_type == "application/pdf"
    with pytest.raises(svc.CampaignError, match="không khớp"):
        svc.add_attachment(actor=officer, campaign=c, filename="virus.pdf", data=b"MZ\x90\x00" + b"\x00" * 100)
    with pytest.raises(svc.CampaignError, match="không thuộc loại"):
        svc.add_attachment(actor=officer, campaign=c, filename="virus.exe", data=PDF_BYTES)
    with pytest.raises(svc.CampaignError, match="vượt quá dung lượng"):
        svc.add_attachment(actor=officer, campaign=c, filename="big.pdf", data=PDF_BYTES + b"0" * (1024 * 1024),
                           max_mb=1)


@pytest.mark.parametrize("url", ["javascript:alert(1)", "ftp://files.example.vn/a.pdf", "example.vn",
                                 "http://", "https://a b.vn"])
def test_links_http_only(make_campaign, user, url):
    c = make_campaign(launch=False)
    with pytest.raises(svc.CampaignError):
        svc.add_link(actor=user("hanoi.officer"), campaign=c, url=url)


def test_bulk_launch_reports_skipped(make_campaign, user):
    ok = make_campaign(launch=False)
    empty = make_campaign(units=(), launch=False, name="Phong trào chưa có đơn vị")
    done = make_campaign(name="Đã phát động rồi")
    result = svc.launch_many(actor=user("hanoi.officer"), campaigns=[ok, empty, done])
    db.session.commit()
    assert result.changed == [ok.id]
    assert [s[0] for s in result.skipped] == [empty.id, done.id]
    assert "Đã phát động 1; bỏ qua 2" in result.message("phát động")
    assert empty.status == "draft" and ok.status == "launched"


def test_default_roles_are_seeded_once(ctx):
    assert svc.ensure_default_roles() == 0
    assert [r.name for r in svc.active_roles()] == ["Chủ trì", "Trưởng cụm/khối", "Phó cụm/khối", "Thành viên"]

"""Issue 16 (1): the campaign's version covers its participating units, their roles, attachments and links.

Officer B opens the edit form; officer A changes a child row of the same campaign on the detail page; B's
save of an unrelated field is refused as a conflict, and A's change stands (nothing removed, nothing
audited as B's). Both databases.
"""
from __future__ import annotations

import io

import pytest

from adminapp.extensions import db
from models import AuditEvent, CampaignAttachment, CampaignLink, CampaignUnit, Registration
from tests.campaigns.conftest import PDF_BYTES
from tests.campaigns.test_campaign_pages import page, token
from tests.security.discover import main_form


def _edit_form(client, campaign_id: int) -> dict:
    """The edit form as the browser holds it (every participating unit row and the version token)."""
    html = page(client, f"/admin/campaigns/edit/?id={campaign_id}")
    form = main_form(html)
    data = {name: f.value for name, f in form.fields.items()
            if not (f.type in {"checkbox", "radio"} and not f.value) and f.type != "file"}
    # unit rows repeat their names: keep every posted pair as the browser would
    import re

    # chosen rows hold the unit as a hidden input, the empty "add" row as a select
    units = re.findall(r'<select[^>]*name="unit_id"[^>]*>.*?</select>|<input[^>]*name="unit_id"[^>]*>', html, re.S)
    roles = re.findall(r'<select[^>]*name="role_id"[^>]*>.*?</select>', html, re.S)

    def selected(select_html):
        if select_html.startswith("<input"):
            m = re.search(r'value="([^"]*)"', select_html)
            return m.group(1) if m else ""
        m = re.search(r'<option[^>]*value="([^"]*)"[^>]*selected', select_html)
        return m.group(1) if m else ""

    data["unit_id"] = [selected(u) for u in units]
    data["role_id"] = [selected(r) for r in roles]
    return data


def _second_officer(user, accounts_username="hanoi.officer2"):
    from adminapp import accounts
    from models import Role

    officer = db.session.execute(db.select(Role).where(Role.name == "officer")).scalar_one()
    u = accounts.create_user(actor=None, username=accounts_username, full_name="Lê Văn Bảo",
                             unit=user("hanoi.officer").unit, password="Demo@2026", roles=[officer])
    db.session.commit()
    return u


@pytest.mark.parametrize("change", ["unit_add", "unit_remove", "attachment", "link"])
def test_stale_edit_form_never_undoes_a_child_change(ctx, make_campaign, login_as, user, unit, change):
    campaign = make_campaign(units=("01-002", "01-001"))
    _second_officer(user)
    a, b = login_as("hanoi.officer"), login_as("hanoi.officer2")
    stale = _edit_form(b, campaign.id)  # B opens the form
    detail = f"/admin/campaign/{campaign.id}/"
    tok = token(page(a, detail))
    if change == "unit_add":
        r = a.post(f"/admin/campaign/{campaign.id}/units/add",
                   data={"csrf_token": tok, "unit_id": str(unit("01-002-01").id), "role_id": stale["role_id"][0]})
    elif change == "unit_remove":
        cu = db.session.execute(db.select(CampaignUnit).where(CampaignUnit.campaign_id == campaign.id,
                                                              CampaignUnit.unit_id == unit("01-001").id)).scalar_one()
        r = a.post(f"/admin/campaign/{campaign.id}/units/{cu.id}/remove", data={"csrf_token": tok})
    elif change == "attachment":
        r = a.post(f"/admin/campaign/{campaign.id}/attachments/add",
                   data={"csrf_token": tok, "attachments": (io.BytesIO(PDF_BYTES), "Hướng dẫn.pdf")},
                   content_type="multipart/form-data")
    else:
        r = a.post(f"/admin/campaign/{campaign.id}/links/add",
                   data={"csrf_token": tok, "url": "https://example.vn/van-ban", "title": "Văn bản"})
    assert r.status_code == 302
    db.session.expire_all()
    units_after_a = {cu.unit_id for cu in db.session.execute(
        db.select(CampaignUnit).where(CampaignUnit.campaign_id == campaign.id)).scalars()}
    files, links = (db.session.execute(db.select(db.func.count()).select_from(m).where(m.campaign_id == campaign.id))
                    .scalar_one() for m in (CampaignAttachment, CampaignLink))
    events = db.session.execute(db.select(db.func.count()).select_from(AuditEvent)).scalar_one()

    # B saves the form opened before A's change: refused, nothing of A's is lost or re-done
    stale["description"] = "Sửa diễn giải từ một biểu mẫu cũ."
    r = b.post(f"/admin/campaigns/edit/?id={campaign.id}", data=stale, content_type="multipart/form-data")
    assert r.status_code == 400
    assert "vừa được người khác sửa" in r.get_data(as_text=True)
    db.session.expire_all()
    assert {cu.unit_id for cu in db.session.execute(
        db.select(CampaignUnit).where(CampaignUnit.campaign_id == campaign.id)).scalars()} == units_after_a
    assert (db.session.execute(db.select(db.func.count()).select_from(CampaignAttachment)
                               .where(CampaignAttachment.campaign_id == campaign.id)).scalar_one(),
            db.session.execute(db.select(db.func.count()).select_from(CampaignLink)
                               .where(CampaignLink.campaign_id == campaign.id)).scalar_one()) == (files, links)
    assert db.session.execute(db.select(db.func.count()).select_from(AuditEvent)).scalar_one() == events
    assert db.session.get(type(campaign), campaign.id).description != stale["description"]
    if change == "unit_add":
        assert db.session.execute(db.select(db.func.count()).select_from(Registration).where(
            Registration.campaign_id == campaign.id)).scalar_one() == len(units_after_a)

    # reopened, B's form carries the new version and saves
    fresh = _edit_form(b, campaign.id)
    fresh["description"] = "Diễn giải mới."
    r = b.post(f"/admin/campaigns/edit/?id={campaign.id}", data=fresh, content_type="multipart/form-data")
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(type(campaign), campaign.id).description == "Diễn giải mới."
    assert {cu.unit_id for cu in db.session.execute(
        db.select(CampaignUnit).where(CampaignUnit.campaign_id == campaign.id)).scalars()} == units_after_a


def test_stale_role_change_is_refused(ctx, make_campaign, login_as, user):
    """A changes a unit's role (edit form); B's form from before cannot set it back."""
    campaign = make_campaign(units=("01-002", "01-001"))
    _second_officer(user)
    a, b = login_as("hanoi.officer"), login_as("hanoi.officer2")
    stale = _edit_form(b, campaign.id)
    mine = _edit_form(a, campaign.id)
    from adminapp.workflow import campaigns as svc

    other_role = next(r for r in svc.active_roles() if str(r.id) != mine["role_id"][0])
    mine["role_id"][0] = str(other_role.id)
    assert a.post(f"/admin/campaigns/edit/?id={campaign.id}", data=mine,
                  content_type="multipart/form-data").status_code == 302
    stale["name"] = stale["name"] + " (B)"
    assert b.post(f"/admin/campaigns/edit/?id={campaign.id}", data=stale,
                  content_type="multipart/form-data").status_code == 400
    db.session.expire_all()
    roles = [cu.role_id for cu in db.session.get(type(campaign), campaign.id).units]
    assert other_role.id in roles


def test_reviewer_approves_exactly_the_list_they_read(ctx, make_campaign, login_as, registration_of, fill, user):
    """The participant list with its rows is one aggregate: a list changed after the reviewer opened it is
    not approved from the stale page."""
    from adminapp.workflow import registrations as regsvc

    campaign = make_campaign(units=("01-002",))
    reg = fill(registration_of(campaign, "01-002"))
    regsvc.apply(user("hoankiem.officer"), reg.id, "send")
    regsvc.apply(user("hanoi.officer"), reg.id, "approve")
    regsvc.apply(user("hanoi.officer"), reg.id, "revoke", "Bổ sung")  # reopened: the unit may edit
    db.session.commit()
    reviewer = login_as("hanoi.officer")
    url = f"/admin/campaign/registration/{reg.id}"
    html = page(reviewer, url)
    import re

    seen = re.search(r'name="version" value="(\d+)"', html).group(1)
    fill(db.session.get(Registration, reg.id), n=1)  # the unit adds a row meanwhile
    r = reviewer.post(f"{url}/action", data={"csrf_token": token(html), "action": "approve", "version": seen})
    assert r.status_code == 409 and "vừa thay đổi" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).status == "pending"
    html = page(reviewer, url)
    fresh = re.search(r'name="version" value="(\d+)"', html).group(1)
    r = reviewer.post(f"{url}/action", data={"csrf_token": token(html), "action": "approve", "version": fresh})
    assert r.status_code == 302
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).status == "approved"

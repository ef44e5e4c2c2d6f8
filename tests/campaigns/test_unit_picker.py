"""The campaign form takes any number of participating units (the bulk picker posts one row per unit)."""
from adminapp.extensions import db
from models import Campaign, CampaignRole, Unit

from .test_campaign_pages import page, post


def test_national_campaign_with_every_direct_subordinate(login_as, unit):
    root = unit("TLD")
    direct = db.session.execute(db.select(Unit.id).where(Unit.parent_id == root.id)).scalars().all()
    roles = {r.code: r.id for r in db.session.execute(db.select(CampaignRole)).scalars()}
    c = login_as("tld.officer")
    html = page(c, "/admin/campaigns/new/")
    assert 'id="unit-candidates"' in html and "Thêm tất cả đơn vị trực thuộc trực tiếp" in html
    ids = [str(i) for i in direct] + [str(direct[0])]  # one twice: one participating unit
    data = {"name": "Thi đua toàn quốc", "launch_level": "national", "kind": "regular",
            "start_date": "01/01/2026", "end_date": "31/12/2026", "for_individuals": "y",
            "unit_id": ids, "role_id": [str(roles["member"])] * len(ids), "submit": "save"}
    # an error elsewhere keeps every chosen row
    r = post(c, "/admin/campaigns/new/", {**data, "end_date": "31/02/2026"}, status=400)
    assert r.get_data(as_text=True).count('type="hidden" name="unit_id"') == len(direct)
    r = post(c, "/admin/campaigns/new/", data, status=200)
    campaign = db.session.execute(db.select(Campaign)).scalar_one()
    assert len(campaign.units) == len(direct) >= 83

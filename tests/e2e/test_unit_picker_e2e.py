"""Participating units in bulk: a national campaign to every province and central sector union (63 + 20)
takes a handful of clicks (counted here), with a role for one unit, a search with multi-select and pasted
codes; no row limit."""
from __future__ import annotations

from playwright.sync_api import expect

from adminapp.extensions import db
from tests.e2e.conftest import open_session


class Clicks:
    """Every click and select the test makes as the officer, counted."""

    def __init__(self, page):
        self.page, self.n = page, 0

    def click(self, selector):
        self.n += 1
        self.page.click(selector)

    def select(self, selector, value):
        self.n += 1
        self.page.select_option(selector, value)


def test_national_campaign_to_every_direct_subordinate(browser, site, ctx):
    from adminapp import reference
    from models import Campaign, CampaignRole, Unit

    root = reference.get_unit("TLD")
    direct = db.session.execute(db.select(Unit.id).where(Unit.parent_id == root.id, Unit.active.is_(True))
                                ).scalars().all()
    assert len(direct) >= 83
    lead = db.session.execute(db.select(CampaignRole).where(CampaignRole.code == "lead")).scalar_one()

    page = open_session(browser, site, "tld.officer")
    clicks = Clicks(page)
    page.goto(site + "/admin/campaigns/new/")
    page.fill("#name", "Thi đua lao động giỏi toàn quốc")
    page.fill("#start_date", "01/01/2026")
    page.locator("#start_date").press("Enter")
    page.fill("#end_date", "31/12/2026")
    page.locator("#end_date").press("Enter")

    clicks.click("button[data-pick=children]")
    rows = page.locator("#unit-rows tbody tr[data-unit]")
    expect(rows).to_have_count(len(direct))
    expect(page.locator("#pick-count")).to_contain_text(f"Đã chọn {len(direct)} đơn vị")
    clicks.click("button[data-pick=children]")  # twice adds nothing twice
    expect(rows).to_have_count(len(direct))

    # Hà Nội leads: mark its row, choose the role, apply
    hanoi = page.locator("#unit-rows tr[data-unit]", has_text="(01)")
    clicks.click("#unit-rows tr[data-unit]:has-text('(01)') input.row-mark")
    clicks.select("#pick-role", str(lead.id))
    clicks.click("button[data-pick=role]")
    expect(hanoi.locator("select[name=role_id]")).to_have_value(str(lead.id))

    # remove two rows, then bring one back by search + multi-select and one by pasted code
    clicks.click("#unit-rows tr[data-unit]:has-text('(40)') .row-remove")
    clicks.click("#unit-rows tr[data-unit]:has-text('(79)') .row-remove")
    expect(rows).to_have_count(len(direct) - 2)
    page.fill("#pick-search", "nghe an")
    clicks.select("#pick-list", [str(reference.get_unit("40").id)])
    clicks.click("button[data-pick=selected]")
    page.fill("#pick-codes", "79\nKHONG-CO")
    clicks.click("button[data-pick=codes]")
    expect(page.locator("#pick-message")).to_contain_text("KHONG-CO")
    expect(rows).to_have_count(len(direct))

    clicks.click("button[value=save_launch]")
    expect(page.locator("body")).to_contain_text("Đã lưu và phát động")
    campaign = db.session.execute(db.select(Campaign)).scalar_one()
    assert {cu.unit_id for cu in campaign.units} == set(direct)
    assert {cu.unit.code for cu in campaign.units if cu.role_id == lead.id} == {"01"}
    # the whole national campaign, including the optional edits above, in at most a dozen clicks
    assert clicks.n <= 12, clicks.n

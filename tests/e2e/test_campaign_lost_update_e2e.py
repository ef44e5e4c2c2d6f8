"""Lost update on a campaign: two browsers edit it, the second save is refused and says what changed."""
from datetime import date

from playwright.sync_api import expect

from adminapp import reference
from adminapp.extensions import db
from adminapp.workflow import campaigns as svc
from models import Campaign, User
from tests.e2e.conftest import open_session


def test_second_save_of_a_campaign_is_refused_with_what_changed(browser, site):
    from tests.e2e.conftest import Shots

    officer = db.session.execute(db.select(User).where(User.username == "hanoi.officer")).scalar_one()
    c = svc.create_campaign(actor=officer, units=[(reference.get_unit("01-002"), svc.default_role())],
                            name="Thi đua lao động giỏi", launch_level="province", kind="regular",
                            start_date=date(2026, 1, 1), end_date=date(2026, 12, 31), description="Bản đầu",
                            for_individuals=True, for_collectives=False)
    db.session.commit()
    cid = c.id
    first, second = open_session(browser, site, "hanoi.officer"), open_session(browser, site, "hanoi.officer")
    url = f"{site}/admin/campaigns/edit/?id={cid}"
    first.goto(url)
    second.goto(url)
    second.fill("#description", "Bổ sung hướng dẫn của Ban Thường vụ")
    second.click("button[value=save]")
    expect(second.locator(".alert-success")).to_contain_text("Đã lưu")
    first.fill("#name", "Thi đua lao động giỏi, lao động sáng tạo")
    first.click("button[value=save]")
    body = first.locator("body")
    expect(body).to_contain_text("vừa được người khác sửa")
    expect(body).to_contain_text("Diễn giải: hiện là “Bổ sung hướng dẫn của Ban Thường vụ”")
    expect(body).to_contain_text("Người sửa gần nhất: Trần Văn Hùng")
    assert first.input_value("#name") == "Thi đua lao động giỏi, lao động sáng tạo"  # the typed input is kept
    Shots(first, "campaign-lost-update")("refused")
    db.session.expire_all()
    saved = db.session.get(Campaign, cid)
    assert saved.name == "Thi đua lao động giỏi" and saved.description == "Bổ sung hướng dẫn của Ban Thường vụ"

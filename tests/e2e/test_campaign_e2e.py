"""Scenario 1 of issue 5: the seed's campaign, clicked through in Chromium by three officers."""
import io

import openpyxl
from playwright.sync_api import expect

from tests.e2e.conftest import open_session

SEED = "Thi đua thực hiện thắng lợi nhiệm vụ kinh tế- xã hội"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def open_own_list(page, site):
    page.goto(site + "/admin/received_campaigns/")
    page.click(f"text={SEED}")
    page.click("a:has-text('Danh sách thành viên tham gia của đơn vị')")


def test_campaign_launch_register_review_export(browser, site, tmp_path):
    from tests.e2e.conftest import Shots

    province = open_session(browser, site, "hanoi.officer")
    ps = Shots(province, "campaign-province")
    province.goto(site + "/admin/campaigns/new/")
    province.fill("#name", SEED)
    province.select_option("#launch_level", "province")
    province.select_option("#kind", "regular")
    province.fill("#start_date", "01/01/2021")
    province.fill("#end_date", "31/12/2021")
    province.fill("#description", "Theo chỉ đạo của Chủ tịch UBND thành phố.")
    province.check("#for_collectives")
    (tmp_path / "chi-thi.pdf").write_bytes(PDF)
    province.set_input_files("input[name=attachments]", str(tmp_path / "chi-thi.pdf"))
    province.fill("#links", "https://vanban.hanoi.gov.vn/chi-thi-01.pdf")
    for term, label in [("hoan kiem", "Liên đoàn Lao động quận Hoàn Kiếm"),
                        ("dien luc hoan kiem", "Công đoàn cơ sở Công ty Điện lực Hoàn Kiếm")]:
        province.fill("#pick-search", term)  # the bulk picker: search, select, add
        value = province.locator("#pick-list option", has_text=label).first.get_attribute("value")
        province.select_option("#pick-list", [value])
        province.click("button[data-pick=selected]")
    expect(province.locator("#unit-rows tr[data-unit]")).to_have_count(2)
    ps("form-filled")
    province.click("button[value=save_launch]")
    expect(province.locator("body")).to_contain_text("Đã phát động")
    expect(province.locator("body")).to_contain_text("chi-thi.pdf")
    ps("launched")

    district = open_session(browser, site, "hoankiem.officer")
    ds = Shots(district, "campaign-district")
    district.goto(site + "/admin/received_campaigns/")
    row = district.locator("tr", has_text=SEED)
    expect(row).to_contain_text("Mới")  # unread until first opened
    ds("received-unread")
    open_own_list(district, site)
    district.select_option("#kind", "individual")
    district.fill("#full_name", "Đỗ Thị Lan")
    district.fill("#birth_year", "1985")
    district.fill("#position", "Chuyên viên")
    district.fill("#unit_name", "LĐLĐ quận Hoàn Kiếm")
    district.click("button:has-text('Thêm vào danh sách')")
    expect(district.locator("table")).to_contain_text("Đỗ Thị Lan")
    with district.expect_download() as dl:
        district.click("a:has-text('Tải tệp mẫu')")
    wb = openpyxl.load_workbook(io.BytesIO(open(dl.value.path(), "rb").read()))
    ws = wb.active
    ws.delete_rows(2, ws.max_row)
    ws.append(["Tập thể", "Tổ công đoàn Văn phòng", None, None, "LĐLĐ quận Hoàn Kiếm"])
    ws.append(["Cá nhân", "Nguyễn Văn Bình", 1990, "Kế toán", "LĐLĐ quận Hoàn Kiếm"])
    wb.save(tmp_path / "danh-sach.xlsx")
    district.set_input_files("#import-file", str(tmp_path / "danh-sach.xlsx"))
    district.click("button:has-text('Xem trước khi nhập')")
    expect(district.locator("#preview-new")).to_contain_text("Nguyễn Văn Bình")  # a dry run first
    district.click("#preview-confirm")
    expect(district.locator("table")).to_contain_text("Nguyễn Văn Bình")
    ds("list-built")
    district.click("button[value=send]")
    expect(district.locator(".registration-status")).to_have_text("Chờ duyệt")
    assert any(m.startswith("Gửi danh sách lên đơn vị phát động?") for m in district.dialogs)
    ds("sent")
    district.goto(site + "/admin/received_campaigns/")
    expect(district.locator("tr", has_text=SEED)).not_to_contain_text("Mới")

    grassroots = open_session(browser, site, "cdcs.officer")
    open_own_list(grassroots, site)
    grassroots.select_option("#kind", "collective")
    grassroots.fill("#full_name", "Tổ sản xuất số 1")
    grassroots.click("button:has-text('Thêm vào danh sách')")
    grassroots.click("button[value=send]")
    expect(grassroots.locator(".registration-status")).to_have_text("Chờ duyệt")

    # province rejects Hoàn Kiếm's list with a reason
    province.goto(site + "/admin/campaigns/")
    province.click(f"text={SEED}")
    province.click("a:has-text('Danh sách đăng ký của các đơn vị')")
    province.locator("tr", has_text="Liên đoàn Lao động quận Hoàn Kiếm").locator("a:has-text('Xem chi tiết')").click()
    province.fill("#reason", "Thiếu chức vụ của thành viên tập thể")
    province.click("button[value=reject]")
    expect(province.locator(".registration-status")).to_have_text("Từ chối")
    ps("rejected")

    # the district sees the reason, corrects and resends
    open_own_list(district, site)
    expect(district.locator(".alert-warning")).to_contain_text("Thiếu chức vụ của thành viên tập thể")
    district.click("button[value=send]")
    expect(district.locator(".registration-status")).to_have_text("Chờ duyệt")
    ds("resent")

    # bulk approve both lists, revoke one
    province.click("a:has-text('Về danh sách đăng ký của các đơn vị')")
    province.click("a:has-text('Chờ duyệt')")
    boxes = province.locator("input[name=rowid]")
    expect(boxes).to_have_count(2)
    for i in range(2):
        boxes.nth(i).check()
    province.click("button[value=approve]")
    expect(province.locator(".alert")).to_contain_text("Đã phê duyệt 2; bỏ qua 0.")
    assert "Phê duyệt các danh sách đã chọn?" in province.dialogs
    ps("bulk-approved")
    province.click("a:has-text('Đã duyệt')")
    province.locator("tr", has_text="Liên đoàn Lao động quận Hoàn Kiếm").locator("a:has-text('Xem chi tiết')").click()
    province.fill("#reason", "Cần bổ sung năm sinh")
    province.click("button[value=revoke]")
    expect(province.locator(".registration-status")).to_have_text("Bị hủy phê duyệt – chờ đơn vị gửi lại")
    ps("revoked")
    # the district sees the reason and sends its list again
    open_own_list(district, site)
    expect(district.locator("#last-reason")).to_contain_text("Cần bổ sung năm sinh")
    district.click("button[value=send]:has-text('Gửi lại')")
    expect(district.locator(".registration-status")).to_have_text("Chờ duyệt")
    ds("sent-again")

    # the consolidated list downloads and reads back
    province.click(f"text={SEED}")
    with province.expect_download() as dl:
        province.click("a:has-text('Danh sách tổng hợp đăng ký (Excel)')")
    ws = openpyxl.load_workbook(io.BytesIO(open(dl.value.path(), "rb").read())).active
    text = "\n".join(" ".join(str(v) for v in row if v is not None) for row in ws.iter_rows(values_only=True))
    assert SEED in text and "01/01/2021" in text
    for name in ["Đỗ Thị Lan", "Nguyễn Văn Bình", "Tổ công đoàn Văn phòng", "Tổ sản xuất số 1"]:
        assert name in text
    ps("exported")

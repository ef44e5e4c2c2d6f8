"""The consolidated registration list (Danh sách tổng hợp đăng ký) prints as it is (issue 13): LibreOffice
headless to PDF, every cell's full text inside its cell box on A4 landscape, one page width, the title, the
place-and-date line and the signature block present; long names, formulas, emoji and combining marks too."""
from __future__ import annotations

import io
from datetime import datetime

import openpyxl

from adminapp import formatting
from adminapp.exports import registrations as reg_export
from adminapp.extensions import db
from adminapp.workflow import registrations as regs
from tests.printcheck import check_cells, squash, to_pdf


def _shown(value) -> str:
    if isinstance(value, datetime):
        return formatting.format_date(value)
    return "" if value is None else str(value)


def test_consolidated_list_prints_whole(make_campaign, registration_of, user, login_as, tmp_path):
    campaign = make_campaign()
    reg = registration_of(campaign, "01-002")
    long_name = ("Nguyễn Hoàng Phương Thảo Lê Thị " * 8)[:200]
    rows = [
        regs.ParticipantData(kind="individual", full_name=long_name, birth_year=1980, position="Chuyên viên " * 12,
                             unit_name="Phòng Tổ chức – Cán bộ, Công ty Điện lực Hoàn Kiếm " * 3),
        regs.ParticipantData(kind="individual", full_name="=HYPERLINK(\"http://x\") Trần 😀 Bình", birth_year=1975,
                             position="+Trưởng phòng @SUM", unit_name="-Phòng Kỹ thuật"),
        regs.ParticipantData(kind="collective", full_name="Tổ sản xuất số 2 🚀 (thu\u0309 công, cafe\u0301)",
                             unit_name="Xưởng cơ khí"),
    ]
    regs.add_participants(actor=user("hoankiem.officer"), registration=reg, rows=rows)
    regs.apply(user("hoankiem.officer"), reg.id, "send")
    db.session.commit()

    c = login_as("hanoi.officer")
    r = c.get(f"/admin/campaign/{campaign.id}/consolidated/xlsx")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    assert ws.freeze_panes == "A5" and ws.print_title_rows == "$4:$4"
    year = ws.cell(5, 5)
    assert year.value == 1980 and year.number_format == "0"
    assert ws.cell(5, 9).is_date and ws.cell(5, 9).number_format == "dd/mm/yyyy"

    expected = {str(values[0]): [_shown(v) for v in values] for values in reg_export.consolidated_rows(campaign)}
    assert len(expected) == 3
    pdf = to_pdf(r.data, tmp_path, "danh-sach-tong-hop-dang-ky")
    texts = check_cells(pdf, expected, ncols=len(reg_export.HEADERS))
    first, last = squash(texts[0]), squash(texts[-1])
    assert squash("DANH SÁCH TỔNG HỢP ĐĂNG KÝ") in first and squash(campaign.name) in first
    assert squash(", ngày ") in last and squash("TM. BAN THƯỜNG VỤ") in last
    assert squash("(Ký, ghi rõ họ tên, đóng dấu)") in last


def test_large_consolidated_list_and_review_export_run_in_the_background(make_campaign, registration_of, fill, user,
                                                                          login_as, ctx, monkeypatch):
    """Without Redis, a consolidated list or a review-page export above EXPORT_SYNC_MAX_ROWS runs on a thread:
    progress page, then a download for its owner only (the participating unit never gets it)."""
    from adminapp import jobs
    from models import ExportJob

    monkeypatch.setitem(ctx.config, "EXPORT_SYNC_MAX_ROWS", 0)
    campaign = make_campaign()
    reg = fill(registration_of(campaign, "01-002"), n=3)
    regs.apply(user("hoankiem.officer"), reg.id, "send")
    db.session.commit()
    c = login_as("hanoi.officer")
    urls = {"consolidated": f"/admin/campaign/{campaign.id}/consolidated/xlsx",
            "review": f"/admin/campaign/{campaign.id}/registrations/export/csv?tab=pending"}
    files = {}
    for kind, url in urls.items():
        r = c.get(url)
        assert r.status_code == 302 and "/admin/exports/details/" in r.headers["Location"], kind
        jobs.wait_for_threads()
        db.session.expire_all()
        job = db.session.execute(db.select(ExportJob).order_by(ExportJob.id.desc()).limit(1)).scalar_one()
        assert job.endpoint == "doc:" + kind and job.status == "done", (job.status, job.error)
        r = c.get(f"/admin/exports/{job.id}/download")
        assert r.status_code == 200
        files[kind] = r.data
        assert login_as("hoankiem.officer").get(f"/admin/exports/{job.id}/download").status_code == 404
    ws = openpyxl.load_workbook(io.BytesIO(files["consolidated"])).active
    assert {row[3] for row in ws.iter_rows(min_row=5, values_only=True) if isinstance(row[0], int)} == {
        "Nguyễn Văn 0", "Nguyễn Văn 1", "Nguyễn Văn 2"}
    assert "quận Hoàn Kiếm" in files["review"].decode("utf-8-sig")
    # the participating unit cannot start the consolidated job either: not found, no job created
    before = db.session.execute(db.select(db.func.count()).select_from(ExportJob)).scalar_one()
    assert login_as("hoankiem.officer").get(urls["consolidated"]).status_code == 404
    assert db.session.execute(db.select(db.func.count()).select_from(ExportJob)).scalar_one() == before

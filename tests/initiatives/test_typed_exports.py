"""Typed data in every export (issue 13): real dates, numbers as numbers, text as text, widths from content,
frozen header and autofilter, file names in Vietnam time, CSV for Excel."""
from __future__ import annotations

import io
from datetime import datetime
from urllib.parse import unquote

import openpyxl
from freezegun import freeze_time

from adminapp.extensions import db


def _sheet(resp):
    assert resp.status_code == 200, resp.status_code
    return openpyxl.load_workbook(io.BytesIO(resp.data)).active


def _columns(ws, header_row: int) -> dict[str, int]:
    return {c.value: c.column for c in ws[header_row] if c.value}


def test_initiative_export_cells_are_typed(login_as, submit):
    ini = submit(title="=HYPERLINK(\"http://x\",\"bấm\")", phone="0912345678", birth_year="1980",
                 description="Dòng một\nDòng hai")
    # stored at 2021-04-01 03:00 UTC: 10:00 in Hà Nội
    with freeze_time("2021-04-01 20:30:00"):  # 03:30 on 2 April in Hà Nội
        c = login_as("hanoi.officer")
        r = c.get("/admin/initiatives/export/xlsx/")
    name = unquote(r.headers["Content-Disposition"])
    assert "2021-04-02_03-30-00.xlsx" in name  # the file name in Vietnam time
    ws = _sheet(r)
    assert ws.freeze_panes == "A5"
    cols = _columns(ws, 4)
    row = 5
    cell = ws.cell(row, cols["Năm sinh"])
    assert cell.value == 1980 and cell.data_type == "n" and cell.number_format == "0"  # never "1,980"
    cell = ws.cell(row, cols["Điện thoại"])
    assert cell.value == "0912345678" and cell.data_type == "s"  # leading zero kept
    cell = ws.cell(row, cols["Mã tra cứu"])
    assert cell.value == ini.tracking_code and cell.data_type == "s"
    cell = ws.cell(row, cols["Ngày bắt đầu áp dụng"])
    assert cell.is_date and cell.value == datetime(2021, 3, 1) and cell.number_format == "dd/mm/yyyy"
    cell = ws.cell(row, cols["Ngày nộp"])
    assert cell.is_date and cell.value == datetime(2021, 4, 1, 10, 0) and cell.number_format == "dd/mm/yyyy hh:mm"
    cell = ws.cell(row, cols["Giá trị làm lợi"])
    assert cell.value == 150000000 and cell.data_type == "n" and cell.number_format == "#,##0"
    assert ws.cell(row, cols["Trạng thái"]).value == "Đã nộp"
    assert ws.cell(row, cols["Trùng"]).value == "Không"
    cell = ws.cell(row, cols["Tên sáng kiến"])
    assert cell.value.startswith("=HYPERLINK") and cell.data_type == "s"  # text, never a formula
    # widths come from the content, capped
    assert ws.column_dimensions["A"].width < 20  # the tracking code, not a fixed width
    desc_letter = openpyxl.utils.get_column_letter(cols["Tóm tắt nội dung"])
    assert ws.column_dimensions[desc_letter].width <= 62
    assert ws.auto_filter.ref == f"A4:{openpyxl.utils.get_column_letter(len(cols))}5"


def test_empty_list_keeps_its_autofilter_and_header(login_as, programme):
    c = login_as("hanoi.officer")
    ws = _sheet(c.get("/admin/initiatives/export/xlsx/"))
    header = [v for v in next(ws.iter_rows(min_row=4, max_row=4, values_only=True)) if v]
    assert header and ws.auto_filter.ref == f"A4:{openpyxl.utils.get_column_letter(len(header))}4"
    assert ws.freeze_panes == "A5"


def test_csv_for_excel_bom_and_one_charset(login_as, submit):
    submit(title="+cmd|' /C calc'!A0", phone="0912345678")
    c = login_as("hanoi.officer")
    r = c.get("/admin/initiatives/export/csv/")
    assert r.status_code == 200
    assert r.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert r.data.startswith(b"\xef\xbb\xbf")
    text = r.data.decode("utf-8-sig")
    assert "'+cmd|" in text and "0912345678" in text and "01/03/2021" in text


def test_consolidated_and_review_exports_are_typed(ctx, login_as):
    """The other documents share the cell module: a year of birth is a plain number, a date a date cell."""
    import xlsxwriter  # noqa: F401

    from adminapp.exports import cells, tabular

    buf = io.BytesIO()
    tabular.write_xlsx(buf, ["TT", "Năm sinh", "Ngày gửi", "Điện thoại"],
                       [(1, 1975, datetime(2021, 4, 30, 18, 0), "0088")], title="T",
                       kinds=[cells.INT, cells.INT, cells.DATE, cells.TEXT])
    ws = openpyxl.load_workbook(io.BytesIO(buf.getvalue())).active
    tt, year, sent, phone = ws[4]
    assert year.value == 1975 and year.number_format == "0"
    assert sent.is_date and sent.value.date() == datetime(2021, 5, 1).date()  # 01:00 on 1 May in Hà Nội
    assert sent.number_format == "dd/mm/yyyy"
    assert phone.value == "0088" and phone.data_type == "s"
    db.session.rollback()

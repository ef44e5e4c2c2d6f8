"""Stream rows into XLSX (xlsxwriter constant_memory) or CSV, never as formulas.

Text is written as text: a value starting with '=', '+', '-' or '@' stays a
string in XLSX (write_string) and is prefixed with an apostrophe in CSV
(OWASP CSV injection guidance), so an uploaded title never runs in Excel.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal

import xlsxwriter

from adminapp import formatting

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    text = cell_text(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, datetime):
        return formatting.format_datetime(value)
    if isinstance(value, date):
        return formatting.format_date(value)
    return str(value)


def write_xlsx(
    target,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    title: str | None = None,
    subtitle: str | None = None,
    sheet_name: str = "Dữ liệu",
    widths: Sequence[int] | None = None,
) -> int:
    """Write a printable sheet (title, frozen header, landscape, fit to width). Returns rows written."""
    wb = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False})
    ws = wb.add_worksheet(sheet_name[:31])
    title_fmt = wb.add_format({"bold": True, "font_size": 14, "font_name": "Times New Roman"})
    sub_fmt = wb.add_format({"italic": True, "font_name": "Times New Roman"})
    head_fmt = wb.add_format({"bold": True, "border": 1, "text_wrap": True, "valign": "vcenter", "align": "center",
                              "bg_color": "#D9E1F2", "font_name": "Times New Roman"})
    cell_fmt = wb.add_format({"border": 1, "text_wrap": True, "valign": "top", "font_name": "Times New Roman"})
    num_fmt = wb.add_format({"border": 1, "valign": "top", "num_format": "#,##0", "font_name": "Times New Roman"})

    row = 0
    if title:
        ws.write_string(row, 0, title, title_fmt)
        row += 1
    if subtitle:
        ws.write_string(row, 0, subtitle, sub_fmt)
        row += 1
    if title or subtitle:
        row += 1
    header_row = row
    col_widths = list(widths) if widths else [max(10, min(50, len(h) + 4)) for h in headers]
    for c, w in enumerate(col_widths):
        ws.set_column(c, c, w)
    for c, h in enumerate(headers):
        ws.write_string(header_row, c, h, head_fmt)
    ws.freeze_panes(header_row + 1, 0)
    ws.repeat_rows(header_row)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)

    count = 0
    write_string, write_number = ws.write_string, ws.write_number
    numbers = (int, float, Decimal)
    for values in rows:
        row += 1
        count += 1
        for c, value in enumerate(values):
            kind = type(value)  # exact types: a bool is not written as the number 1
            if kind is str:
                write_string(row, c, value, cell_fmt)
            elif kind in numbers:
                write_number(row, c, float(value), num_fmt)
            else:
                write_string(row, c, cell_text(value), cell_fmt)
    if count:
        ws.autofilter(header_row, 0, row, len(headers) - 1)
    wb.close()
    return count


def write_csv(target: io.TextIOBase, headers: Sequence[str], rows: Iterable[Sequence]) -> int:
    """UTF-8 CSV with BOM (opens with diacritics in Excel)."""
    target.write("\ufeff")
    writer = csv.writer(target)
    writer.writerow(headers)
    count = 0
    for values in rows:
        writer.writerow([csv_safe(v) for v in values])
        count += 1
    return count

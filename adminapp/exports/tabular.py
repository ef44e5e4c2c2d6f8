"""Stream rows into XLSX (xlsxwriter constant_memory) or CSV, typed, never as formulas.

XLSX cells are typed by column kind (adminapp.exports.cells): real dates shown dd/mm/yyyy (times in Vietnam
time), numbers as numbers (years and codes without thousands separators), text as text: a value starting
with '=', '+', '-' or '@' stays a string (write_string) and is never evaluated. In CSV such a value is
prefixed with an apostrophe (OWASP CSV injection guidance), so an uploaded title never runs in Excel; the
CSV is UTF-8 with a byte order mark, so Excel reads the diacritics.
"""
from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

import xlsxwriter

from adminapp.exports import cells

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
CSV_MIMETYPE = "text/csv"  # Werkzeug adds "; charset=utf-8" to text types (once)


def csv_safe(value) -> str:
    text = cells.cell_text(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def write_xlsx(
    target,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    *,
    title: str | None = None,
    subtitle: str | None = None,
    sheet_name: str = "Dữ liệu",
    widths: Sequence[int] | None = None,
    kinds: Sequence[str] | None = None,
) -> int:
    """Write a printable sheet (title, frozen header with autofilter, landscape, fit to width). Column widths
    follow the content (capped) unless `widths` is given; `kinds` types the columns (default: by value).
    Returns the rows written."""
    wb = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False, "strings_to_formulas": False})
    ws = wb.add_worksheet(sheet_name[:31])
    fmts = cells.Formats(wb)

    row = 0
    if title:
        ws.write_string(row, 0, title, fmts.title)
        row += 1
    if subtitle:
        ws.write_string(row, 0, subtitle, fmts.subtitle)
        row += 1
    if title or subtitle:
        row += 1
    header_row = row
    ncols = len(headers)
    for c, h in enumerate(headers):
        ws.write_string(header_row, c, h, fmts.head)
    ws.freeze_panes(header_row + 1, 0)
    ws.repeat_rows(header_row)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)

    measure = None if widths else [0] * ncols
    count = cells.write_rows(ws, fmts, kinds or [cells.AUTO] * ncols, rows, header_row + 1, measure)
    col_widths = list(widths) if widths else cells.column_widths(headers, measure)
    for c, w in enumerate(col_widths):
        ws.set_column(c, c, w)
    # kept on an empty list too: the header alone is a valid filter range
    ws.autofilter(header_row, 0, header_row + count, max(ncols - 1, 0))
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

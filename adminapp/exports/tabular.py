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

from adminapp.exports import cells, printable

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
    closing: dict | None = None,
) -> int:
    """Write a printable sheet (title, frozen header with autofilter, landscape, fit to width). Column widths
    follow the content (capped) unless `widths` is given; `kinds` types the columns (default: by value).

    An official document (`widths` given and `closing` = {"place", "title", "name"}) prints as it is: title
    and subtitle merged over the table and wrapped, each row as tall as its wrapped text, then the
    place-and-date line and the signature block (adminapp.exports.printable). Returns the rows written."""
    wb = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False, "strings_to_formulas": False})
    ws = wb.add_worksheet(sheet_name[:31])
    fmts = cells.Formats(wb)
    ncols = len(headers)
    document = closing is not None and widths is not None
    height = None

    row = 0
    if document:
        metrics, bold = printable.Metrics(cells.Formats.SIZE), printable.Metrics(cells.Formats.SIZE, bold=True)
        total = sum(widths)
        title_f = wb.add_format({**fmts.base, "bold": True, "font_size": cells.Formats.SIZE + 3, "align": "center",
                                 "valign": "vcenter", "text_wrap": True})
        sub_f = wb.add_format({**fmts.base, "italic": True, "align": "center", "valign": "vcenter", "text_wrap": True})
        for text, fmt, m in ((title, title_f, printable.Metrics(cells.Formats.SIZE + 3, bold=True)),
                             (subtitle, sub_f, metrics)):
            if text:
                ws.set_row(row, printable.row_height(m, [text], [total]))
                ws.merge_range(row, 0, row, ncols - 1, text, fmt)
                row += 1
        text_cols = [c for c, k in enumerate(kinds or []) if k in (cells.TEXT, cells.AUTO)] or list(range(ncols))

        def height(values):
            return printable.row_height(metrics, [values[c] for c in text_cols], [widths[c] for c in text_cols])
    else:
        if title:
            ws.write_string(row, 0, title, fmts.title)
            row += 1
        if subtitle:
            ws.write_string(row, 0, subtitle, fmts.subtitle)
            row += 1
    if title or subtitle:
        row += 1
    header_row = row
    if document:
        ws.set_row(header_row, printable.row_height(bold, headers, widths) + 2)
    for c, h in enumerate(headers):
        ws.write_string(header_row, c, h, fmts.head)
    ws.freeze_panes(header_row + 1, 0)
    ws.repeat_rows(header_row)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.5, bottom=0.5)

    measure = None if widths else [0] * ncols
    count = cells.write_rows(ws, fmts, kinds or [cells.AUTO] * ncols, rows, header_row + 1, measure, height=height)
    col_widths = list(widths) if widths else cells.column_widths(headers, measure)
    for c, w in enumerate(col_widths):
        ws.set_column(c, c, w)
    # kept on an empty list too: the header alone is a valid filter range
    ws.autofilter(header_row, 0, header_row + count, max(ncols - 1, 0))
    if document:
        first = max(0, ncols - 4)
        printable.write_closing(ws, header_row + count + 2, first, ncols - 1,
                                printable.closing_formats(wb, {**fmts.base, "font_size": cells.Formats.SIZE + 1}),
                                place=closing.get("place"), title=closing.get("title"), name=closing.get("name"))
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

"""Typed cells for every spreadsheet export: one place for formats, kinds of column and fast row writing.

A column has a kind:

- ``text``: a string cell, always written with write_string (a title starting with = + - @ stays text and is
  never evaluated); phone numbers and codes keep their leading zeros;
- ``int``: a number without thousands separators (years of birth, scores, codes that are numbers): "0";
- ``number``: a number with thousands separators (money, counts): "#,##0";
- ``date``: a real date cell shown dd/mm/yyyy;
- ``datetime``: a real date-time cell in Vietnam time (stored values are naive UTC) shown dd/mm/yyyy hh:mm;
- ``bool``: "Có" / "Không";
- ``auto``: decided per value by its type (for columns computed by formatters).

The formats are created once per workbook (``Formats``), never per cell; rows are tuples written by
``write_rows`` with one pre-bound writer call per cell. Dates are written as their Excel serial number with a
date format (what xlsxwriter's write_datetime does, without its per-cell conversions).
"""
from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal

from adminapp import formatting

TEXT, INT, NUMBER, DATE, DATETIME, BOOL, AUTO = "text", "int", "number", "date", "datetime", "bool", "auto"
KINDS = (TEXT, INT, NUMBER, DATE, DATETIME, BOOL, AUTO)
_CANONICAL = {k: k for k in KINDS}

FONT = "Times New Roman"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"
WIDTH_CAP = 60  # characters: longer text wraps inside the column
WIDTH_MIN = 6
WIDTH_SAMPLE = 2000  # rows measured for the widths (a national list is not measured row by row)

_EXCEL_EPOCH = date(1899, 12, 30).toordinal()
# Vietnam has kept UTC+07:00 without daylight saving since 1975; the offset is read once from the zone.
VN_OFFSET_DAYS = formatting.VN_TZ.utcoffset(datetime(2000, 1, 1)) / timedelta(days=1)
_SECONDS_PER_DAY = 86400.0


def date_serial(value: date) -> float:
    """An Excel serial day number of a date (a datetime is taken as naive UTC, shown in Vietnam time)."""
    if value.__class__ is datetime or isinstance(value, datetime):
        if value.tzinfo is not None:
            value = formatting.to_local(value).replace(tzinfo=None)
            return (value.toordinal() - _EXCEL_EPOCH
                    + (value.hour * 3600 + value.minute * 60 + value.second) / _SECONDS_PER_DAY)
        return (value.toordinal() - _EXCEL_EPOCH
                + (value.hour * 3600 + value.minute * 60 + value.second) / _SECONDS_PER_DAY + VN_OFFSET_DAYS)
    return float(value.toordinal() - _EXCEL_EPOCH)


def cell_text(value) -> str:
    """A value as the text shown in a CSV or a text cell (dates dd/mm/yyyy, times in Vietnam time)."""
    if value is None:
        return ""
    if value.__class__ is str:
        return value
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, datetime):
        return formatting.format_datetime(value)
    if isinstance(value, date):
        return formatting.format_date(value)
    return str(value)


class Formats:
    """The formats of one workbook, created once."""

    SIZE = 11

    def __init__(self, wb, *, font: str = FONT, size: int = SIZE, border: bool = True, wrap: bool = True):
        base = {"font_name": font, "font_size": size}
        cell = {**base, "valign": "top"}
        if border:
            cell["border"] = 1
        self.base = base
        self.title = wb.add_format({**base, "bold": True, "font_size": size + 3})
        self.subtitle = wb.add_format({**base, "italic": True})
        self.head = wb.add_format({**base, "bold": True, "border": 1, "text_wrap": True, "valign": "vcenter",
                                   "align": "center", "bg_color": "#D9E1F2"})
        self.text = wb.add_format({**cell, "text_wrap": wrap})
        self.int = wb.add_format({**cell, "num_format": "0", "align": "right"})
        self.number = wb.add_format({**cell, "num_format": "#,##0"})
        self.decimal = wb.add_format({**cell, "num_format": "#,##0.##"})
        self.date = wb.add_format({**cell, "num_format": DATE_FORMAT, "align": "center"})
        self.datetime = wb.add_format({**cell, "num_format": DATETIME_FORMAT, "align": "center"})
        self.by_kind = {TEXT: self.text, INT: self.int, NUMBER: self.number, DATE: self.date,
                        DATETIME: self.datetime, BOOL: self.text, AUTO: self.text}


def kind_of_type(sa_type) -> str:
    """The kind of a SQLAlchemy column type (integers without separators: years, scores, ids)."""
    from sqlalchemy import Boolean, Date, DateTime, Float, Integer, Numeric

    if isinstance(sa_type, DateTime):
        return DATETIME
    if isinstance(sa_type, Date):
        return DATE
    if isinstance(sa_type, Boolean):
        return BOOL
    if isinstance(sa_type, Integer):
        return INT
    if isinstance(sa_type, (Numeric, Float)):
        return NUMBER
    return TEXT


def value_width(value) -> int:
    """Characters a value needs on one line (its longest line for multi-line text)."""
    if value is None:
        return 0
    if value.__class__ is str:
        if "\n" in value:
            return max(len(line) for line in value.split("\n"))
        return len(value)
    if isinstance(value, datetime):
        return 16
    if isinstance(value, date):
        return 10
    if isinstance(value, bool):
        return 5
    if isinstance(value, (int, float, Decimal)):
        return len(f"{value:,}") if isinstance(value, int) else len(f"{value:,.2f}")
    return len(str(value))


def header_width(header: str) -> int:
    """A header wraps: its longest word, or a third of it, whichever is wider."""
    words = header.split()
    return max([len(w) for w in words] + [len(header) // 3]) if words else 0


def column_widths(headers: Sequence[str], measured: Sequence[int], cap: int = WIDTH_CAP) -> list[int]:
    return [max(WIDTH_MIN, min(cap, max(header_width(h), m) + 2)) for h, m in zip(headers, measured, strict=False)]


def write_rows(ws, fmts: Formats, kinds: Sequence[str], rows: Iterable[Sequence], first_row: int,
               measure: list[int] | None = None, sample: int = WIDTH_SAMPLE, height=None) -> int:
    """Write `rows` (tuples or lists) from `first_row`; returns the number written. The first `sample` rows
    are measured into `measure` (characters per column) when given; `height(values)` gives each row's height
    in points (printable documents: adminapp.exports.printable)."""
    write_string, write_number, write_blank = ws.write_string, ws.write_number, ws.write_blank
    text_f, int_f, num_f, dec_f, date_f, dt_f = (fmts.text, fmts.int, fmts.number, fmts.decimal, fmts.date,
                                                 fmts.datetime)
    epoch, vn_days, spd = _EXCEL_EPOCH, VN_OFFSET_DAYS, _SECONDS_PER_DAY
    cols = [(c, _CANONICAL[k]) for c, k in enumerate(kinds)]  # identity checks below need the constants
    row = first_row - 1
    count = 0
    for values in rows:
        row += 1
        count += 1
        if height is not None:
            ws.set_row(row, height(values))
        if measure is not None and count <= sample:
            for c, v in enumerate(values):
                w = value_width(v)
                if w > measure[c]:
                    measure[c] = w
        for c, kind in cols:
            v = values[c]
            if v is None:
                write_blank(row, c, None, text_f)
            elif kind is TEXT:
                if v.__class__ is str:
                    write_string(row, c, v, text_f)
                else:
                    write_string(row, c, cell_text(v), text_f)
            elif kind is INT:
                if v.__class__ is int:
                    write_number(row, c, v, int_f)
                else:
                    _write_auto(ws, fmts, row, c, v)
            elif kind is DATE:
                if v.__class__ is date:
                    write_number(row, c, v.toordinal() - epoch, date_f)
                elif isinstance(v, datetime):  # a moment shown as its day in Vietnam
                    write_number(row, c, date_serial(v), date_f)
                else:
                    _write_auto(ws, fmts, row, c, v)
            elif kind is DATETIME:
                if v.__class__ is datetime and v.tzinfo is None:
                    write_number(row, c, v.toordinal() - epoch
                                 + (v.hour * 3600 + v.minute * 60 + v.second) / spd + vn_days, dt_f)
                else:
                    _write_auto(ws, fmts, row, c, v)
            elif kind is NUMBER:
                if v.__class__ is int or v.__class__ is float:
                    write_number(row, c, v, num_f)
                elif isinstance(v, Decimal):
                    write_number(row, c, float(v), num_f if v == v.to_integral_value() else dec_f)
                else:
                    _write_auto(ws, fmts, row, c, v)
            elif v.__class__ is str:  # AUTO: a formatter's label
                write_string(row, c, v, text_f)
            else:  # BOOL, AUTO
                _write_auto(ws, fmts, row, c, v)
    return count


def _write_auto(ws, fmts: Formats, row: int, c: int, v) -> None:
    """One value by its type."""
    if v is None:
        ws.write_blank(row, c, None, fmts.text)
    elif isinstance(v, str):
        ws.write_string(row, c, str(v), fmts.text)
    elif isinstance(v, bool):
        ws.write_string(row, c, "Có" if v else "Không", fmts.text)
    elif isinstance(v, int):
        ws.write_number(row, c, v, fmts.int)
    elif isinstance(v, float):
        ws.write_number(row, c, v, fmts.decimal if v != int(v) else fmts.number)
    elif isinstance(v, Decimal):
        ws.write_number(row, c, float(v), fmts.number if v == v.to_integral_value() else fmts.decimal)
    elif isinstance(v, datetime):
        ws.write_number(row, c, date_serial(v), fmts.datetime)
    elif isinstance(v, date):
        ws.write_number(row, c, date_serial(v), fmts.date)
    else:
        ws.write_string(row, c, str(v), fmts.text)

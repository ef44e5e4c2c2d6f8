"""Participant list import (Nhập danh sách thành viên từ tệp Excel) and its downloadable template.

Every row is checked first; the caller saves all rows in one transaction only if there is no
error (issue 3: "per-row errors shown in Vietnamese before anything is saved").
"""
from __future__ import annotations

import io
import zipfile

import xlsxwriter
from openpyxl import load_workbook
from openpyxl.utils.cell import coordinate_to_tuple
from openpyxl.worksheet._reader import VALUE_TAG, WorkSheetParser

from adminapp import labels
from adminapp.text import fold, nfc
from adminapp.workflow.registrations import ParticipantData, validate_participant

NOT_XLSX = "Tệp không phải bảng tính Excel (.xlsx) hợp lệ. Hãy dùng tệp mẫu tải từ trang này."
UPLOAD_KINDS = ("xlsx",)
HEADERS = ["Loại (Cá nhân/Tập thể)", "Họ và tên / Tên tập thể", "Năm sinh", "Chức vụ", "Đơn vị công tác"]
MAX_ROWS = 5000
_KIND_BY_TEXT = {fold(v): k for k, v in labels.PARTICIPANT_KINDS.items()} | {"ca nhan": "individual",
                                                                               "tap the": "collective"}


def template_bytes() -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Danh sách")
    head = wb.add_format({"bold": True, "border": 1, "bg_color": "#D9E1F2", "text_wrap": True})
    for c, (h, w) in enumerate(zip(HEADERS, [22, 36, 12, 28, 40], strict=True)):
        ws.write_string(0, c, h, head)
        ws.set_column(c, c, w)
    ws.data_validation(1, 0, MAX_ROWS, 0, {"validate": "list", "source": list(labels.PARTICIPANT_KINDS.values())})
    ws.write_row(1, 0, ["Cá nhân", "Nguyễn Văn A", 1985, "Công nhân", "Phân xưởng 1"])
    ws.write_row(2, 0, ["Tập thể", "Tổ sản xuất số 2", "", "", "Phân xưởng 2"])
    ws.freeze_panes(1, 0)
    wb.close()
    return buf.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return nfc(str(value)).strip()


class BadCell:
    """A cell whose stored value does not match its type (a "number" cell holding "abc", a formula whose
    cached value is garbage): reported on its row, never a crash (issue 16)."""

    def __init__(self, coordinate: str | None, raw):
        self.coordinate = coordinate
        self.raw = raw


class _TolerantParser(WorkSheetParser):
    def parse_cell(self, element):
        try:
            return super().parse_cell(element)
        except (ValueError, TypeError, IndexError, KeyError, OverflowError):
            coordinate = element.get("r")
            if coordinate:
                row, column = coordinate_to_tuple(coordinate)
                self.col_counter = column
            else:
                self.col_counter += 1
                row, column = self.row_counter, self.col_counter
            return {"row": row, "column": column, "value": BadCell(coordinate, element.findtext(VALUE_TAG)),
                    "data_type": "e", "style_id": 0}


def _sheet_rows(wb, ws, width: int):
    """(Excel row number, the first `width` values) of each row of a read-only sheet, through the tolerant
    parser (openpyxl's own raises on the first malformed cell and loses the whole file)."""
    with ws._get_source() as src:
        parser = _TolerantParser(src, ws._shared_strings, data_only=True, epoch=wb.epoch,
                                 date_formats=wb._date_formats, timedelta_formats=wb._timedelta_formats)
        for row_number, cells in parser.parse():
            values = [None] * width
            for cell in cells:
                if 1 <= cell["column"] <= width:
                    values[cell["column"] - 1] = cell["value"]
            yield row_number, values


def parse(data: bytes, campaign) -> tuple[list[ParticipantData], list[str]]:
    """Rows of the first sheet after the header; errors as "Dòng N: …" (N = the row number in Excel)."""
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, IndexError, SyntaxError):
        return [], [NOT_XLSX]
    try:
        return _parse_rows(wb, ws, campaign)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError, SyntaxError):
        return [], [NOT_XLSX]  # a damaged sheet (bad XML), not a bad cell
    finally:
        wb.close()


def _parse_rows(wb, ws, campaign) -> tuple[list[ParticipantData], list[str]]:
    rows: list[ParticipantData] = []
    errors: list[str] = []
    header_seen = False
    for excel_row, values in _sheet_rows(wb, ws, 5):
        bad = [v for v in values if isinstance(v, BadCell)]
        if bad:
            errors += [f"Dòng {excel_row}: ô {b.coordinate or ''} có giá trị không hợp lệ "
                       f"(“{str(b.raw or '')[:40]}”); hãy nhập lại ô này." for b in bad]
            header_seen = True
            continue
        cells = [_text(v) for v in values]
        if not header_seen:
            header_seen = True
            if fold(cells[1]).startswith("ho va ten") or fold(cells[0]).startswith("loai"):
                continue  # the header row
        if not any(cells):
            continue
        if len(rows) + len(errors) >= MAX_ROWS:
            errors.append(f"Tệp có quá {MAX_ROWS} dòng; hãy chia thành nhiều tệp.")
            break
        kind = _KIND_BY_TEXT.get(fold(cells[0]))
        row_errors = []
        if kind is None:
            row_errors.append("Loại phải là “Cá nhân” hoặc “Tập thể”.")
        birth_year = None
        if cells[2]:
            try:
                birth_year = int(cells[2])
            except ValueError:
                row_errors.append(f"Năm sinh “{cells[2]}” không phải là số.")
        item = ParticipantData(kind=kind or "", full_name=cells[1], birth_year=birth_year,
                               position=cells[3] or None, unit_name=cells[4] or None)
        if kind is not None:
            row_errors += validate_participant(item, campaign)
        elif not cells[1]:
            row_errors.append("Họ và tên / tên tập thể không được để trống.")
        errors += [f"Dòng {excel_row}: {m}" for m in row_errors]
        if not row_errors:
            rows.append(item)
    if not rows and not errors:
        errors.append("Tệp không có dòng dữ liệu nào.")
    return rows, errors

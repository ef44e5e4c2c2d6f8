"""TỔNG HỢP TÓM TẮT SÁNG KIẾN: the official summary table of seed 004 ("theo mẫu gửi kèm công văn").

Printable as it is: Times New Roman, wrapped text, borders, landscape A4 fitted to
the page width, the header row repeated on every printed page, the signature
block "TM. BAN THƯỜNG VỤ" at the end. Streamed with xlsxwriter constant_memory;
text is always written as text (never a formula).
"""
from __future__ import annotations

from collections.abc import Iterable

import xlsxwriter

from adminapp.formatting import format_date

TITLE = "TỔNG HỢP TÓM TẮT SÁNG KIẾN"
COLUMNS = [
    "TT",
    "Họ và tên, năm sinh, chức vụ, đơn vị công tác, điện thoại liên hệ",
    "Tên sáng kiến",
    "Thời gian áp dụng",
    "Tóm tắt nội dung sáng kiến",
    "Hiệu quả sáng kiến, giá trị làm lợi, phạm vi ứng dụng",
    "Các danh hiệu thi đua hình thức khen thưởng cá nhân trong 03 năm",
]
WIDTHS = [5, 30, 26, 14, 48, 34, 26]
BLANK = "….."
FONT = "Times New Roman"


def letter_line(dossier, unit) -> str:
    """"(Kèm theo Tờ trình số … ngày … tháng … năm … của Ban Thường vụ …)", filled from the dossier."""
    number = (dossier.letter_number if dossier is not None else None) or BLANK
    day = dossier.letter_date if dossier is not None else None
    d, m, y = (f"{day.day:02d}", f"{day.month:02d}", str(day.year)) if day else (BLANK, BLANK, BLANK)
    owner = unit.name if unit is not None else BLANK
    return f"(Kèm theo Tờ trình số {number} ngày {d} tháng {m} năm {y} của Ban Thường vụ {owner})"


def _money(value) -> str:
    return f"{int(value):,}".replace(",", ".") + " đồng"


def row_values(index: int, ini, masked: bool = False) -> list:
    """One row; `masked` (adminapp.access: a technology secret where the programme masks the summary): only
    the name of the initiative and its effectiveness summary, every other cell reads the mask."""
    if masked:
        from adminapp.access import SECRET_MASK

        return [index, SECRET_MASK, ini.title, SECRET_MASK, SECRET_MASK, ini.effectiveness or "", SECRET_MASK]
    unit = ini.unit
    unit_name = unit.name if ini.level1_unit_id == ini.unit_id else f"{unit.name}, {ini.level1_unit.name}"
    person = "\n".join(p for p in (
        ini.author_name,
        f"Năm sinh: {ini.birth_year}",
        f"Chức vụ: {ini.position}" if ini.position else None,
        f"Đơn vị: {unit_name}",
        f"ĐT: {ini.phone}",
    ) if p)
    effect = "\n".join(p for p in (
        ini.effectiveness,
        f"Giá trị làm lợi: {_money(ini.benefit_value)}" if ini.benefit_value is not None else None,
        f"Phạm vi ứng dụng: {ini.scope}" if ini.scope else None,
    ) if p)
    return [index, person, ini.title, f"Từ {format_date(ini.application_date)}", ini.description, effect,
            ini.awards or ""]


def write_summary(target, initiatives: Iterable, *, dossier=None, unit=None, signer: str | None = None,
                  masked=lambda ini: False) -> int:
    """Write the summary table to `target` (path or binary file object). Returns the number of rows."""
    wb = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False, "strings_to_formulas": False})
    ws = wb.add_worksheet("Tổng hợp sáng kiến")
    base = {"font_name": FONT, "font_size": 12}
    title_fmt = wb.add_format({**base, "bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    line_fmt = wb.add_format({**base, "italic": True, "align": "center", "valign": "vcenter", "text_wrap": True})
    head_fmt = wb.add_format({**base, "bold": True, "border": 1, "text_wrap": True, "align": "center",
                              "valign": "vcenter"})
    cell_fmt = wb.add_format({**base, "border": 1, "text_wrap": True, "valign": "top"})
    tt_fmt = wb.add_format({**base, "border": 1, "align": "center", "valign": "top"})
    sign_fmt = wb.add_format({**base, "bold": True, "align": "center"})
    name_fmt = wb.add_format({**base, "bold": True, "align": "center"})

    last = len(COLUMNS) - 1
    for c, w in enumerate(WIDTHS):
        ws.set_column(c, c, w)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.repeat_rows(3)
    ws.set_footer("&C&\"Times New Roman\"Trang &P/&N")

    ws.set_row(0, 24)
    ws.merge_range(0, 0, 0, last, TITLE, title_fmt)
    ws.set_row(1, 20)
    ws.merge_range(1, 0, 1, last, letter_line(dossier, unit), line_fmt)
    ws.set_row(3, 48)
    for c, h in enumerate(COLUMNS):
        ws.write_string(3, c, h, head_fmt)

    row = 3
    count = 0
    for count, ini in enumerate(initiatives, start=1):
        row += 1
        for c, value in enumerate(row_values(count, ini, masked(ini))):
            if c == 0:
                ws.write_number(row, c, value, tt_fmt)
            else:
                ws.write_string(row, c, str(value or ""), cell_fmt)
    row += 2
    ws.merge_range(row, 4, row, last, "TM. BAN THƯỜNG VỤ", sign_fmt)
    if signer:
        ws.merge_range(row + 4, 4, row + 4, last, signer, name_fmt)
    wb.close()
    return count

"""TỔNG HỢP TÓM TẮT SÁNG KIẾN: the official summary table of seed 004 ("theo mẫu gửi kèm công văn").

Printable as it is: Times New Roman 12, wrapped text in bordered cells whose row heights are computed from the
wrapped text (adminapp.exports.printable), A4 landscape fitted to one page width, the header row repeated on
every printed page, then the place-and-date line and the signature block "TM. BAN THƯỜNG VỤ", the signer's
title and name. Column 7 names the three years before the programme's year ("trong 03 năm (2018 – 2020)").
Fields a field rule hides from the user's role are left blank. Streamed with xlsxwriter constant_memory; text
is always written as text (never a formula).
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date

import xlsxwriter

from adminapp import unit_history
from adminapp.exports import printable
from adminapp.formatting import format_date

TITLE = "TỔNG HỢP TÓM TẮT SÁNG KIẾN"
AWARDS_HEADING = "Các danh hiệu thi đua hình thức khen thưởng cá nhân trong 03 năm"
COLUMNS = [
    "TT",
    "Họ và tên, năm sinh, chức vụ, đơn vị công tác, điện thoại liên hệ",
    "Tên sáng kiến",
    "Thời gian áp dụng",
    "Tóm tắt nội dung sáng kiến",
    "Hiệu quả sáng kiến, giá trị làm lợi, phạm vi ứng dụng",
    AWARDS_HEADING,
]
WIDTHS = [5, 30, 26, 14, 60, 36, 26]
BLANK = "….."
FONT = "Times New Roman"
SIZE = 12
HEADER_ROW = 3


def programme_year(programme) -> int | None:
    day = getattr(programme, "submission_opens", None) or getattr(programme, "application_from", None)
    return day.year if day else None


def awards_heading(year: int | None) -> str:
    """"… trong 03 năm (2018 – 2020)" for a programme of 2021."""
    return f"{AWARDS_HEADING} ({year - 3} – {year - 1})" if year else AWARDS_HEADING


def columns(programme=None) -> list[str]:
    return COLUMNS[:-1] + [awards_heading(programme_year(programme))]


def record_date(dossier=None, programme=None):
    """The date the table speaks of: the cover letter's date, else the programme's closing day. Units print
    with the names they had then (a 2021 table keeps the 2021 names after a 2025 rename or merge)."""
    if dossier is not None and dossier.letter_date:
        return dossier.letter_date
    programme = programme or (dossier.programme if dossier is not None else None)
    return programme.submission_closes if programme is not None else None


def letter_line(dossier, unit, as_of=None) -> str:
    """"(Kèm theo Tờ trình số … ngày … tháng … năm … của Ban Thường vụ …)", filled from the dossier."""
    number = (dossier.letter_number if dossier is not None else None) or BLANK
    day = dossier.letter_date if dossier is not None else None
    d, m, y = (f"{day.day:02d}", f"{day.month:02d}", str(day.year)) if day else (BLANK, BLANK, BLANK)
    owner = unit_history.name_at(unit.id, as_of, cache={}) if unit is not None else BLANK
    return f"(Kèm theo Tờ trình số {number} ngày {d} tháng {m} năm {y} của Ban Thường vụ {owner})"


def _money(value) -> str:
    return f"{int(value):,}".replace(",", ".") + " đồng"


def person_text(ini, hidden=frozenset(), as_of=None, cache: dict | None = None) -> str:
    """The person column in full: name, year of birth, position, unit, phone (hidden fields left out).
    Units are named as of `as_of` (default: the programme's closing day)."""
    cache = {} if cache is None else cache
    day = as_of or ini.programme.submission_closes
    name = unit_history.name_at(ini.unit_id, day, cache=cache)
    unit_name = name if ini.level1_unit_id == ini.unit_id else (
        f"{name}, {unit_history.name_at(ini.level1_unit_id, day, cache=cache)}")
    return "\n".join(p for p in (
        ini.author_name if "author_name" not in hidden else None,
        f"Năm sinh: {ini.birth_year}" if ini.birth_year and "birth_year" not in hidden else None,
        f"Chức vụ: {ini.position}" if ini.position and "position" not in hidden else None,
        f"Đơn vị: {unit_name}",
        f"ĐT: {ini.phone}" if ini.phone and "phone" not in hidden else None,
    ) if p)


def row_values(index: int, ini, hidden=frozenset(), as_of=None, cache: dict | None = None, masked: bool = False) -> list:
    """One row; `masked` (a technology secret where the programme masks the summary): only the name of the
    initiative and its effectiveness summary, every other cell reads the mask."""
    if masked:
        from adminapp.access import SECRET_MASK

        effect = None if "effectiveness" in hidden else ini.effectiveness
        return [index, SECRET_MASK, ini.title, SECRET_MASK, SECRET_MASK, effect or "", SECRET_MASK]

    def shown(name):
        return None if name in hidden else getattr(ini, name)

    benefit = shown("benefit_value")
    effect = "\n".join(p for p in (
        shown("effectiveness"),
        f"Giá trị làm lợi: {_money(benefit)}" if benefit is not None else None,
        f"Phạm vi ứng dụng: {shown('scope')}" if shown("scope") else None,
    ) if p)
    return [index, person_text(ini, hidden, as_of, cache), ini.title, f"Từ {format_date(ini.application_date)}",
            shown("description") or "", effect, shown("awards") or ""]


def write_summary(target, initiatives: Iterable, *, dossier=None, unit=None, programme=None,
                  signer: str | None = None, hidden=frozenset(), day: date | None = None, as_of=None,
                  masked=lambda ini: False) -> int:
    """Write the summary table to `target` (path or binary file object). Returns the number of rows.
    Unit names are those of `as_of` (default: record_date(dossier, programme)); `masked(ini)` (adminapp.access:
    a technology secret where the programme masks the summary) leaves only the initiative's name and its
    effectiveness summary."""
    if programme is None and dossier is not None:
        programme = dossier.programme
    as_of = as_of or record_date(dossier, programme)
    names: dict = {}
    signer = signer if signer is not None else (dossier.signer if dossier is not None else None)
    wb = xlsxwriter.Workbook(target, {"constant_memory": True, "in_memory": False, "strings_to_formulas": False})
    ws = wb.add_worksheet("Tổng hợp sáng kiến")
    base = {"font_name": FONT, "font_size": SIZE}
    title_fmt = wb.add_format({**base, "bold": True, "font_size": 14, "align": "center", "valign": "vcenter"})
    line_fmt = wb.add_format({**base, "italic": True, "align": "center", "valign": "vcenter", "text_wrap": True})
    head_fmt = wb.add_format({**base, "bold": True, "border": 1, "text_wrap": True, "align": "center",
                              "valign": "vcenter"})
    cell_fmt = wb.add_format({**base, "border": 1, "text_wrap": True, "valign": "top"})
    tt_fmt = wb.add_format({**base, "border": 1, "align": "center", "valign": "top"})
    closing = printable.closing_formats(wb, base)
    regular, bold = printable.Metrics(SIZE), printable.Metrics(SIZE, bold=True)
    italic_total = sum(WIDTHS)

    last = len(WIDTHS) - 1
    for c, w in enumerate(WIDTHS):
        ws.set_column(c, c, w)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.fit_to_pages(1, 0)  # one page wide, as many tall as needed
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    ws.center_horizontally()
    ws.repeat_rows(HEADER_ROW)
    ws.set_footer("&C&\"Times New Roman\"Trang &P/&N")

    ws.set_row(0, 24)
    ws.merge_range(0, 0, 0, last, TITLE, title_fmt)
    line = letter_line(dossier, unit, as_of)
    ws.set_row(1, max(20.0, printable.row_height(regular, [line], [italic_total])))
    ws.merge_range(1, 0, 1, last, line, line_fmt)
    headers = columns(programme)
    ws.set_row(HEADER_ROW, printable.row_height(bold, headers, WIDTHS) + 4)
    for c, h in enumerate(headers):
        ws.write_string(HEADER_ROW, c, h, head_fmt)

    row = HEADER_ROW
    count = 0
    for count, ini in enumerate(initiatives, start=1):
        row += 1
        values = row_values(count, ini, hidden, as_of, names, masked=masked(ini))
        for part, texts in enumerate(printable.split_row(regular, values[1:], WIDTHS[1:])):
            row += part > 0  # a continuation row: the record's text goes on below, its TT left blank
            ws.set_row(row, printable.row_height(regular, texts, WIDTHS[1:]))
            if part == 0:
                ws.write_number(row, 0, values[0], tt_fmt)
            else:
                ws.write_blank(row, 0, None, tt_fmt)
            for c, text in enumerate(texts, start=1):
                ws.write_string(row, c, text, cell_fmt)
    printable.write_closing(ws, row + 2, 4, last, closing, place=getattr(dossier, "place", None),
                            title=getattr(dossier, "signer_title", None), name=signer, day=day)
    wb.close()
    return count

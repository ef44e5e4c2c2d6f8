"""What makes a sheet print as it is: row heights from the wrapped text, the place-and-date line and the
signature block of the official forms (seed 004: "Hà Nội, ngày … tháng … năm …", "TM. BAN THƯỜNG VỤ",
the signer's title, the name).

Spreadsheets store no row height for wrapped text written in constant memory: Excel recomputes it when it
opens the file, LibreOffice keeps the default height, so a long summary runs over the rows below when it is
printed. The height is computed here from the text wrapped at the column's width in the cell's font: the
glyph advances of Liberation Serif (metric-compatible with Times New Roman, what LibreOffice prints with) read
with Pillow, and where the font file or Pillow is missing a conservative table of widths. Every estimate errs
on the wide side (a slightly taller row, never a clipped one): characters the font lacks (emoji, CJK) count as
a wide fallback glyph, the usable width leaves room for the cell padding.
"""
from __future__ import annotations

import os
import unicodedata
from datetime import date
from functools import lru_cache

from adminapp import clock

FONT_DIRS = ("/usr/share/fonts/truetype/liberation2", "/usr/share/fonts/truetype/liberation",
             "/usr/share/fonts/liberation", "/usr/share/fonts/truetype/msttcorefonts")
FONT_FILES = {False: ("LiberationSerif-Regular.ttf", "Times_New_Roman.ttf", "times.ttf"),
              True: ("LiberationSerif-Bold.ttf", "Times_New_Roman_Bold.ttf", "timesbd.ttf")}
MAX_ROW_HEIGHT = 409.0  # points: the largest row height a spreadsheet stores
PX_PER_CHAR = 7.0  # a column width unit in pixels (the default font's digit, Calibri 11 at 96 dpi)
CELL_PADDING_PX = 8.0  # left and right padding and the border, together
SAFETY = 0.92  # the share of the remaining width counted usable (renderers differ slightly)
LINE_FACTOR = 1.32  # line height / font size (Times New Roman 12 pt rows are 15.75 pt in Excel)
ROW_PADDING_PT = 4.0

# Characters a serif text font carries: Latin with the Vietnamese letters, combining diacritics, punctuation.
_COVERED = ((0x20, 0x24F), (0x300, 0x36F), (0x370, 0x3FF), (0x400, 0x4FF), (0x1E00, 0x1EFF), (0x2000, 0x206F),
            (0x20A0, 0x20BF), (0x2100, 0x214F))
_FALLBACK_EM = 1.3  # a glyph from a fallback font (emoji, CJK): wider than any letter


def _covered(ch: str) -> bool:
    o = ord(ch)
    return any(lo <= o <= hi for lo, hi in _COVERED)


@lru_cache(maxsize=8)
def _font(size_px: int, bold: bool):
    try:
        from PIL import ImageFont
    except ImportError:  # pragma: no cover - Pillow is a pinned dependency
        return None
    for folder in FONT_DIRS:
        for name in FONT_FILES[bold]:
            path = os.path.join(folder, name)
            if os.path.exists(path):
                return ImageFont.truetype(path, size_px, layout_engine=ImageFont.Layout.BASIC)
    return None


class Metrics:
    """Widths of text in one font size (points) and weight, in pixels at 96 dpi."""

    def __init__(self, size_pt: float = 12, bold: bool = False):
        self.size_pt = size_pt
        self.size_px = size_pt * 96 / 72
        self.font = _font(round(self.size_px), bold)
        self._cache: dict[str, float] = {}

    def char(self, ch: str) -> float:
        w = self._cache.get(ch)
        if w is None:
            if unicodedata.combining(ch):
                w = 0.0 if self.font is not None else 0.1 * self.size_px
            elif not _covered(ch):
                w = _FALLBACK_EM * self.size_px
            elif self.font is not None:
                w = float(self.font.getlength(ch))
            else:
                w = (0.75 if ch.isupper() or ch in "mwMW@%" else 0.55) * self.size_px
            self._cache[ch] = w
        return w

    def width(self, text: str) -> float:
        return sum(self.char(ch) for ch in text)

    def wrap(self, text: str, width_px: float) -> list[str]:
        """Lines of `text` wrapped greedily at spaces (a word longer than a line is cut), as printed."""
        lines: list[str] = []
        space = self.char(" ")
        for para in unicodedata.normalize("NFC", text or "").split("\n"):
            line, line_w = "", 0.0
            for word in para.split(" "):
                w = self.width(word)
                if line and line_w + space + w <= width_px:
                    line, line_w = line + " " + word, line_w + space + w
                    continue
                if line:
                    lines.append(line)
                line, line_w = "", 0.0
                while w > width_px:  # a word wider than the line: cut by characters
                    cut, cut_w = "", 0.0
                    for ch in word:
                        cw = self.char(ch)
                        if cut and cut_w + cw > width_px:
                            break
                        cut, cut_w = cut + ch, cut_w + cw
                    lines.append(cut)
                    word = word[len(cut):]
                    w = self.width(word)
                line, line_w = word, w
            lines.append(line)
        return lines

    def line_count(self, text: str, width_chars: float) -> int:
        return max(1, len(self.wrap(text, usable_px(width_chars))))

    @property
    def line_height(self) -> float:
        return self.size_pt * LINE_FACTOR


def usable_px(width_chars: float) -> float:
    return max(1.0, (width_chars * PX_PER_CHAR + 5 - CELL_PADDING_PX) * SAFETY)


def row_height(metrics: Metrics, texts, widths) -> float:
    """Points a row needs so that each of its wrapped texts is shown whole (capped at what a sheet stores)."""
    lines = max((metrics.line_count(str(t), w) for t, w in zip(texts, widths, strict=False) if t not in (None, "")),
                default=1)
    return min(MAX_ROW_HEIGHT, lines * metrics.line_height + ROW_PADDING_PT)


def split_row(metrics: Metrics, texts, widths) -> list[list[str]]:
    """The texts of one record as printed rows, each at most MAX_ROW_HEIGHT tall: a text needing more lines
    than a row holds (a 1,000-character effectiveness in a narrow column) goes on in the row(s) below, cut
    at the wrapped lines, instead of being clipped by the sheet's row height limit. One row when it fits."""
    per_row = max(1, int((MAX_ROW_HEIGHT - ROW_PADDING_PT) // metrics.line_height))
    wrapped = [metrics.wrap(str(t), usable_px(w)) if t not in (None, "") else []
               for t, w in zip(texts, widths, strict=False)]
    rows = max(1, *(-(-len(lines) // per_row) for lines in wrapped))
    if rows == 1:
        return [["" if t is None else str(t) for t in texts]]
    return [["\n".join(lines[i * per_row:(i + 1) * per_row]) for lines in wrapped] for i in range(rows)]


def place_date_line(place: str | None, day: date | None = None) -> str:
    """"Hà Nội, ngày 02 tháng 12 năm 2026": today in Vietnam unless given; dots where the place is unknown."""
    day = day or clock.today_vn()
    return f"{place or '……………'}, ngày {day.day:02d} tháng {day.month:02d} năm {day.year}"


def write_closing(ws, row: int, first_col: int, last_col: int, fmts: dict, *, place: str | None, title: str | None,
                  name: str | None, day: date | None = None) -> int:
    """The place-and-date line and the signature block (TM. BAN THƯỜNG VỤ, the signer's title, room for the
    signature and seal, the name) in ONE cell merged over columns first_col..last_col at `row`: a row is never
    split across printed pages, so the block stays whole on the page that carries it. Returns the row.
    `fmts` comes from closing_formats()."""
    parts = [
        (fmts["place"], place_date_line(place, day) + "\n"),
        (fmts["org"], "TM. BAN THƯỜNG VỤ\n"),
        (fmts["title"], (title or "") + "\n"),
        (fmts["note"], ("(Ký, ghi rõ họ tên, đóng dấu)" if not name else " ") + "\n\n\n\n"),
        (fmts["name"], name or " "),
    ]
    lines = sum(text.count("\n") for _, text in parts) + 1
    ws.set_row(row, lines * fmts["size"] * LINE_FACTOR + ROW_PADDING_PT)
    if first_col != last_col:
        ws.merge_range(row, first_col, row, last_col, "", fmts["cell"])
    args = [item for fmt, text in parts for item in (fmt, text)]
    ws.write_rich_string(row, first_col, *args, fmts["cell"])
    return row


def closing_formats(wb, base: dict) -> dict:
    size = base.get("font_size", 12)
    return {
        "size": size,
        "cell": wb.add_format({**base, "align": "center", "valign": "top", "text_wrap": True}),
        "place": wb.add_format({**base, "italic": True}),
        "org": wb.add_format({**base, "bold": True}),
        "title": wb.add_format({**base, "bold": True}),
        "note": wb.add_format({**base, "italic": True, "font_size": size - 1}),
        "name": wb.add_format({**base, "bold": True}),
    }

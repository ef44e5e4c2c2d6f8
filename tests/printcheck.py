"""Print checks of official documents (issue 13): LibreOffice headless converts the XLSX to PDF, pdfplumber reads
the words with their positions, pdftoppm renders page 1 as an artifact (tests/e2e/artifacts/printable/)."""
from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pdfplumber

ARTIFACTS = Path(__file__).parent / "e2e" / "artifacts" / "printable"
A4_LANDSCAPE = (842, 595)  # points


def to_pdf(xlsx: bytes, workdir: Path, name: str) -> Path:
    """Convert with LibreOffice headless (its own profile, so parallel runs do not share one)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (soffice) is required: .ci/run installs libreoffice-calc-nogui"
    src = workdir / f"{name}.xlsx"
    src.write_bytes(xlsx)
    profile = (workdir / "lo-profile").as_uri()
    subprocess.run([soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(workdir), str(src)], check=True, capture_output=True, timeout=180)
    pdf = workdir / f"{name}.pdf"
    assert pdf.exists(), "LibreOffice produced no PDF"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", "80", "-png", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                    str(ARTIFACTS / f"{name}-page1")], check=True, capture_output=True, timeout=120)
    assert (ARTIFACTS / f"{name}-page1.png").stat().st_size > 0
    return pdf


def squash(text: str | None) -> str:
    """Text compared without whitespace (wrapping inserts line breaks) and in one Unicode form."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFC", text or ""))


def _inside(page, box):
    """The page's characters whose centre lies in `box` (a glyph's box may graze the border it sits on)."""
    x0, top, x1, bottom = box

    def keep(obj):
        if obj.get("object_type") != "char":
            return False
        cx, cy = (obj["x0"] + obj["x1"]) / 2, (obj["top"] + obj["bottom"]) / 2
        return x0 <= cx <= x1 and top <= cy <= bottom

    return page.filter(keep)


def tables(pdf_path: Path) -> tuple[list, list[str]]:
    """[(page number, page width, page height, table rows as [(cell box, cell text)])], [page texts]."""
    found, texts = [], []
    with pdfplumber.open(pdf_path) as pdf:
        for page in pdf.pages:
            texts.append(page.extract_text() or "")
            for table in page.find_tables({"vertical_strategy": "lines", "horizontal_strategy": "lines"}):
                rows = []
                for row in table.rows:
                    cells = []
                    for box in row.cells:
                        if box is None:
                            cells.append((None, ""))
                            continue
                        text = _inside(page, box).extract_text() or ""
                        cells.append((box, text))
                    rows.append(cells)
                found.append((page.page_number, float(page.width), float(page.height), table.bbox, rows))
    return found, texts


def check_cells(pdf_path: Path, expected: dict[str, list[str]], ncols: int, key_col: int = 0) -> list[str]:
    """Every expected row (by the text of its key column, e.g. its TT) is on a page, each cell's full text inside
    its cell box; every page is A4 landscape and carries the whole table width. Returns the page texts."""
    found, texts = tables(pdf_path)
    assert found, "no table found in the PDF"
    seen: dict[str, list[str]] = {}
    last = None
    for page_no, width, height, bbox, rows in found:
        assert (round(width), round(height)) == A4_LANDSCAPE, (page_no, width, height)
        assert len(rows[0]) == ncols, f"page {page_no}: {len(rows[0])} columns, the table is split across pages"
        assert bbox[0] >= 0 and bbox[2] <= width, f"page {page_no}: the table runs past the page width"
        for cells in rows:
            if len(cells) != ncols:
                continue
            key = squash(cells[key_col][1])
            if key in expected:
                assert key not in seen, f"row {key} printed twice"
                seen[key] = [squash(text) for _, text in cells]
                last = key
            elif not key and last is not None and any(text for _, text in cells):
                # a continuation row (a record taller than a row may be): its text goes on from the row above
                seen[last] = [done + squash(text) for done, (_, text) in zip(seen[last], cells, strict=True)]
    assert set(seen) == set(expected), f"rows missing from the print: {set(expected) - set(seen)}"
    for key, want in expected.items():
        got = seen[key]
        for c, text in enumerate(want):
            assert got[c] == squash(text), (f"row {key}, column {c + 1}: printed {got[c][:80]!r}…, "
                                            f"expected {squash(text)[:80]!r}…")
    return texts

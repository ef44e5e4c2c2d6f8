"""Print a benchmark result file as the Markdown table the README shows.

    python -m bench.table                       # the newest bench/results/*.json
    python -m bench.table bench/results/x.json
    python -m bench.table run.log               # the printed output of a run (stopped before its JSON)
"""
from __future__ import annotations

import json
import re
import sys
from pathlib import Path

RESULTS = Path(__file__).parent / "results"


def _num(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, float) and value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if isinstance(value, float) else str(value)


def table(rows: list[dict]) -> str:
    lines = ["| phép đo | CSDL | của chúng ta | baseline | tỉ lệ | đơn vị / baseline |", "|---|---|---|---|---|---|"]
    for r in rows:
        spread = f" ({_num(r['min'])}–{_num(r['max'])})" if "min" in r else ""
        ratio = f"{r['ratio']:.2f}" if r.get("ratio") is not None else "–"
        lines.append(f"| `{r['name']}` | {r['db']} | {_num(r['value'])}{spread} | {_num(r['baseline'])} | {ratio} "
                     f"| {r['unit']}, {r['baseline_name']} |")
    return "\n".join(lines)


def _worst(rows: list[dict], db: str, match) -> dict | None:
    found = [r for r in rows if r["db"] == db and r.get("ratio") is not None and match(r["name"])]
    return max(found, key=lambda r: r["ratio"]) if found else None


def _cell(row: dict | None, value: bool = False) -> str:
    if row is None:
        return "–"
    shown = f"{_num(row['value'])} ms" if value else f"{row['ratio']:.2f}".replace(".", ",")
    return f"{shown} (`{row['name']}`)"


TARGETS = [
    ("trang sâu ≤ 1,5× trang 1, mọi cột sắp xếp, hai chiều (tỉ lệ lớn nhất)", lambda n: "_sort_" in n, 1.5, False),
    ("trang 1 ≤ 1,0× trang 1 của Flask-Admin mặc định (không phạm vi; sáng kiến và đơn vị)",
     lambda n: (n.startswith("initiatives_") and n.endswith("_list_page1")) or n == "units_list_page1", 1.0, False),
    ("cán bộ tỉnh lớn nhất, trang 1 và trang sâu ≤ 1,0× trang 1 không phạm vi của Flask-Admin mặc định",
     lambda n: "_province_page" in n and n.endswith("_vs_bare_page1"), 1.0, False),
    ("cán bộ tỉnh so với Flask-Admin mặc định lọc cùng tỉnh, cùng trang",
     lambda n: "_province_page" in n and n.endswith("_vs_bare_scoped"), 1.0, False),
    ("danh sách nhỏ trong phạm vi (đơn vị: cán bộ tỉnh, cơ sở; đăng ký: quản trị, cán bộ tỉnh), trang 1 ≤ 1,0× "
     "trang 1 của Flask-Admin mặc định",
     lambda n: n.startswith("units_list_scoped_") or (n.startswith("registrations_") and
                                                      n.endswith(("_list_admin", "_list_province"))), 1.0, False),
    ("tìm kiếm chậm nhất ≤ 50 ms (cả tìm kèm lọc)",
     lambda n: n.startswith("initiatives_") and ("_search_" in n or n.endswith("_filter_search")), 50.0, True),
]


def targets(rows: list[dict]) -> str:
    """The README's target table: for each target and database, the worst line of the run."""
    dbs = [d for d in ("sqlite", "postgresql") if any(r["db"] == d for r in rows)]
    lines = ["| mục tiêu | " + " | ".join(dbs) + " | đạt |", "|---|" + "---|" * len(dbs) + "---|"]
    for label, match, limit, by_value in TARGETS:
        cells, met = [], True
        for d in dbs:
            found = [r for r in rows if r["db"] == d and match(r["name"]) and r.get("value") is not None]
            worst = max(found, key=lambda r: r["value"] if by_value else (r.get("ratio") or 0)) if found else None
            cells.append(_cell(worst, by_value))
            if worst is not None:
                met &= (worst["value"] if by_value else worst["ratio"]) <= limit
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {'có' if met else 'không'} |")
    return "\n".join(lines)


LINE = re.compile(r"^(\S+) ([\d.]+) ([\d.]+) ([\d.]+|n/a)  \[([^,]+), (\w+)\](?: \(([\d.]+)–([\d.]+) vs)?")


def from_log(text: str) -> list[dict]:
    """Result rows from the printed output of a run (a run stopped before it wrote its JSON)."""
    rows = []
    for line in text.splitlines():
        m = LINE.match(line)
        if m:
            name, value, base, ratio, unit, db, lo, hi = m.groups()
            row = {"name": name, "value": float(value), "baseline": float(base),
                   "ratio": None if ratio == "n/a" else float(ratio), "unit": unit, "db": db,
                   "baseline_name": "(from the run's output)"}
            if lo is not None:
                row.update(min=float(lo), max=float(hi))
            rows.append(row)
    return rows


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else max(RESULTS.glob("*.json"), key=lambda p: p.stat().st_mtime)
    rows = from_log(path.read_text()) if path.suffix == ".log" else json.loads(path.read_text())
    print(f"<!-- {path.name} -->")
    print(targets(rows))
    print()
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

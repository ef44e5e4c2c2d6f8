"""Print a benchmark result file as the Markdown table the README shows.

    python -m bench.table                       # the newest bench/results/*.json
    python -m bench.table bench/results/x.json
"""
from __future__ import annotations

import json
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


def main(argv: list[str]) -> int:
    path = Path(argv[0]) if argv else max(RESULTS.glob("*.json"), key=lambda p: p.stat().st_mtime)
    print(f"<!-- {path.name} -->")
    print(table(json.loads(path.read_text())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

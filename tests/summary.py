"""Lines printed together at the end of the test session (tests/conftest.py's pytest_terminal_summary).

Security tests append one line each with `add(...)`; counters that several
tests share (fuzzed submissions, sqlmap targets, race runs) accumulate in
`COUNTERS` under a key and are printed as one line per key.
"""
from __future__ import annotations

from collections import defaultdict

LINES: list[str] = []
# key -> {"label": ..., counts...}; formatted by FORMATS[key]
COUNTERS: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
FORMATS: dict[str, str] = {}


def add(line: str) -> None:
    LINES.append(line)


def count(key: str, fmt: str, **increments: int) -> None:
    """Add to the counters of `key`; `fmt` formats them, e.g. "sqlmap: {targets} targets, {findings} findings"."""
    FORMATS[key] = fmt
    counters = COUNTERS[key]
    for name, value in increments.items():
        counters[name] += value


def lines() -> list[str]:
    out = list(LINES)
    for key, fmt in FORMATS.items():
        out.append(fmt.format_map(defaultdict(int, COUNTERS[key])))
    return out


def dump() -> dict:
    """What this process gathered, to send from an xdist worker to the controller (plain data)."""
    return {"lines": list(LINES), "formats": dict(FORMATS),
            "counters": {k: dict(v) for k, v in COUNTERS.items()}}


def merge(data: dict) -> None:
    LINES.extend(data.get("lines", []))
    FORMATS.update(data.get("formats", {}))
    for key, counters in data.get("counters", {}).items():
        for name, value in counters.items():
            COUNTERS[key][name] += value

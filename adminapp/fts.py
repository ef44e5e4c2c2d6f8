"""Trigram index lookups planned by frequency: SQLite FTS5 (by trigram) and PostgreSQL pg_trgm (by word).

A word is found in the trigram index by the rows holding every trigram of it. FTS5 reads the whole list of
rows of each trigram it is given, and some trigrams are in nearly every row: a tracking code "b000012345" has
"b00" and "000" in all 1,000,000 of them, so the lookup read two million-row lists to find one row (15–30 ms).
Here each word is looked up by its two rarest trigrams only (their frequencies read from the `fts5vocab` table
of migration 0024), and the few rows that have both are checked against the whole word on the table itself
(`search_text LIKE '%word%'`). The rows found are the same: any row holding the word holds all its trigrams.

PostgreSQL's GIN trigram index has no frequencies to read; there a search of three or more words gives the index
only its two cheapest words (by their trigrams' share of the latest rows, one statement the first time a trigram is
seen) and checks
the others on the rows found (views/base._pg_search_conditions).

Frequencies are kept per process (they only steer the lookup, a stale one never changes the rows found).
"""
from __future__ import annotations

import threading

from sqlalchemy import text

from adminapp.extensions import db

PER_WORD = 2  # trigrams looked up per word: the rarest two narrow to a handful of rows
_CACHE_MAX = 20_000
_cache: dict[tuple[str, str], int] = {}
_lock = threading.Lock()


def trigrams(word: str) -> list[str]:
    """The distinct trigrams of `word`, in order (the FTS5 trigram tokenizer's, for a folded lower-case word)."""
    seen: dict[str, None] = {}
    for i in range(len(word) - 2):
        seen.setdefault(word[i:i + 3])
    return list(seen)


def frequencies(vocab: str, grams: list[str]) -> dict[str, int]:
    """{trigram: rows holding it} from the fts5vocab table `vocab`: one statement for the ones not known yet
    (one `term = ?` arm each, the lookup fts5vocab serves from the index; `term IN (…)` walks every term)."""
    def read(missing):
        arms = " UNION ALL ".join(f"SELECT term, doc FROM {vocab} WHERE term = :t{i}" for i in range(len(missing)))
        rows = dict(db.session.execute(text(arms), {f"t{i}": g for i, g in enumerate(missing)}).all())
        return {g: int(rows.get(g, 0)) for g in missing}

    return _cached(str(db.engine.url), grams, read)


def _cached(key, grams: list[str], read) -> dict[str, int]:
    """{trigram: frequency} from the process's cache, `read(missing)` (one statement) for the others."""
    with _lock:
        known = {g: _cache[(key, g)] for g in grams if (key, g) in _cache}
    missing = [g for g in grams if g not in known]
    if missing:
        found = read(missing)
        with _lock:
            if len(_cache) + len(found) > _CACHE_MAX:
                _cache.clear()
            _cache.update({(key, g): n for g, n in found.items()})
        known.update(found)
    return known


def match_expression(vocab: str, words: list[str]) -> str:
    """An FTS5 MATCH expression finding every row that holds all `words` (folded, 3 letters or more, no quote
    issues: each trigram is a quoted string), by the rarest trigrams of each word."""
    grams = {w: trigrams(w) for w in words}
    freq = frequencies(vocab, sorted({g for gs in grams.values() for g in gs}))
    chosen: dict[str, None] = {}
    for w in words:
        for g in sorted(grams[w], key=lambda g: (freq.get(g, 0), g))[:PER_WORD]:
            chosen.setdefault(g)
    return " AND ".join('"' + g.replace('"', '""') + '"' for g in chosen)


def forget() -> None:
    """Drop the kept frequencies (tests that rebuild the index)."""
    with _lock:
        _cache.clear()
        _rows.clear()


PG_INDEX_TRIGRAMS = 2  # trigrams a PostgreSQL search gives the trigram index
PG_SAMPLE_ROWS = 2_000  # the latest rows whose share holding each trigram ranks them


def pg_index_trigrams(table, words: list[str]) -> list[str]:
    """The trigrams a PostgreSQL search gives its trigram index: the rarest trigram of each of the two words
    whose rarest trigram is rarest (of one word, its two rarest). Rarity is the share of the latest
    PG_SAMPLE_ROWS rows of `table` holding the trigram; every word is then checked whole on the rows found.
    The index read each word's every trigram ("nguyen": four lists of 80,000-260,000 rows) where one list,
    intersected with another word's, marks the same rows."""
    grams = sorted({g for w in words for g in trigrams(w)})
    freq = _pg_frequencies(table, grams)

    def ranked(word):
        return sorted(trigrams(word), key=lambda g: (freq[g], g))

    if len(words) == 1:
        return ranked(words[0])[:PG_INDEX_TRIGRAMS]
    best = sorted(words, key=lambda w: (freq[ranked(w)[0]], -len(w), w))[:PG_INDEX_TRIGRAMS]
    return list(dict.fromkeys(ranked(w)[0] for w in best))


# The cost of a capped search count read through the trigram index, against walking the list's order, in
# microseconds per row (measured at 1M rows, PostgreSQL 15, 2 cores): the index reads each chosen trigram's list
# and builds a bitmap of the rows holding them all, which are then checked on the table to the cap; the walk
# reads the list in order and checks each row
PG_INDEX_READ_US, PG_INDEX_FOUND_US, PG_RECHECK_US, PG_WALK_US = 0.04, 0.12, 1.5, 1.2


def pg_index_count_cost(table, words: list[str], rows: float, matches: float, cap: int) -> float:
    """The estimated cost (µs) of counting a search of `words` to `cap` + 1 through the trigram index, for a
    table of `rows` rows of which about `matches` match: the chosen trigrams' lists (their shares of the latest
    rows), the rows holding them all (the shares taken as independent), and those checked on the table until
    `cap` + 1 match. "le hoa" gives the index one trigram held by a third of the table ("hoa"): 350,000 rows to
    build and 28,000 to check, 95 ms where walking the list to the 1,001st match reads 41,000 rows (48 ms)."""
    grams = pg_index_trigrams(table, words)
    freq = _pg_frequencies(table, grams)
    shares = [freq[g] / PG_SAMPLE_ROWS for g in grams]
    found = rows
    for share in shares:
        found *= share
    checked = min(found, (cap + 1) * found / max(matches, 1.0))
    return rows * sum(shares) * PG_INDEX_READ_US + found * PG_INDEX_FOUND_US + checked * PG_RECHECK_US


_ROWS_TTL = 600.0  # seconds a table's estimated size is kept
_rows: dict[tuple[str, str], tuple[float, float]] = {}


def pg_table_rows(table) -> float:
    """The table's estimated number of rows (pg_class.reltuples), kept per process for _ROWS_TTL seconds."""
    import time

    from sqlalchemy import text

    key, now = (str(db.engine.url), table.name), time.monotonic()
    with _lock:
        kept = _rows.get(key)
    if kept is not None and now - kept[1] < _ROWS_TTL:
        return kept[0]
    n = db.session.execute(text("SELECT reltuples FROM pg_class WHERE oid = CAST(:t AS regclass)"),
                           {"t": table.name}).scalar()
    n = float(n) if n is not None and n > 0 else 0.0
    with _lock:
        _rows[key] = (n, now)
    return n


def _pg_frequencies(table, grams: list[str]) -> dict[str, int]:
    """{trigram: latest rows of `table` holding it}: one statement for the trigrams not seen yet."""
    from sqlalchemy import func, literal_column, select

    def read(missing):
        latest = select(table.c.search_text).order_by(table.c.id.desc()).limit(PG_SAMPLE_ROWS).subquery()
        counts = [func.count().filter(func.strpos(latest.c.search_text, g) > 0) for g in missing]
        row = db.session.execute(select(literal_column("1"), *counts).select_from(latest)).one()
        return dict(zip(missing, row[1:], strict=True))

    return _cached((str(db.engine.url), table.name), grams, read)

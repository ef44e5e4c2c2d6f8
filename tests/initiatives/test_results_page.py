"""The public results page (issue 15): no login, secrets masked, counts per unit, an SVG chart, a snapshot
cache shared through the database."""
from __future__ import annotations

import re

from freezegun import freeze_time

from adminapp.extensions import db
from models import ResultsSnapshot
from tests.initiatives.test_public import URL


def _honour(ini, act, allot):
    act("cdcs.officer", ini, "appraise", score=90)
    act("cdcs.officer", ini, "nominate")
    act("hoankiem.officer", ini, "select", score=90)
    act("hoankiem.officer", ini, "nominate")
    act("hanoi.officer", ini, "select", score=90)
    act("hanoi.officer", ini, "nominate")
    act("tld.officer", ini, "honour")


def test_results_page_public_masked_counted_cached(ctx, client, submit, act, allot, unit):
    allot("hanoi.officer", {"01-002": 3})
    allot("hoankiem.officer", {"01-002-01": 3})
    open_one = submit(title="Máy bóc vỏ lạc", author_name="Phạm Công Khai", effectiveness="Tăng năng suất 3 lần")
    secret = submit(title="Lò nung tiết kiệm điện", author_name="Lê Bí Mật", effectiveness="Giảm 40% điện năng",
                    description="Quy trình nung đặc biệt", is_secret=True)
    submit(title="Sáng kiến Vinh", level1_unit_id=str(unit("40").id), unit_id=str(unit("40-412-01").id))
    _honour(open_one, act, allot)
    _honour(secret, act, allot)
    with freeze_time("2026-12-02 03:00:00"):
        r = client.get(URL + "ket-qua")
    assert r.status_code == 200  # no login
    html = r.get_data(as_text=True)
    assert "Máy bóc vỏ lạc" in html and "Phạm Công Khai" in html
    assert "Lò nung tiết kiệm điện" in html and "Giảm 40% điện năng" in html
    assert "Lê Bí Mật" not in html and "Quy trình nung" not in html and "(bí mật công nghệ)" in html
    counts = dict((name, (int(n), int(h))) for name, n, h in re.findall(
        r'<tr><td>([^<]+)</td><td class="text-right">(\d+)</td><td class="text-right">(\d+)</td></tr>', html))
    assert counts[unit("01").name] == (2, 2) and counts[unit("40").name] == (1, 0)
    assert 'id="results-total">3<' in html
    assert "<svg" in html and "<rect" in html and "<script" not in html.split("<svg")[1].split("</svg>")[0]
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert not re.search(r'(?:src|href)="(?:https?:)?//', html)  # no asset from another host (a CDN)
    # cached: a new submission shows only after the snapshot's time to live
    built = db.session.get(ResultsSnapshot, open_one.programme_id).built_at
    submit(title="Sáng kiến mới")
    with freeze_time("2026-12-02 03:04:00"):
        html = client.get(URL + "ket-qua").get_data(as_text=True)
    assert 'id="results-total">3<' in html
    db.session.expire_all()
    assert db.session.get(ResultsSnapshot, open_one.programme_id).built_at == built
    with freeze_time("2026-12-02 03:06:00"):
        html = client.get(URL + "ket-qua").get_data(as_text=True)
    assert 'id="results-total">4<' in html


def test_results_of_an_unknown_or_draft_programme_are_not_found(ctx, client, programme):
    assert client.get("/sang-kien/khong-co/ket-qua").status_code == 404
    programme.status = "draft"
    db.session.commit()
    assert client.get(URL + "ket-qua").status_code == 404


def test_rebuild_is_one_statement_through_the_indexes(ctx, submit, act, allot, programme):
    """The snapshot is rebuilt by one statement (aggregate UNION ALL honoured rows), whose plan reads the
    covering aggregate index and the status index, and the masking happens in that statement."""
    import sqlalchemy as sa

    from adminapp.public import results_page

    allot("hanoi.officer", {"01-002": 3})
    allot("hoankiem.officer", {"01-002-01": 3})
    secret = submit(title="Lò nung tiết kiệm điện", author_name="Lê Bí Mật", is_secret=True)
    submit(title="Máy bóc vỏ lạc")
    _honour(secret, act, allot)
    assert programme.owner_unit_id  # loaded before counting: the page has the programme already
    statements = []

    def record(conn, cursor, statement, *args):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", record)
    try:
        data = results_page.build(programme)
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", record)
    assert len(statements) == 1, statements
    assert data["total"] == 2 and data["honoured_total"] == 1
    assert data["honoured"][0]["title"] == "Lò nung tiết kiệm điện"
    assert data["honoured"][0]["author"] == "(bí mật công nghệ)" and data["honoured"][0]["secret"]
    stmt = results_page.rebuild_query(programme).compile(db.engine, compile_kwargs={"literal_binds": True})
    prefix = "EXPLAIN QUERY PLAN " if db.engine.dialect.name == "sqlite" else "EXPLAIN "
    plan = " | ".join(str(r[-1]) for r in db.session.execute(sa.text(prefix + str(stmt))))
    assert "ix_initiative_programme_level1_status" in plan, plan

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
    assert "script-src 'self'" in csp and "cdn" not in html.lower()
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

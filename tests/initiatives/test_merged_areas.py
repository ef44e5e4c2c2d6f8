"""Merged provinces keep their initiatives' areas (adminapp/areas.py, issue 11).

A merge of level-1 units rewrites no initiative row: the predecessors' areas count under the successor
(AreaAlias), and the successor's officer's sorted pages merge one ordered index walk per area
(views/base.py ScopedModelView._merged_page_ids). A later move across provinces still rewrites the moved
units' initiatives. The invariant checked throughout: every initiative's area is among the areas counted
under the level-1 unit its unit lies under now.
"""
from __future__ import annotations

from datetime import date

import pytest
import sqlalchemy as sa

from adminapp import access, areas, reorganisation
from adminapp.extensions import db
from models import AreaAlias, Initiative, Unit, User
from tests.test_sort_indexes import _bad, _merged_pages, _page_plans, _views

E = date(2025, 7, 1)
MERGE = [{"op": "merge", "sources": ["40", "42"],
          "new": {"code": "2025-40", "name": "Liên đoàn Lao động tỉnh Nghệ Tĩnh", "short_name": "Nghệ Tĩnh",
                  "parent": "TLD", "kind": "province_federation", "official_code": "40"}}]


def _get(code):
    return db.session.execute(sa.select(Unit).where(Unit.code == code)).scalar_one()


def _rows():
    return {r.id: tuple(r) for r in db.session.execute(
        sa.select(Initiative.id, Initiative.area_unit_id, Initiative.holder_unit_id, Initiative.updated_at,
                  Initiative.version))}


def _check_invariant():
    """Every initiative's area is counted under the level-1 unit above its unit (by path, today)."""
    conn = db.session.connection()
    bad = []
    for ini_id, area, path in db.session.execute(
            sa.select(Initiative.id, Initiative.area_unit_id, Unit.path).join(Unit, Unit.id == Initiative.unit_id)):
        level1 = areas.area_for_path(conn, path)
        if area not in areas.scope_areas(conn, level1):
            bad.append((ini_id, area, path))
    assert not bad


@pytest.fixture()
def merged(ctx, user, unit, submit):
    """Initiatives in Nghệ An (40) and Hà Tĩnh (42) and one in Hà Nội, then the two merged into 2025-40."""
    made = []
    for i, (level1, sub) in enumerate([("40", "40-412-01"), ("42", None), ("40", None), ("42", None),
                                       ("40", "40-412-01"), ("42", None), ("01", None)]):
        data = {"title": f"{'ĐBCĐ'[i % 4]} sáng kiến {i:02d}", "level1_unit_id": str(unit(level1).id)}
        data["unit_id"] = str(unit(sub).id) if sub else ""
        made.append(submit(**data))
    before = _rows()
    reorganisation.plan(user("admin"), "Hợp nhất Nghệ An – Hà Tĩnh", MERGE, E)
    db.session.commit()
    return made, before


def test_a_province_merge_rewrites_no_initiative(merged, user):
    made, before = merged
    new, old40, old42 = _get("2025-40"), _get("40"), _get("42")
    after = _rows()
    assert {k: v[1] for k, v in after.items()} == {k: v[1] for k, v in before.items()}  # areas kept
    # only what the merge hands on changes: initiatives under review at a merged province go to the successor
    for key, row in before.items():
        if row[2] in (old40.id, old42.id):
            assert after[key][2] == new.id and after[key][4] == row[4] + 1
        else:
            assert after[key] == row
    assert any(row[2] == old42.id for row in before.values())
    assert any(row[2] != old42.id and row[1] == old40.id for row in before.values())
    assert areas.scope_areas(db.session.connection(), new.id) == [new.id, *sorted([old40.id, old42.id])]
    _check_invariant()
    officer = user("nghean.officer")
    assert officer.unit_id == new.id
    seen = set(db.session.execute(access.scope(officer, Initiative, sa.select(Initiative.id))).scalars())
    assert seen == {i.id for i in made[:6]}
    assert not {i.id for i in made[:6]} & set(db.session.execute(
        access.scope(user("hanoi.officer"), Initiative, sa.select(Initiative.id))).scalars())


def test_a_merged_province_merging_again_hands_its_areas_on(merged, user):
    reorganisation.plan(user("admin"), "Hợp nhất lần hai", [{"op": "merge", "sources": ["2025-40"], "target": "38"}],
                        date(2026, 1, 1))
    db.session.commit()
    thanh_hoa = _get("38")
    assert set(areas.scope_areas(db.session.connection(), thanh_hoa.id)) == {
        thanh_hoa.id, _get("2025-40").id, _get("40").id, _get("42").id}
    assert not db.session.execute(sa.select(AreaAlias).where(AreaAlias.unit_id == _get("2025-40").id)).first()
    _check_invariant()
    officer = db.session.execute(sa.select(User).where(User.unit_id == thanh_hoa.id)).scalars().first()
    seen = set(db.session.execute(access.scope(officer, Initiative, sa.select(Initiative.id))).scalars())
    assert {i.id for i in merged[0][:6]} <= seen


def test_a_unit_moved_out_of_a_merged_province_takes_its_initiatives_along(merged, user):
    made, _ = merged
    vinh_grassroots = made[0]
    reorganisation.plan(user("admin"), "Chuyển TP Vinh", [{"op": "move", "unit": "40-412", "parent": "01"}],
                        date(2026, 1, 1))
    db.session.commit()
    moved = db.session.get(Initiative, vinh_grassroots.id)
    assert moved.area_unit_id == _get("01").id
    _check_invariant()
    assert access.can(user("hanoi.officer"), "initiative.view", moved)
    assert not access.can(user("nghean.officer"), "initiative.view", moved)


def test_the_merged_officers_pages_follow_every_sort(ctx, merged, user):
    """Page by page (3 rows a page) in every offered order, the merged pages equal the plain scoped query's."""
    # one filed under the successor itself after the merge (its area is the successor's)
    first = merged[0][1]
    later = Initiative(**{c.key: getattr(first, c.key) for c in Initiative.__table__.columns
                          if c.key not in ("id", "tracking_code", "area_unit_id", "created_at", "updated_at",
                                           "version")})
    later.tracking_code, later.unit_id, later.title = "SAU0000001", _get("2025-40").id, "Sáng kiến sau sáp nhập"
    db.session.add(later)
    db.session.commit()
    assert later.area_unit_id == _get("2025-40").id
    view = next(v for v in _views(ctx) if v.endpoint == "initiatives")
    officer = user("nghean.officer")
    total = len(db.session.execute(access.scope(officer, Initiative, sa.select(Initiative.id))).all())
    assert total == 7
    orders = _merged_pages(ctx, view, officer)
    for (sort, desc), (got, want) in orders.items():
        assert got == want, (sort, desc)
        assert sorted(got) == sorted(set(got)) and len(got) == total
    assert len(orders) * 4 > 20


def test_the_merged_officers_sorts_walk_indexes(ctx, merged):
    view = next(v for v in _views(ctx) if v.endpoint == "initiatives")
    failures = []
    for (sort, desc), (statement, lines) in _page_plans(ctx, view, "nghean.officer").items():
        assert "UNION ALL" in statement
        bad = _bad(lines, "initiative")
        if bad:
            failures.append(f"sort={sort} desc={desc}: {bad}\n  {statement}\n  " + "\n  ".join(lines))
    assert not failures, "\n".join(failures)


def test_the_merged_officers_list_page(merged, login_as):
    """The merged province's areas come with the user (the loader's statement), not by a statement of their own."""
    from tests.conftest import recorded_statements

    made, _ = merged
    client = login_as("nghean.officer")
    with recorded_statements() as recorded:
        html = client.get("/admin/initiatives/?sort=1&desc=1").get_data(as_text=True)
    for ini in made[:6]:
        assert ini.tracking_code in html
    assert made[6].tracking_code not in html
    alias_reads = [s for s, _ in recorded if "area_alias" in s]
    assert len(alias_reads) == 1 and "FROM user_account JOIN user_session" in alias_reads[0], alias_reads

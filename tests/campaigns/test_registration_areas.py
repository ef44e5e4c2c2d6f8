"""Registrations keep their unit's level-1 unit (area_unit_id), as initiatives do (adminapp/areas.py, migration 0025).

A province officer's registrations are its areas' lists, and the lists of the campaigns its subtree launched that
lie outside them (a unit moved to another province since): the page merges an ordered walk of the
(area_unit_id, column, id) index with that small rest (views/base.py ScopedModelView._merged_page_ids). The
invariant: every registration's area is among the areas counted under the level-1 unit above its unit.
"""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask_login import login_user

from adminapp import access, areas, reorganisation
from adminapp.extensions import db
from models import Registration, Unit
from tests.test_sort_indexes import _merged_pages, _views

UNITS = ("01-002", "01-001", "01-002-01")


def _check_invariant():
    conn = db.session.connection()
    bad = []
    for reg_id, area, path in db.session.execute(
            sa.select(Registration.id, Registration.area_unit_id, Unit.path).join(Unit, Unit.id == Registration.unit_id)):
        if area not in areas.scope_areas(conn, areas.area_for_path(conn, path)):
            bad.append((reg_id, area, path))
    assert not bad


def _visible(user) -> set[int]:
    return set(db.session.execute(access.scope(user, Registration, sa.select(Registration.id))).scalars())


def _move_ba_dinh_to_nghe_an(user):
    reorganisation.plan(user("admin"), "Chuyển quận Ba Đình", [{"op": "move", "unit": "01-001", "parent": "40"}],
                        date(2026, 1, 1))
    db.session.commit()


def test_lists_carry_their_province(make_campaign, registration_of, unit):
    c = make_campaign(units=UNITS)
    assert {registration_of(c, code).area_unit_id for code in UNITS} == {unit("01").id}
    _check_invariant()


def test_a_unit_moved_away_takes_its_lists_along_and_stays_visible_to_the_launcher(make_campaign, registration_of,
                                                                                   user, unit, login_as):
    c = make_campaign(units=UNITS)
    moved = registration_of(c, "01-001")
    _move_ba_dinh_to_nghe_an(user)
    db.session.refresh(moved)
    assert moved.area_unit_id == unit("40").id
    _check_invariant()
    assert moved.id in _visible(user("hanoi.officer"))  # its campaign was launched by Hà Nội
    assert moved.id in _visible(user("nghean.officer"))  # its unit lies in Nghệ An now
    assert registration_of(c, "01-002").id not in _visible(user("nghean.officer"))
    html = login_as("hanoi.officer").get("/admin/registrations/").get_data(as_text=True)
    assert f'value="{moved.id}"' in html or f"/{moved.id}" in html


def test_the_province_officers_pages_follow_every_sort(ctx, make_campaign, user, registration_of):
    """Page by page (3 rows a page) in every offered order, the merged pages equal the plain scoped query's,
    with the rest arm (lists of Hà Nội's campaigns now in Nghệ An) in them."""
    for i in range(3):
        make_campaign(units=UNITS, name=f"Phong trào thi đua số {i + 1}")
    _move_ba_dinh_to_nghe_an(user)
    view = next(v for v in _views(ctx) if v.endpoint == "registrations")
    officer = user("hanoi.officer")
    total = len(_visible(officer))
    assert total == 9
    orders = _merged_pages(ctx, view, officer)
    for (sort, desc), (got, want) in orders.items():
        assert got == want, (sort, desc)
        assert len(set(got)) == total
    assert len(orders) * 4 >= 28


def test_the_province_officers_count(ctx, make_campaign, user, login_as):
    """The list's count (its capped count) reads the province's areas and its campaigns: the moved lists too."""
    for i in range(3):
        make_campaign(units=UNITS, name=f"Phong trào thi đua số {i + 1}")
    _move_ba_dinh_to_nghe_an(user)
    assert login_as("hanoi.officer").get("/admin/registrations/?page_size=5").status_code == 200
    view = next(v for v in _views(ctx) if v.endpoint == "registrations")
    with ctx.test_request_context("/admin/"):
        login_user(user("hanoi.officer"))
        count, rows = view.get_list(0, None, None, None, [], page_size=5)
        assert count == 9 and len(rows) == 5

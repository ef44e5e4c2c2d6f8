"""Initiative.area_unit_id: the level-1 unit above the author's unit, set on submission and kept through
unit moves, so that a province officer's scope (area_unit_id = the province) stays the subtree (issue 17)."""
from adminapp import access, directory
from adminapp.extensions import db
from models import Initiative


def _visible(user, ids):
    return set(db.session.execute(access.scope(user, Initiative, db.select(Initiative.id))
                                  .where(Initiative.id.in_(ids))).scalars())


def test_area_follows_the_unit_tree(ctx, submit, unit, user):
    ini = submit()  # unit 01-002-01 under Hà Nội (01)
    other = submit(unit_id="")  # the province itself
    assert ini.area_unit_id == unit("01").id and other.area_unit_id == unit("01").id
    ids = [ini.id, other.id]
    assert _visible(user("hanoi.officer"), ids) == set(ids)
    assert _visible(user("nghean.officer"), ids) == set()

    # the district (with the grassroots union) moves to Nghệ An: its initiatives follow
    directory.move_unit(actor=user("admin"), unit=unit("01-002"), new_parent=unit("40"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Initiative, ini.id).area_unit_id == unit("40").id
    assert db.session.get(Initiative, other.id).area_unit_id == unit("01").id
    assert _visible(user("hanoi.officer"), ids) == {other.id}
    assert _visible(user("nghean.officer"), ids) == {ini.id}

    # moved up to level 1, the district is its own area
    directory.move_unit(actor=user("admin"), unit=unit("01-002"), new_parent=unit("TLD"))
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Initiative, ini.id).area_unit_id == unit("01-002").id
    assert _visible(user("nghean.officer"), ids) == set()
    # the subtree scope and the area scope agree for every level-1 officer
    for name in ("hanoi.officer", "nghean.officer"):
        officer = user(name)
        by_subtree = set(db.session.execute(db.select(Initiative.id).where(
            Initiative.unit_id.in_(access.subtree_unit_ids(officer)))).scalars())
        assert _visible(officer, ids) == by_subtree & set(ids)

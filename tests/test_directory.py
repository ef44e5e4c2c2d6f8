"""The unit tree: creation, moves of whole subtrees, rights, diacritic-insensitive search."""
import pytest

from adminapp import access, directory
from adminapp.extensions import db
from models import AuditEvent, Unit


def test_subtree_is_a_path_range(ctx, unit, user):
    officer = user("hanoi.officer")
    codes = set(db.session.execute(db.select(Unit.code).where(access.scope_condition(officer, Unit))).scalars())
    assert codes == {"01", "01-001", "01-001-01", "01-002", "01-002-01", "01-002-02", "01-002-03"}


def test_move_unit_moves_its_subtree(ctx, unit, user):
    admin = user("admin")
    hk = unit("01-002")
    directory.move_unit(actor=admin, unit=hk, new_parent=unit("40"))
    db.session.commit()
    db.session.expire_all()
    assert unit("01-002").path == "/TLD/40/01-002/" and unit("01-002").level == 2
    assert unit("01-002-03").path == "/TLD/40/01-002/01-002-03/" and unit("01-002-03").level == 3
    assert unit("01-002").parent.code == "40"
    # the Hà Nội officer no longer sees it; the Nghệ An officer does
    assert not access.can(user("hanoi.officer"), "unit.view", unit("01-002-01"))
    assert access.can(user("nghean.officer"), "unit.view", unit("01-002-01"))
    ev = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "unit.move")).scalar_one()
    assert ev.details["from_path"] == "/TLD/01/01-002/" and ev.details["to_path"] == "/TLD/40/01-002/"
    # moving up a level changes levels of the whole subtree
    directory.move_unit(actor=admin, unit=unit("01-002"), new_parent=unit("TLD"))
    db.session.commit()
    db.session.expire_all()
    assert unit("01-002").level == 1 and unit("01-002-01").level == 2


def test_cannot_move_into_own_subtree(ctx, unit, user):
    with pytest.raises(directory.DirectoryError):
        directory.move_unit(actor=user("admin"), unit=unit("01"), new_parent=unit("01-002-01"))


def test_officer_manages_only_below_own_unit(ctx, unit, user):
    officer = user("hanoi.officer")
    u = directory.create_unit(actor=officer, code="01-003", name="Liên đoàn Lao động quận Tây Hồ",
                              parent=unit("01"), kind="district_union")
    assert u.level == 2 and u.path == "/TLD/01/01-003/"
    with pytest.raises(access.PermissionDenied):
        directory.create_unit(actor=officer, code="40-999", name="X", parent=unit("40"), kind="grassroots")
    with pytest.raises(access.PermissionDenied):
        directory.move_unit(actor=officer, unit=unit("01-002"), new_parent=unit("40"))
    with pytest.raises(access.PermissionDenied):
        directory.create_unit(actor=user("hanoi.viewer"), code="01-004", name="Y", parent=unit("01"),
                              kind="district_union")


def test_codes_are_validated_and_unique(ctx, unit, user):
    admin = user("admin")
    for bad in ["", "có dấu", "a/b", "x" * 65]:
        with pytest.raises(directory.DirectoryError):
            directory.create_unit(actor=admin, code=bad, name="X", parent=unit("01"), kind="grassroots")
    with pytest.raises(directory.DirectoryError):
        directory.create_unit(actor=admin, code="01-002", name="X", parent=unit("01"), kind="grassroots")


@pytest.mark.parametrize("term", ["ha noi", "HÀ NỘI", "Hà Nội", "hà nội", "HA NOI"])
def test_search_ignores_diacritics_and_case(ctx, login_as, term):
    c = login_as("tld.officer")
    html = c.get("/admin/units/", query_string={"search": term}).get_data(as_text=True)
    assert "Liên đoàn Lao động thành phố Hà Nội" in html
    assert "Liên đoàn Lao động tỉnh Nghệ An" not in html


def test_search_text_follows_renames(ctx, unit, user):
    u = unit("01-002-02")
    u.name = "Công đoàn cơ sở Trường Tiểu học Điện Biên"
    db.session.commit()
    found = db.session.execute(db.select(Unit.code).where(Unit.search_text.like("%tieu hoc dien bien%"))).scalars()
    assert list(found) == ["01-002-02"]


def test_search_wildcards_are_literal(ctx, login_as):
    c = login_as("tld.officer")
    html = c.get("/admin/units/", query_string={"search": "%"}).get_data(as_text=True)
    assert "Liên đoàn Lao động thành phố Hà Nội" not in html

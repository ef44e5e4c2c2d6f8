"""The directory through time: versions of names and parents, "as of" reads in one indexed statement."""
import re
from datetime import date

import pytest

from adminapp import directory, unit_history
from adminapp.extensions import db
from models import AuditEvent, UnitVersion


def _versions(unit):
    return db.session.execute(db.select(UnitVersion).where(UnitVersion.unit_id == unit.id)
                              .order_by(UnitVersion.valid_from)).scalars().all()


def test_every_unit_has_one_open_version(ctx, unit):
    (v,) = _versions(unit("40"))
    assert v.valid_from == unit_history.SINCE_EVER and v.valid_to is None
    assert v.name == "Liên đoàn Lao động tỉnh Nghệ An" and v.level == 1 and v.parent_id == unit("TLD").id
    assert v.official_code == "40"
    missing = db.session.execute(db.text(
        "SELECT count(*) FROM unit WHERE NOT EXISTS (SELECT 1 FROM unit_version v WHERE v.unit_id = unit.id)"
    )).scalar()
    assert missing == 0


def test_rename_writes_a_version_and_old_dates_read_the_old_name(ctx, unit, user):
    na = unit("40")
    directory.rename_unit(actor=user("admin"), unit=na, name="Liên đoàn Lao động tỉnh Nghệ An (đổi tên 2025)",
                          effective=date(2025, 3, 1))
    db.session.commit()
    old, new = _versions(na)
    assert old.valid_to == date(2025, 2, 28) and new.valid_from == date(2025, 3, 1) and new.valid_to is None
    assert unit_history.name_as_of(na, date(2021, 4, 20)) == "Liên đoàn Lao động tỉnh Nghệ An"
    assert unit_history.name_as_of(na, date(2025, 3, 1)).endswith("(đổi tên 2025)")
    assert unit_history.name_as_of(na, None).endswith("(đổi tên 2025)")
    ev = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "unit.rename")).scalar_one()
    assert ev.details["effective_date"] == "2025-03-01"
    # a second change the same day replaces that day's version; a change dated before it is refused
    directory.rename_unit(actor=user("admin"), unit=na, name="LĐLĐ Nghệ An", effective=date(2025, 3, 1))
    db.session.commit()
    assert [v.name for v in _versions(na)] == ["Liên đoàn Lao động tỉnh Nghệ An", "LĐLĐ Nghệ An"]
    with pytest.raises(directory.DirectoryError, match="trùng thời kỳ hiệu lực"):
        directory.rename_unit(actor=user("admin"), unit=na, name="X", effective=date(2024, 1, 1))
    db.session.rollback()


def test_a_move_versions_the_whole_subtree_when_levels_change(ctx, unit, user):
    with unit_history.effective(date(2025, 7, 1)):
        directory.move_unit(actor=user("admin"), unit=unit("01-002-01"), new_parent=unit("01"))
        directory.move_unit(actor=user("admin"), unit=unit("01-002"), new_parent=unit("TLD"))
    db.session.commit()
    before = unit_history.versions_as_of([unit("01-002-01").id, unit("01-002-02").id], date(2025, 6, 30))
    after = unit_history.versions_as_of([unit("01-002-01").id, unit("01-002-02").id], date(2025, 7, 1))
    assert before[unit("01-002-01").id].parent_id == unit("01-002").id and before[unit("01-002-01").id].level == 3
    assert after[unit("01-002-01").id].parent_id == unit("01").id and after[unit("01-002-01").id].level == 2
    # 01-002-02 did not move itself, but its level changed with its parent's move
    assert before[unit("01-002-02").id].level == 3 and after[unit("01-002-02").id].level == 2


def test_admin_form_rename_writes_a_version(ctx, login_as, unit):
    from tests.conftest import csrf_from

    c = login_as("admin")
    u = unit("40-412")
    page = c.get(f"/admin/units/edit/?id={u.id}").get_data(as_text=True)
    r = c.post(f"/admin/units/edit/?id={u.id}", data={
        "csrf_token": csrf_from(page), "code": u.code, "name": "Liên đoàn Lao động thành phố Vinh (mới)",
        "short_name": "TP Vinh", "kind": "district_union", "parent": str(unit("40").id), "sort_order": "0",
        "active": "y", "version_token": str(u.version),
    })
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    db.session.expire_all()
    names = [v.name for v in _versions(unit("40-412"))]
    assert names[-1] == "Liên đoàn Lao động thành phố Vinh (mới)" and len(names) == 2


def test_directory_as_of_is_one_indexed_statement(ctx):
    if ctx.config["BACKEND"] != "postgresql":
        rows = unit_history.directory_rows(date(2021, 4, 20), level=1)
        assert len(rows) == 63 + 20 + 6 and {r["level"] for r in rows} == {1}
        return
    stmt = unit_history.directory_at(date(2021, 4, 20), level=1)
    sql = str(stmt.compile(db.engine, compile_kwargs={"literal_binds": True}))
    with db.engine.connect() as conn:
        conn.execute(db.text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(conn.execute(db.text("EXPLAIN " + sql)).scalars())
    # one level's directory: the (level, valid_from) range of migration 0022
    # (a plain or a bitmap index scan, as the planner's estimates on this small table choose)
    assert re.search(r"Index Scan (using|on) ix_unit_version_level_from", plan), plan
    assert "Seq Scan" not in plan, plan

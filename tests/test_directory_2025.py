"""The 2025 directory: 34 provinces and cities from 1 July 2025 applied to the 2021 tree, idempotent."""
import json
from datetime import date

from adminapp import reference, unit_history
from adminapp.extensions import db
from models import Reorganisation, Unit, User


def _unit(code):
    return db.session.execute(db.select(Unit).where(Unit.code == code)).scalar_one()


def test_the_reference_list_covers_the_63_provinces_once():
    assert len(reference.PROVINCES_2025) == 34
    assert sum(1 for *_, city, _s in reference.PROVINCES_2025 if city) == 6
    sources = [s for *_, ss in reference.PROVINCES_2025 for s in ss]
    assert sorted(sources) == sorted(code for code, _ in reference.PROVINCES) and len(set(sources)) == 63
    assert sum(1 for *_, ss in reference.PROVINCES_2025 if len(ss) == 1) == 11


def test_applying_the_2025_directory(ctx, user):
    created = reference.seed_units_2025()
    db.session.commit()
    assert created == 23
    provinces = lambda day: [r for r in unit_history.directory_rows(day, level=1)  # noqa: E731
                             if r["kind"] == "province_federation"]
    after, before = provinces(date(2025, 7, 1)), provinces(date(2025, 6, 30))
    assert len(after) == 34 and len(before) == 63
    assert sorted(r["official_code"] for r in after) == sorted(o for o, *_ in reference.PROVINCES_2025)
    yen_bai = next(r for r in before if r["code"] == "15")
    assert yen_bai["official_code"] == "15" and yen_bai["name"] == "Liên đoàn Lao động tỉnh Yên Bái"
    assert yen_bai["successor_code"] == "2025-15" and yen_bai["valid_to"] == "2025-06-30"
    lao_cai = next(r for r in after if r["official_code"] == "15")
    assert lao_cai["code"] == "2025-15" and lao_cai["name"] == "Liên đoàn Lao động tỉnh Lào Cai"
    assert lao_cai["valid_from"] == "2025-07-01"
    hcm = next(r for r in after if r["official_code"] == "79")
    assert hcm["name"] == "Liên đoàn Lao động Thành phố Hồ Chí Minh"
    assert unit_history.name_at(_unit("46").id, date(2021, 4, 20)) == "Liên đoàn Lao động tỉnh Thừa Thiên Huế"
    assert unit_history.name_at(_unit("46").id, date(2025, 7, 1)) == "Liên đoàn Lao động thành phố Huế"
    # the district level ended: grassroots unions under the provincial federation, accounts moved up
    assert _unit("01-002").valid_to == date(2025, 6, 30) and _unit("40-412").valid_to == date(2025, 6, 30)
    assert _unit("01-002-01").parent_id == _unit("01").id and _unit("01-002-01").level == 2
    assert db.session.execute(db.select(User).where(User.username == "vinh.officer")).scalar_one().unit.code == "40"
    level2_districts = [r for r in unit_history.directory_rows(date(2026, 1, 1), level=2)
                        if r["kind"] == "district_union"]
    assert level2_districts == []
    # idempotent
    units = db.session.execute(db.select(db.func.count()).select_from(Unit)).scalar_one()
    assert reference.seed_units_2025() == 0 and reference.seed_units() == 0
    db.session.commit()
    assert db.session.execute(db.select(db.func.count()).select_from(Unit)).scalar_one() == units
    assert db.session.execute(db.select(db.func.count()).select_from(Reorganisation)).scalar_one() == 1


def test_cli_seed_units_directory_2025(ctx):
    runner = ctx.test_cli_runner()
    r = runner.invoke(args=["seed", "units", "--directory", "2025"])
    assert r.exit_code == 0 and "Đã tạo 23 đơn vị mới." in r.output, r.output
    r = runner.invoke(args=["seed", "units", "--directory", "2025"])
    assert r.exit_code == 0 and "Đã tạo 0 đơn vị mới." in r.output
    r = runner.invoke(args=["units", "at", "2025-07-01", "--level", "1"])
    rows = [json.loads(line) for line in r.output.splitlines()]
    assert sum(1 for x in rows if x["kind"] == "province_federation") == 34
    # the demo loads on the 2025 tree: its campaigns go to grassroots unions (the district level ended)
    r = runner.invoke(args=["seed", "demo"])
    assert r.exit_code == 0 and "Đã tạo 6 bản ghi mẫu mới." in r.output, r.output  # + the merged province's history
    assert runner.invoke(args=["seed", "demo"]).output.strip().endswith("Đã tạo 0 bản ghi mẫu mới.")

"""The demo shows a merged province with history (issue 11): Hưng Yên and Thái Bình in 2021, one federation from
01/07/2025; the 2021 campaign and programme keep the 2021 federations, a 2026 campaign runs under the merged one."""
import csv
import io
from datetime import date

from adminapp import demo_history, reference, unit_history
from adminapp.exports import registrations as reg_export
from adminapp.extensions import db
from models import Campaign, Initiative, Programme, Registration

HUNG_YEN_2021, THAI_BINH_2021 = "Liên đoàn Lao động tỉnh Hưng Yên", "Liên đoàn Lao động tỉnh Thái Bình"


def _csv(response):
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_demo_on_the_2025_directory_shows_a_merged_province_with_history(ctx, login_as):
    runner = ctx.test_cli_runner()
    assert runner.invoke(args=["seed", "units", "--directory", "2025"]).exit_code == 0
    r = runner.invoke(args=["seed", "demo"])
    assert r.exit_code == 0 and "Đã tạo 6 bản ghi mẫu mới." in r.output, r.output
    assert runner.invoke(args=["seed", "demo"]).output.strip().endswith("Đã tạo 0 bản ghi mẫu mới.")

    merged, hy, tb = (reference.get_unit(c) for c in (demo_history.MERGED_CODE, "33", "34"))
    assert tb.valid_to == date(2025, 6, 30) and unit_history.successors([tb.id])[tb.id].id == merged.id
    old = db.session.execute(db.select(Campaign).where(Campaign.name == demo_history.CAMPAIGN_2021)).scalar_one()
    new = db.session.execute(db.select(Campaign).where(Campaign.name == demo_history.CAMPAIGN_2026)).scalar_one()
    assert {r.unit_id for r in db.session.execute(db.select(Registration).where(
        Registration.campaign_id == old.id)).scalars()} == {hy.id, tb.id}
    assert [r.unit_id for r in db.session.execute(db.select(Registration).where(
        Registration.campaign_id == new.id)).scalars()] == [merged.id]
    assert new.status == "launched" and old.status == "archived"
    # the 2021 documents print the 2021 federations
    assert {row[1] for row in reg_export.consolidated_rows(old)} == {HUNG_YEN_2021, THAI_BINH_2021}
    c = login_as("tld.officer")
    rows = _csv(c.get("/admin/registrations/export/csv/"))
    assert (old.name, THAI_BINH_2021) in {(r[0], r[1]) for r in rows[1:]}
    programme = db.session.execute(db.select(Programme).where(
        Programme.slug == demo_history.PROGRAMME_2021_SLUG)).scalar_one()
    ini = db.session.execute(db.select(Initiative).where(Initiative.programme_id == programme.id,
                                                         Initiative.level1_unit_id == tb.id)).scalar_one()
    rows = _csv(login_as("admin").get("/admin/initiatives/export/csv/"))
    head = rows[0]
    row = next(r for r in rows[1:] if r[head.index("Mã tra cứu")] == ini.tracking_code)
    assert row[head.index("Đơn vị (cấp tỉnh/ngành)")] == THAI_BINH_2021
    # the 2021 tree as of 2021, the merged one today
    codes_2021 = {r["code"] for r in unit_history.directory_rows(date(2021, 4, 20), level=1)}
    assert {"33", "34"} <= codes_2021 and demo_history.MERGED_CODE not in codes_2021


def test_demo_on_the_2021_directory_keeps_the_2021_history_only(ctx):
    from adminapp import demo_workflows

    assert demo_workflows.seed_workflows() == 5
    db.session.commit()
    assert not db.session.execute(db.select(Campaign).where(Campaign.name == demo_history.CAMPAIGN_2026)).first()
    old = db.session.execute(db.select(Campaign).where(Campaign.name == demo_history.CAMPAIGN_2021)).scalar_one()
    assert {row[1] for row in reg_export.consolidated_rows(old)} == {HUNG_YEN_2021, THAI_BINH_2021}
    # the 2021 records are dated 2021: the 2025 directory still applies after the demo's history
    from adminapp import reorganisation

    shown = reorganisation.preview(None, [{"op": "merge", "sources": ["33", "34"], "target": "33"}],
                                   date(2025, 7, 1))
    assert shown["operations"]

"""Sắp xếp đơn vị: the admin page (preview, run, refusals, admins only) and the `flask units` commands."""
import json

from adminapp.extensions import db
from models import Reorganisation, Unit
from tests.conftest import csrf_from


def _unit(code):
    return db.session.execute(db.select(Unit).where(Unit.code == code)).scalar_one()


def test_admin_previews_and_runs_a_merge(ctx, login_as):
    c = login_as("admin")
    page = c.get("/admin/reorganise/").get_data(as_text=True)
    assert "Sắp xếp lại đơn vị" in page
    form = {"csrf_token": csrf_from(page), "title": "Hợp nhất Hà Giang – Tuyên Quang", "effective_date": "01/07/2025",
            "op": "merge", "sources": "02, 08", "new_code": "2025-08", "new_name": "Liên đoàn Lao động tỉnh Tuyên Quang",
            "new_parent": "TLD", "new_kind": "province_federation", "new_official_code": "08"}
    r = c.post("/admin/reorganise/preview", data=form)
    html = r.get_data(as_text=True)
    assert r.status_code == 200 and 'id="reorg-counts"' in html and "table-danger" not in html
    assert "Đơn vị kết thúc: 2 (02, 08)" in html
    assert db.session.execute(db.select(Unit.id).where(Unit.code == "2025-08")).first() is None
    r = c.post("/admin/reorganise/run", data=form)
    assert r.status_code == 302
    db.session.expire_all()
    assert _unit("02").valid_to.isoformat() == "2025-06-30" and _unit("2025-08").official_code == "08"
    assert db.session.execute(db.select(Reorganisation)).scalar_one().status == "applied"
    # the unit list says where a closed unit went
    html = c.get("/admin/units/?search=ha+giang").get_data(as_text=True)
    assert "đã sáp nhập vào Liên đoàn Lao động tỉnh Tuyên Quang" in html


def test_bad_input_is_a_clear_4xx(ctx, login_as):
    c = login_as("admin")
    token = csrf_from(c.get("/admin/reorganise/").get_data(as_text=True))
    r = c.post("/admin/reorganise/preview", data={"csrf_token": token, "effective_date": "31/02/2025", "op": "merge"})
    assert r.status_code == 422 and "dd/mm/yyyy" in r.get_data(as_text=True)
    r = c.post("/admin/reorganise/run", data={"csrf_token": token, "effective_date": "01/07/2025", "op": "merge",
                                               "sources": "01", "target": "01-002"})
    assert r.status_code == 422 and "vòng lặp" in r.get_data(as_text=True)
    r = c.post("/admin/reorganise/preview", data={"csrf_token": token, "effective_date": "01/07/2025",
                                                   "plan_json": "[{"})
    assert r.status_code == 422 and "JSON không hợp lệ" in r.get_data(as_text=True)
    for level in ("abc", "²"):  # '²' passes str.isdigit() but not int()
        r = c.post("/admin/reorganise/preview", data={"csrf_token": token, "effective_date": "01/07/2025",
                                                       "op": "end_level", "parent": "01", "level": level})
        assert r.status_code == 422 and "Cấp kết thúc phải là một số" in r.get_data(as_text=True)
    assert db.session.execute(db.select(Reorganisation.id)).first() is None


def test_only_system_administrators(ctx, login_as):
    c = login_as("hanoi.officer")
    assert c.get("/admin/reorganise/").status_code == 404
    token = csrf_from(c.get("/admin/units/").get_data(as_text=True))
    assert c.post("/admin/reorganise/run", data={"csrf_token": token, "effective_date": "01/07/2025",
                                                  "op": "rename", "unit": "01-002", "name": "X"}).status_code == 404


def test_cli_units_at_reorganise_and_apply_due(ctx, tmp_path):
    runner = ctx.test_cli_runner()
    r = runner.invoke(args=["units", "at", "2021-04-20", "--level", "1"])
    assert r.exit_code == 0, r.output
    rows = [json.loads(line) for line in r.output.splitlines()]
    assert len(rows) == 89
    hn = next(x for x in rows if x["code"] == "01")
    assert hn == {"code": "01", "official_code": "01", "name": "Liên đoàn Lao động thành phố Hà Nội", "level": 1,
                  "kind": "province_federation", "parent_code": "TLD", "valid_from": None, "valid_to": None,
                  "successor_code": None}
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps([{"op": "merge", "sources": ["04"], "target": "06"}]), encoding="utf-8")
    r = runner.invoke(args=["units", "reorganise", str(plan), "--date", "2025-07-01", "--preview"])
    assert r.exit_code == 0, r.output
    shown = json.loads(r.output)
    assert shown["operations"][0]["ended"] == ["04"] and shown["counts_before"] == shown["counts_after"]
    assert _unit("04").valid_to is None
    r = runner.invoke(args=["units", "reorganise", str(plan), "--date", "2099-01-01"])
    assert r.exit_code == 0 and "sẽ thực hiện ngày 01/01/2099" in r.output
    r = runner.invoke(args=["units", "apply-due"])
    assert r.exit_code == 0 and "Đã thực hiện 0" in r.output
    r = runner.invoke(args=["units", "reorganise", str(plan), "--date", "2099-01-01"])
    assert r.exit_code == 1 and "chưa thực hiện" in r.output
    r = runner.invoke(args=["units", "at", "2021-13-01"])
    assert r.exit_code == 2 and "YYYY-MM-DD" in r.output

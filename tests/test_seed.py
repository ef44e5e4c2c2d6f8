"""Reference units and demo data: right counts and quotas, idempotent, CLI output."""
import json

from adminapp import access, demo, reference
from adminapp.extensions import db
from models import Role, Unit, User


def count(**filters):
    return db.session.execute(db.select(db.func.count()).select_from(Unit).filter_by(**filters)).scalar_one()


def test_reference_units_loaded_with_quotas(ctx):
    assert count(level=0) == 1
    assert count(kind="province_federation", level=1) == 63
    assert count(kind="sector_union", level=1) == 20
    assert count(kind="corporation_union", level=1) == len(reference.CORPORATION_UNIONS)
    quota5 = {u.short_name for u in db.session.execute(db.select(Unit).where(Unit.default_quota == 5)).scalars()}
    for name in ["Hà Nội", "TP Hồ Chí Minh", "Hải Phòng", "Bình Dương", "Đồng Nai"]:
        assert name in quota5
    for name in ["Công Thương Việt Nam", "Ngân hàng Việt Nam", "Thông tin và Truyền thông Việt Nam",
                 "Y tế Việt Nam", "Giáo dục Việt Nam", "Quốc phòng", "Điện lực Việt Nam", "Dầu khí Việt Nam",
                 "Than – Khoáng sản Việt Nam", "Tổng Công ty Hàng không Việt Nam"]:
        assert name in quota5, name
    assert len(quota5) == 15
    level1 = count(level=1)
    assert count(level=1, default_quota=4) == level1 - 15
    hanoi = reference.get_unit("01")
    assert hanoi.name == "Liên đoàn Lao động thành phố Hà Nội" and hanoi.path == "/TLD/01/"


def test_seeds_are_idempotent(ctx):
    before = db.session.execute(db.select(db.func.count()).select_from(Unit)).scalar_one()
    users_before = db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one()
    assert reference.seed_units() == 0
    assert demo.seed_demo() == 0
    db.session.commit()
    assert db.session.execute(db.select(db.func.count()).select_from(Unit)).scalar_one() == before
    assert db.session.execute(db.select(db.func.count()).select_from(User)).scalar_one() == users_before
    assert db.session.execute(db.select(db.func.count()).select_from(Role)).scalar_one() == len(access.SHIPPED_ROLES)  # idempotent: one row per shipped role


def test_cli_seed_twice_and_demo_accounts(ctx):
    runner = ctx.test_cli_runner()
    r = runner.invoke(args=["seed", "units"])
    assert r.exit_code == 0 and "Đã tạo 0 đơn vị mới." in r.output
    r = runner.invoke(args=["seed", "demo"])  # adds the demo campaigns and programme the fixture leaves out
    assert r.exit_code == 0 and "Đã tạo 5 bản ghi mẫu mới." in r.output, r.output  # + the 2021 history
    r = runner.invoke(args=["seed", "demo"])
    assert r.exit_code == 0 and "Đã tạo 0 bản ghi mẫu mới." in r.output
    r = runner.invoke(args=["demo", "accounts"])
    assert r.exit_code == 0
    rows = [json.loads(line) for line in r.output.strip().splitlines()]
    assert {row["username"] for row in rows} >= {"admin", "tld.officer", "hanoi.officer", "hoankiem.officer",
                                                 "cdcs.officer", "hanoi.leader", "hanoi.viewer"}
    for row in rows:
        assert set(row) == {"username", "password", "unit_code", "unit_name", "level", "roles"}
    levels = {row["level"] for row in rows}
    assert levels == {0, 1, 2, 3}


def test_cli_user_create_reads_password_from_stdin(ctx):
    runner = ctx.test_cli_runner()
    r = runner.invoke(args=["user", "create", "NguyenVanA", "--unit", "01-002", "--role", "officer",
                            "--full-name", "Nguyễn Văn A"], input="MatKhau#2026\n")
    assert r.exit_code == 0, r.output
    u = db.session.execute(db.select(User).where(User.username == "nguyenvana")).scalar_one()
    assert u.unit.code == "01-002" and [r.name for r in u.roles] == ["officer"]
    assert "MatKhau#2026" not in u.password_hash and u.password_hash.startswith("$argon2id$")
    # errors are clear and in Vietnamese
    r = runner.invoke(args=["user", "create", "x", "--unit", "NOPE", "--role", "officer"], input="MatKhau#2026\n")
    assert r.exit_code != 0 and "Không có đơn vị" in r.output
    r = runner.invoke(args=["user", "create", "nguyenvana", "--unit", "01", "--role", "officer"],
                      input="MatKhau#2026\n")
    assert r.exit_code != 0 and "đã tồn tại" in r.output
    r = runner.invoke(args=["user", "create", "weak", "--unit", "01", "--role", "officer"], input="123\n")
    assert r.exit_code != 0 and "Mật khẩu" in r.output


def test_demo_workflows_show_a_launched_campaign_and_an_open_programme(ctx, login_as):
    from adminapp import demo_workflows
    from models import Campaign, Initiative, Programme, Registration

    assert demo_workflows.seed_workflows() == 5  # 2 campaigns, the programme; the 2021 campaign and programme
    db.session.commit()
    assert demo_workflows.seed_workflows() == 0
    db.session.commit()
    launched = db.session.execute(db.select(Campaign).where(Campaign.status == "launched")).scalar_one()
    statuses = sorted(r.status for r in db.session.execute(
        db.select(Registration).where(Registration.campaign_id == launched.id)).scalars())
    assert statuses == ["not_sent", "pending"]
    programme = db.session.execute(db.select(Programme).where(Programme.status == "published")).scalar_one()
    assert db.session.execute(db.select(db.func.count()).select_from(Initiative)
                              .where(Initiative.programme_id == programme.id)).scalar_one() == 3
    r = ctx.test_client().get(f"/sang-kien/{programme.slug}/")
    assert r.status_code == 200 and "Họ và tên" in r.get_data(as_text=True)
    assert "Thi đua thực hiện thắng lợi" in login_as("hoankiem.officer").get("/admin/received_campaigns/").get_data(
        as_text=True)

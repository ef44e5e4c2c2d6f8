"""Command line: flask --app wsgi seed units | seed demo | demo accounts | user create."""
from __future__ import annotations

import json
import sys

import click
from flask import Flask

from adminapp import accounts, demo, reference
from adminapp.extensions import db
from models import Role


def register_cli(app: Flask) -> None:
    app.cli.add_command(seed)
    app.cli.add_command(demo_group)
    app.cli.add_command(user_group)
    app.cli.add_command(jobs_group)
    app.cli.add_command(units_group)
    app.cli.add_command(notifications_group)


@click.group(help="Nạp dữ liệu danh mục và dữ liệu mẫu.")
def seed():
    pass


@seed.command("units", help="Nạp Tổng Liên đoàn và các đơn vị cấp 1 (chạy lại không thay đổi gì). "
                            "--directory 2025: thêm 34 tỉnh, thành phố từ 01/07/2025 (sáp nhập, kết thúc cấp huyện).")
@click.option("--directory", "directory_year", type=click.Choice(["2021", "2025"]), default="2021",
              show_default=True, help="Danh mục: 2021 (63 tỉnh, thành phố) hoặc 2025 (34 tỉnh, thành phố).")
def seed_units_cmd(directory_year):
    total = len(reference.level1_specs())
    with click.progressbar(length=total, label="Đơn vị", file=sys.stderr) as bar:
        created = reference.seed_units(progress=bar.update)
    db.session.commit()
    if directory_year == "2025":
        from adminapp import reorganisation

        try:
            created += reference.seed_units_2025()
            db.session.commit()
        except reorganisation.ReorganisationError as e:
            db.session.rollback()
            raise click.ClickException(str(e)) from None
    click.echo(f"Đã tạo {created} đơn vị mới.")


@seed.command("demo", help="Nạp đơn vị và tài khoản mẫu (chạy lại không thay đổi gì).")
def seed_demo_cmd():
    if reference.get_unit(reference.ROOT[0]) is None:
        raise click.ClickException("Chưa có danh mục đơn vị: hãy chạy `flask --app wsgi seed units` trước.")
    from adminapp import demo_workflows

    created = demo.seed_demo()
    created += demo_workflows.seed_workflows()
    db.session.commit()
    click.echo(f"Đã tạo {created} bản ghi mẫu mới.")


@click.group("demo", help="Dữ liệu mẫu.")
def demo_group():
    pass


@demo_group.command("accounts", help="In các tài khoản mẫu, mỗi dòng một JSON.")
def demo_accounts_cmd():
    for row in demo.demo_accounts():
        click.echo(json.dumps(row, ensure_ascii=False))


@click.group("user", help="Quản lý tài khoản.")
def user_group():
    pass


@user_group.command("create", help="Tạo tài khoản; mật khẩu nhập từ bàn phím hoặc từ stdin.")
@click.argument("username")
@click.option("--unit", "unit_code", required=True, help="Mã đơn vị")
@click.option("--role", "role_names", multiple=True, required=True, help="Mã vai trò (admin, officer, leader, viewer)")
@click.option("--full-name", default=None, help="Họ và tên")
@click.option("--email", default=None)
@click.option("--phone", default=None)
def user_create_cmd(username, unit_code, role_names, full_name, email, phone):
    unit = reference.get_unit(unit_code)
    if unit is None:
        raise click.ClickException(f"Không có đơn vị mã “{unit_code}”.")
    accounts.ensure_shipped_roles()
    roles = []
    for name in role_names:
        role = db.session.execute(db.select(Role).where(Role.name == name)).scalar_one_or_none()
        if role is None:
            raise click.ClickException(f"Không có vai trò “{name}”.")
        roles.append(role)
    if sys.stdin.isatty():
        password = click.prompt("Mật khẩu", hide_input=True, confirmation_prompt="Nhập lại mật khẩu")
    else:
        password = sys.stdin.readline().rstrip("\n")
    try:
        user = accounts.create_user(
            actor=None, username=username, full_name=full_name or username, unit=unit, password=password,
            roles=roles, email=email, phone=phone,
        )
    except accounts.AccountError as e:
        db.session.rollback()
        raise click.ClickException(str(e)) from None
    db.session.commit()
    click.echo(f"Đã tạo tài khoản {user.username} ({unit.name}).")


@click.group("jobs", help="Việc chạy nền (xuất tệp).")
def jobs_group():
    pass


@jobs_group.command("purge", help="Xóa các tệp xuất đã hết hạn.")
def jobs_purge_cmd():
    from adminapp import jobs

    n = jobs.purge_expired()
    db.session.commit()
    click.echo(f"Đã xóa {n} tệp xuất hết hạn.")


@click.group("units", help="Danh mục đơn vị theo thời gian và sắp xếp lại đơn vị.")
def units_group():
    pass


def _parse_day(value: str):
    from datetime import date

    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"“{value}” không phải ngày dạng YYYY-MM-DD.") from None


@units_group.command("at", help="In danh mục đơn vị có hiệu lực vào ngày YYYY-MM-DD, mỗi dòng một JSON.")
@click.argument("day")
@click.option("--level", type=int, default=None, help="Chỉ in đơn vị ở cấp này (1: cấp tỉnh/ngành).")
def units_at_cmd(day, level):
    from adminapp import unit_history

    for row in unit_history.directory_rows(_parse_day(day), level):
        row.pop("short_name", None)
        click.echo(json.dumps(row, ensure_ascii=False))


@units_group.command("reorganise", help="Sắp xếp lại đơn vị theo kế hoạch JSON (danh sách thao tác).")
@click.argument("plan_file", type=click.File("r", encoding="utf-8"))
@click.option("--date", "day", required=True, help="Ngày hiệu lực YYYY-MM-DD (giờ Việt Nam).")
@click.option("--title", default="Sắp xếp đơn vị", help="Tên kế hoạch.")
@click.option("--preview", is_flag=True, help="Chỉ xem trước, không thay đổi gì.")
def units_reorganise_cmd(plan_file, day, title, preview):
    from adminapp import reorganisation

    try:
        operations = json.load(plan_file)
    except ValueError as e:
        raise click.ClickException(f"Tệp kế hoạch không phải JSON hợp lệ: {e}") from None
    if isinstance(operations, dict):
        title = operations.get("title") or title
        operations = operations.get("operations")
    effective = _parse_day(day)
    try:
        if preview:
            shown = reorganisation.preview(None, operations, effective)
            click.echo(json.dumps(shown, ensure_ascii=False, indent=1))
            return
        reorg = reorganisation.plan(None, title, operations, effective)
        db.session.commit()
    except reorganisation.ReorganisationError as e:
        db.session.rollback()
        raise click.ClickException(str(e)) from None
    state = "đã thực hiện" if reorg.status == "applied" else f"sẽ thực hiện ngày {reorg.effective_date:%d/%m/%Y}"
    click.echo(f"Kế hoạch #{reorg.id} “{reorg.title}”: {state}.")


@units_group.command("apply-due", help="Thực hiện các kế hoạch sắp xếp đã đến ngày hiệu lực (chạy từ cron).")
def units_apply_due_cmd():
    from adminapp import reorganisation

    applied = reorganisation.apply_due()
    click.echo(f"Đã thực hiện {len(applied)} kế hoạch sắp xếp.")


@click.group("notifications", help="Thông báo.")
def notifications_group():
    pass


@notifications_group.command("deadlines", help="Nhắc các đơn vị chưa gửi danh sách khi còn 3 ngày đến hạn "
                                               "(chạy mỗi ngày; chạy lại trong ngày không nhắc lặp).")
def notifications_deadlines_cmd():
    from adminapp import notifications

    n = notifications.deadline_reminders()
    db.session.commit()
    click.echo(f"Đã tạo {n} thông báo nhắc hạn.")


@notifications_group.command("retry", help="Gửi lại các thư thông báo chưa gửi được.")
def notifications_retry_cmd():
    from adminapp import notifications

    n = notifications.retry_failed()
    click.echo(f"Đã gửi {n} thư.")

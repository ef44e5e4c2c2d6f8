"""Demo data: a few districts and grassroots unions and one account per level and role.

Idempotent: loading twice changes nothing. Passwords are public (README) — demo only.
"""
from __future__ import annotations

from adminapp import accounts, reference
from adminapp.extensions import db
from models import User

DEMO_PASSWORD = "Demo@2026"

# (code, parent code, name, short name, kind)
DEMO_UNITS: list[tuple[str, str, str, str, str]] = [
    ("01-002", "01", "Liên đoàn Lao động quận Hoàn Kiếm", "Quận Hoàn Kiếm", "district_union"),
    ("01-002-01", "01-002", "Công đoàn cơ sở Công ty Điện lực Hoàn Kiếm", "CĐCS Điện lực Hoàn Kiếm", "grassroots"),
    ("01-002-02", "01-002", "Công đoàn cơ sở Trường THPT Trần Phú - Hoàn Kiếm", "CĐCS THPT Trần Phú", "grassroots"),
    ("01-002-03", "01-002", "Công đoàn cơ sở Bệnh viện Hữu nghị Việt Đức", "CĐCS BV Việt Đức", "grassroots"),
    ("01-001", "01", "Liên đoàn Lao động quận Ba Đình", "Quận Ba Đình", "district_union"),
    ("01-001-01", "01-001", "Công đoàn cơ sở Công ty Cổ phần May Thăng Long", "CĐCS May Thăng Long", "grassroots"),
    ("40-412", "40", "Liên đoàn Lao động thành phố Vinh", "TP Vinh", "district_union"),
    ("40-412-01", "40-412", "Công đoàn cơ sở Công ty Cổ phần Nhựa Vinh", "CĐCS Nhựa Vinh", "grassroots"),
    ("40-412-02", "40-412", "Công đoàn cơ sở Trường Đại học Vinh", "CĐCS ĐH Vinh", "grassroots"),
]

# (username, full name, unit code, roles)
DEMO_ACCOUNTS: list[tuple[str, str, str, list[str]]] = [
    ("admin", "Quản trị hệ thống", "TLD", ["admin"]),
    ("tld.officer", "Nguyễn Thị Ngọc Tú", "TLD", ["officer"]),
    ("hanoi.officer", "Trần Văn Hùng", "01", ["officer"]),
    ("hanoi.leader", "Lê Thị Thu Hà", "01", ["leader"]),
    ("hanoi.viewer", "Phạm Minh Đức", "01", ["viewer"]),
    ("hoankiem.officer", "Đỗ Thị Lan", "01-002", ["officer"]),
    ("cdcs.officer", "Vũ Quang Huy", "01-002-01", ["officer"]),
    ("nghean.officer", "Hoàng Văn Nam", "40", ["officer"]),
    ("vinh.officer", "Nguyễn Thị Hồng", "40-412", ["officer"]),
]


def seed_demo() -> int:
    """Load demo units and accounts (needs the reference units). Returns how many rows were created."""
    roles = accounts.ensure_shipped_roles()
    created = 0
    for code, parent_code, name, short_name, kind in DEMO_UNITS:
        parent = reference.get_unit(parent_code)
        if parent is None:
            raise RuntimeError(f"unit {parent_code} missing: run `flask seed units` first")
        _, c = reference.ensure_unit(parent, code=code, name=name, short_name=short_name, kind=kind)
        created += int(c)
    for username, full_name, unit_code, role_names in DEMO_ACCOUNTS:
        if db.session.execute(db.select(User.id).where(User.username == username)).first():
            continue
        accounts.create_user(
            actor=None, username=username, full_name=full_name, unit=reference.get_unit(unit_code),
            password=DEMO_PASSWORD, roles=[roles[r] for r in role_names],
        )
        created += 1
    if reference.directory_2025_applied():
        created += _end_demo_districts()
    from adminapp.workflow.campaigns import ensure_default_roles  # default roles of participating units

    created += ensure_default_roles()
    return created


def demo_accounts() -> list[dict]:
    rows = []
    for username, _full, _code, _roles in DEMO_ACCOUNTS:
        user = db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()
        if user is None:
            continue
        rows.append({
            "username": user.username,
            "password": DEMO_PASSWORD,
            "unit_code": user.unit.code,
            "unit_name": user.unit.name,
            "level": user.unit.level,
            "roles": [r.name for r in user.roles],
        })
    return rows


DEMO_DISTRICTS_2025 = "Dữ liệu mẫu: kết thúc cấp huyện của đơn vị mẫu (01/07/2025)"


def _end_demo_districts() -> int:
    """With the 2025 directory in force, the demo's district unions end on 01/07/2025 like every other (their
    grassroots unions and accounts move to the provincial federation). Nothing to do when none is valid."""
    from adminapp import reorganisation, unit_history

    districts = [reference.get_unit(code) for code, _p, _n, _s, kind in DEMO_UNITS if kind == "district_union"]
    districts = [u for u in districts if u is not None and unit_history.is_valid(u, reference.EFFECTIVE_2025)]
    if not districts:
        return 0
    ops = [{"op": "end_level", "units": [u.code], "parent": u.parent.code} for u in districts]
    reorganisation.plan(None, DEMO_DISTRICTS_2025, ops, reference.EFFECTIVE_2025)
    return len(districts)

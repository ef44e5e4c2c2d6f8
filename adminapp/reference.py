"""Reference units of the Vietnam General Confederation of Labour (seed 004).

Level 1 as the 2021 programme knew it: the 63 provincial labour federations
(coded by the official province codes of that time), the 20 central sector
unions and the corporation unions directly under the Confederation. Quotas of
seed 004 §3: at most 4 initiatives each, 5 for the units flagged below.
This is data: administrators can add, rename, move or deactivate units in the UI.
"""
from __future__ import annotations

from datetime import date

from adminapp import directory
from adminapp.extensions import db
from models import Unit

ROOT = ("TLD", "Tổng Liên đoàn Lao động Việt Nam", "TLĐ")

DEFAULT_QUOTA = 4
QUOTA_5 = 5

# (official province code, name) — the 63 provinces and cities before 07/2025.
PROVINCES: list[tuple[str, str]] = [
    ("01", "Hà Nội"), ("02", "Hà Giang"), ("04", "Cao Bằng"), ("06", "Bắc Kạn"), ("08", "Tuyên Quang"),
    ("10", "Lào Cai"), ("11", "Điện Biên"), ("12", "Lai Châu"), ("14", "Sơn La"), ("15", "Yên Bái"),
    ("17", "Hòa Bình"), ("19", "Thái Nguyên"), ("20", "Lạng Sơn"), ("22", "Quảng Ninh"), ("24", "Bắc Giang"),
    ("25", "Phú Thọ"), ("26", "Vĩnh Phúc"), ("27", "Bắc Ninh"), ("30", "Hải Dương"), ("31", "Hải Phòng"),
    ("33", "Hưng Yên"), ("34", "Thái Bình"), ("35", "Hà Nam"), ("36", "Nam Định"), ("37", "Ninh Bình"),
    ("38", "Thanh Hóa"), ("40", "Nghệ An"), ("42", "Hà Tĩnh"), ("44", "Quảng Bình"), ("45", "Quảng Trị"),
    ("46", "Thừa Thiên Huế"), ("48", "Đà Nẵng"), ("49", "Quảng Nam"), ("51", "Quảng Ngãi"), ("52", "Bình Định"),
    ("54", "Phú Yên"), ("56", "Khánh Hòa"), ("58", "Ninh Thuận"), ("60", "Bình Thuận"), ("62", "Kon Tum"),
    ("64", "Gia Lai"), ("66", "Đắk Lắk"), ("67", "Đắk Nông"), ("68", "Lâm Đồng"), ("70", "Bình Phước"),
    ("72", "Tây Ninh"), ("74", "Bình Dương"), ("75", "Đồng Nai"), ("77", "Bà Rịa - Vũng Tàu"),
    ("79", "TP Hồ Chí Minh"), ("80", "Long An"), ("82", "Tiền Giang"), ("83", "Bến Tre"), ("84", "Trà Vinh"),
    ("86", "Vĩnh Long"), ("87", "Đồng Tháp"), ("89", "An Giang"), ("91", "Kiên Giang"), ("92", "Cần Thơ"),
    ("93", "Hậu Giang"), ("94", "Sóc Trăng"), ("95", "Bạc Liêu"), ("96", "Cà Mau"),
]
PROVINCES_QUOTA_5 = {"01", "79", "31", "74", "75"}  # Hà Nội, TP HCM, Hải Phòng, Bình Dương, Đồng Nai

# (code, name, quota-5?) — the 20 central sector unions and equivalents.
SECTOR_UNIONS: list[tuple[str, str, bool]] = [
    ("N01", "Công đoàn Công Thương Việt Nam", True),
    ("N02", "Công đoàn Ngân hàng Việt Nam", True),
    ("N03", "Công đoàn Thông tin và Truyền thông Việt Nam", True),
    ("N04", "Công đoàn Y tế Việt Nam", True),
    ("N05", "Công đoàn Giáo dục Việt Nam", True),
    ("N06", "Ban Công đoàn Quốc phòng", True),
    ("N07", "Công đoàn Công an nhân dân", False),
    ("N08", "Công đoàn Viên chức Việt Nam", False),
    ("N09", "Công đoàn Nông nghiệp và Phát triển nông thôn Việt Nam", False),
    ("N10", "Công đoàn Xây dựng Việt Nam", False),
    ("N11", "Công đoàn Giao thông Vận tải Việt Nam", False),
    ("N12", "Công đoàn Đường sắt Việt Nam", False),
    ("N13", "Công đoàn Cao su Việt Nam", False),
    ("N14", "Công đoàn Dệt May Việt Nam", False),
    ("N15", "Công đoàn Tài chính Việt Nam", False),
    ("N16", "Công đoàn Tài nguyên và Môi trường Việt Nam", False),
    ("N17", "Công đoàn Văn hóa, Thể thao và Du lịch Việt Nam", False),
    ("N18", "Công đoàn Hàng hải Việt Nam", False),
    ("N19", "Công đoàn Bưu điện Việt Nam", False),
    ("N20", "Công đoàn Khoa học và Công nghệ Việt Nam", False),
]

# (code, name, quota-5?) — corporation unions directly under the Confederation.
CORPORATION_UNIONS: list[tuple[str, str, bool]] = [
    ("TCT01", "Công đoàn Điện lực Việt Nam", True),
    ("TCT02", "Công đoàn Dầu khí Việt Nam", True),
    ("TCT03", "Công đoàn Than – Khoáng sản Việt Nam", True),
    ("TCT04", "Công đoàn Tổng Công ty Hàng không Việt Nam", True),
    ("TCT05", "Công đoàn Tập đoàn Hóa chất Việt Nam", False),
    ("TCT06", "Công đoàn Tập đoàn Bưu chính Viễn thông Việt Nam", False),
]


CITIES = {"01", "31", "48", "79", "92"}  # centrally-run cities


def province_federation_name(code: str, name: str) -> str:
    if code == "79":
        return "Liên đoàn Lao động Thành phố Hồ Chí Minh"
    return f"Liên đoàn Lao động {'thành phố' if code in CITIES else 'tỉnh'} {name}"


def level1_specs() -> list[dict]:
    specs = []
    for i, (code, name) in enumerate(PROVINCES):
        specs.append(dict(
            code=code, name=province_federation_name(code, name), short_name=name,
            kind="province_federation", sort_order=i, official_code=code,
            default_quota=QUOTA_5 if code in PROVINCES_QUOTA_5 else DEFAULT_QUOTA,
        ))
    for i, (code, name, q5) in enumerate(SECTOR_UNIONS):
        specs.append(dict(code=code, name=name, short_name=name.removeprefix("Công đoàn ").removeprefix("Ban Công đoàn "),
                          kind="sector_union", sort_order=100 + i, default_quota=QUOTA_5 if q5 else DEFAULT_QUOTA))
    for i, (code, name, q5) in enumerate(CORPORATION_UNIONS):
        specs.append(dict(code=code, name=name, short_name=name.removeprefix("Công đoàn "),
                          kind="corporation_union", sort_order=200 + i,
                          default_quota=QUOTA_5 if q5 else DEFAULT_QUOTA))
    return specs


def get_unit(code: str) -> Unit | None:
    return db.session.execute(db.select(Unit).where(Unit.code == code)).scalar_one_or_none()


def ensure_unit(parent: Unit | None, **spec) -> tuple[Unit, bool]:
    """The unit with spec['code'], created if missing. Existing units are left as edited."""
    unit = get_unit(spec["code"])
    if unit is not None:
        return unit, False
    return directory.create_unit(actor=None, parent=parent, **spec), True


def seed_units(progress=None) -> int:
    """Load the Confederation and its level-1 units. Idempotent; returns how many were created."""
    root, created = ensure_unit(None, code=ROOT[0], name=ROOT[1], short_name=ROOT[2], kind="confederation")
    count = int(created)
    specs = level1_specs()
    for spec in specs:
        _, c = ensure_unit(root, **spec)
        count += int(c)
        if progress:
            progress(1)
    return count


# --------------------------------------------------------------------------- the 2025 directory (34 provinces)
# Nghị quyết số 202/2025/QH15 ngày 12/6/2025 của Quốc hội về việc sắp xếp đơn vị hành chính cấp tỉnh: from
# 1 July 2025, 34 provinces and centrally-run cities (6 cities, 28 provinces); 11 unchanged, 23 formed by merging.
# Official codes: Quyết định số 19/2025/QĐ-TTg (Bảng danh mục và mã số các đơn vị hành chính Việt Nam), where the
# merged province took the code of the province whose seat it kept (15 was Yên Bái, now Lào Cai).
# (official code, name, centrally-run city?, the 2021 provinces it replaced)
PROVINCES_2025: list[tuple[str, str, bool, list[str]]] = [
    ("01", "Hà Nội", True, ["01"]),
    ("04", "Cao Bằng", False, ["04"]),
    ("08", "Tuyên Quang", False, ["02", "08"]),
    ("11", "Điện Biên", False, ["11"]),
    ("12", "Lai Châu", False, ["12"]),
    ("14", "Sơn La", False, ["14"]),
    ("15", "Lào Cai", False, ["10", "15"]),
    ("19", "Thái Nguyên", False, ["06", "19"]),
    ("20", "Lạng Sơn", False, ["20"]),
    ("22", "Quảng Ninh", False, ["22"]),
    ("24", "Bắc Ninh", False, ["24", "27"]),
    ("25", "Phú Thọ", False, ["17", "25", "26"]),
    ("31", "Hải Phòng", True, ["30", "31"]),
    ("33", "Hưng Yên", False, ["33", "34"]),
    ("37", "Ninh Bình", False, ["35", "36", "37"]),
    ("38", "Thanh Hóa", False, ["38"]),
    ("40", "Nghệ An", False, ["40"]),
    ("42", "Hà Tĩnh", False, ["42"]),
    ("44", "Quảng Trị", False, ["44", "45"]),
    ("46", "Huế", True, ["46"]),
    ("48", "Đà Nẵng", True, ["48", "49"]),
    ("51", "Quảng Ngãi", False, ["51", "62"]),
    ("52", "Gia Lai", False, ["52", "64"]),
    ("56", "Khánh Hòa", False, ["56", "58"]),
    ("66", "Đắk Lắk", False, ["54", "66"]),
    ("68", "Lâm Đồng", False, ["60", "67", "68"]),
    ("75", "Đồng Nai", False, ["70", "75"]),
    ("79", "Hồ Chí Minh", True, ["74", "77", "79"]),
    ("80", "Tây Ninh", False, ["72", "80"]),
    ("82", "Đồng Tháp", False, ["82", "87"]),
    ("86", "Vĩnh Long", False, ["83", "84", "86"]),
    ("91", "An Giang", False, ["89", "91"]),
    ("92", "Cần Thơ", True, ["92", "93", "94"]),
    ("96", "Cà Mau", False, ["95", "96"]),
]
EFFECTIVE_2025 = date(2025, 7, 1)
HUE_CITY = date(2025, 1, 1)  # Thừa Thiên Huế became the centrally-run city of Huế (Nghị quyết 1314/NQ-UBTVQH15)
PLAN_2025_TITLE = "Sắp xếp đơn vị hành chính cấp tỉnh 2025 (Nghị quyết 202/2025/QH15): 63 → 34, kết thúc cấp huyện"


def unit_code_2025(official: str) -> str:
    """The unit code of a federation formed in 2025 (unit codes never change; official codes were reused)."""
    return f"2025-{official}"


def federation_name_2025(name: str, city: bool) -> str:
    if name == "Hồ Chí Minh":
        return "Liên đoàn Lao động Thành phố Hồ Chí Minh"
    return f"Liên đoàn Lao động {'thành phố' if city else 'tỉnh'} {name}"


def plan_2025() -> list[dict]:
    """The 2025 reorganisation of the 2021 tree as plan operations: the 23 merges into new federations, then the
    district level ended in each province (its grassroots unions move under the provincial federation)."""
    ops: list[dict] = []
    for i, (official, name, city, sources) in enumerate(PROVINCES_2025):
        if len(sources) == 1:
            continue
        ops.append({"op": "merge", "sources": sources, "new": {
            "code": unit_code_2025(official), "name": federation_name_2025(name, city), "short_name": name,
            "parent": ROOT[0], "kind": "province_federation", "official_code": official, "sort_order": i,
            "default_quota": QUOTA_5 if any(s in PROVINCES_QUOTA_5 for s in sources) else DEFAULT_QUOTA}})
    for official, _name, _city, sources in PROVINCES_2025:
        code = sources[0] if len(sources) == 1 else unit_code_2025(official)
        ops.append({"op": "end_level", "under": code, "level": 2, "kind": "district_union", "parent": code})
    return ops


def seed_units_2025(actor=None) -> int:
    """Apply the 2025 directory to the 2021 tree (idempotent: done once, recognised by its plan). Returns the
    number of units created (0 when already applied)."""
    from adminapp import reorganisation, unit_history

    if directory_2025_applied():
        return 0
    hue = get_unit("46")
    if hue is not None and hue.name != "Liên đoàn Lao động thành phố Huế" and unit_history.is_valid(hue, HUE_CITY):
        directory.rename_unit(actor=actor, unit=hue, name="Liên đoàn Lao động thành phố Huế", short_name="Huế",
                              effective=HUE_CITY)
    before = db.session.execute(db.select(db.func.count()).select_from(Unit)).scalar_one()
    reorganisation.plan(actor, PLAN_2025_TITLE, plan_2025(), EFFECTIVE_2025)
    return db.session.execute(db.select(db.func.count()).select_from(Unit)).scalar_one() - before


def directory_2025_applied() -> bool:
    from models import Reorganisation

    return db.session.execute(db.select(Reorganisation.id).where(Reorganisation.title == PLAN_2025_TITLE,
                                                                 Reorganisation.status == "applied")).first() is not None


def current_unit(code: str) -> Unit | None:
    """The unit with `code`, or the unit it was merged into (followed until one valid today)."""
    from adminapp import unit_history

    unit = get_unit(code)
    seen = set()
    while unit is not None and not unit_history.is_valid(unit) and unit.id not in seen:
        seen.add(unit.id)
        unit = unit_history.successors([unit.id]).get(unit.id)
    return unit

"""Demo campaigns and an open initiatives programme, so `make run` shows the workflows at once.

Made through the services, like real use. Idempotent: each item is created
only if missing (looked up by name or slug). Dates are relative to the day
the demo is first loaded so the programme's public form is open.
"""
from __future__ import annotations

from datetime import date, timedelta

from adminapp import reference
from adminapp.extensions import db
from adminapp.workflow import campaigns as campaign_svc
from adminapp.workflow import demo_programme
from adminapp.workflow import initiatives as initiative_svc
from adminapp.workflow import registrations as registration_svc
from models import Campaign, Initiative, Registration, User

CAMPAIGN_NAME = "Thi đua thực hiện thắng lợi nhiệm vụ kinh tế- xã hội"
DRAFT_NAME = "Thi đua lao động giỏi, lao động sáng tạo (bản nháp)"

DEMO_INITIATIVES = [
    ("01-002-01", "Nguyễn Văn An", "0912345678", "enterprise", "Sản xuất",
     "Cải tiến quy trình kiểm tra công tơ điện tử", 120_000_000),
    ("01-002-02", "Trần Thị Bình", "0987654321", "administration", "Vì cộng đồng (y tế, giáo dục)",
     "Số hóa sổ điểm điện tử cho học sinh", 15_000_000),
    ("40-412-01", "Lê Văn Cường", "0903123456", "enterprise", "Sản phẩm mới",
     "Khuôn ép nhựa tái chế từ phế phẩm", 350_000_000),
]


def _user(username: str) -> User:
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one()


def _participants(codes, fallback):
    from adminapp import unit_history

    units = [reference.get_unit(c) for c in codes]
    if all(u is not None and unit_history.is_valid(u) for u in units):
        return units
    return [reference.get_unit(c) for c in fallback]


def seed_campaigns(today: date) -> int:
    created = 0
    officer = _user("hanoi.officer")
    if not db.session.execute(db.select(Campaign.id).where(Campaign.name == CAMPAIGN_NAME)).first():
        role = campaign_svc.default_role()
        year = today.year
        # the district unions, or (their level ended in 2025) the grassroots unions below them
        units = _participants(("01-002", "01-001"), ("01-002-01", "01-001-01"))
        c = campaign_svc.create_campaign(
            actor=officer, units=[(u, role) for u in units],
            name=CAMPAIGN_NAME, launch_level="province", kind="regular",
            start_date=date(year, 1, 1), end_date=date(year, 12, 31),
            description="Theo chỉ đạo của Chủ tịch UBND thành phố: các đơn vị đăng ký danh sách tham gia.",
            registration_deadline=today + timedelta(days=10), dossier_deadline=date(year, 12, 15),
            for_individuals=True, for_collectives=True,
        )
        campaign_svc.launch_campaign(actor=officer, campaign=c)
        reg = db.session.execute(db.select(Registration).where(
            Registration.campaign_id == c.id, Registration.unit_id == units[0].id)).scalar_one()
        district = _user("hoankiem.officer" if units[0].code == "01-002" else "cdcs.officer")
        registration_svc.add_participants(actor=district, registration=reg, rows=[
            registration_svc.ParticipantData(kind="individual", full_name="Đỗ Thị Lan", birth_year=1985,
                                             position="Chuyên viên", unit_name="LĐLĐ quận Hoàn Kiếm"),
            registration_svc.ParticipantData(kind="collective", full_name="Công đoàn cơ sở Bệnh viện Việt Đức",
                                             unit_name="Quận Hoàn Kiếm"),
        ])
        registration_svc.apply(district, reg.id, "send")
        created += 1
    district = _user("hoankiem.officer")  # after 2025: an officer of the city federation (the district ended)
    if not db.session.execute(db.select(Campaign.id).where(Campaign.name == DRAFT_NAME)).first():
        campaign_svc.create_campaign(
            actor=district, units=[(reference.get_unit("01-002-01"), campaign_svc.default_role())],
            name=DRAFT_NAME, launch_level="district", kind="thematic",
            start_date=today, end_date=today + timedelta(days=90), for_individuals=True, for_collectives=False,
        )
        created += 1
    return created


def seed_programme(today: date) -> int:
    """The seed's programme (adminapp.workflow.demo_programme), open from today, with a few submissions."""
    programme, created = demo_programme.ensure_demo_programme()
    for unit_code, name, phone, group, field, title, benefit in DEMO_INITIATIVES:
        unit = reference.get_unit(unit_code)
        level1 = reference.get_unit(unit_code.split("-")[0])
        if db.session.execute(db.select(Initiative.id).where(Initiative.programme_id == programme.id,
                                                           Initiative.title == title)).first():
            continue
        created = True
        initiative_svc.submit_initiative(programme, {
            "author_name": name, "birth_year": "1985", "position": "Kỹ sư", "phone": phone,
            "level1_unit_id": str(level1.id), "unit_id": str(unit.id), "group": group, "field": field,
            "title": title, "description": f"{title}: tóm tắt nội dung, cách làm và kết quả áp dụng thực tế.",
            "application_date": today - timedelta(days=30),
            "effectiveness": "Giảm thời gian, tiết kiệm chi phí", "benefit_value": str(benefit),
            "scope": "Toàn đơn vị", "awards": "Lao động tiên tiến (2023, 2024)",
        })
    return int(created)


def seed_workflows(today: date | None = None) -> int:
    from adminapp import demo_history

    today = today or date.today()
    return seed_campaigns(today) + seed_programme(today) + demo_history.seed_history(today)

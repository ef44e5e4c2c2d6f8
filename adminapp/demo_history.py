"""Demo of the directory through time (issue 11): a province that merged in 2025, with its history.

Hưng Yên (33) and Thái Bình (34) were two provincial federations in 2021; from 01/07/2025 they form the new
Liên đoàn Lao động tỉnh Hưng Yên (unit 2025-33, adminapp.reference.PROVINCES_2025). The demo holds:
- a 2021 campaign of the national federation with both 2021 federations taking part, their lists sent and
  approved in 2021, ended (archived);
- a 2021 initiatives programme with initiatives of both 2021 federations, closed;
- with the 2025 directory applied (`seed units --directory 2025`), a 2026 campaign of the merged federation.
The 2021 records keep the units they were made for, so their exports and documents print the 2021 names.

The 2021 records are written as the history they are (dates of 2021, as an import of old records would):
the services rightly refuse new records for a unit that has ended, and the 2021 tree may already be
reorganised when the demo loads. Idempotent: each record is looked up by name or slug first.
"""
from __future__ import annotations

from datetime import date, datetime, timedelta

from adminapp import reference, unit_history
from adminapp.extensions import db
from adminapp.text import fold
from models import Campaign, CampaignUnit, Initiative, Participant, Programme, Registration, Unit, User

OLD_CODES = ("33", "34")
MERGED_CODE = reference.unit_code_2025("33")
CAMPAIGN_2021 = "Thi đua lao động giỏi, lao động sáng tạo năm 2021 (LĐLĐ Hưng Yên, Thái Bình)"
CAMPAIGN_2026 = "Thi đua lao động giỏi năm 2026 – LĐLĐ tỉnh Hưng Yên sau hợp nhất"
PROGRAMME_2021 = "Sáng kiến công nhân lao động năm 2021 (Hưng Yên, Thái Bình)"
PROGRAMME_2021_SLUG = "sang-kien-2021-hung-yen-thai-binh"

SENT = datetime(2021, 3, 1, 2, 0)  # naive UTC, 09:00 in Vietnam
REVIEWED = datetime(2021, 3, 10, 2, 0)
SUBMITTED = datetime(2021, 4, 5, 2, 0)

# (old federation, participant, birth year, position, workplace)
PARTICIPANTS_2021 = [
    ("33", "Nguyễn Thị Hạnh", 1982, "Tổ trưởng sản xuất", "Công ty TNHH May Hưng Yên"),
    ("34", "Phạm Văn Toàn", 1979, "Kỹ sư", "Nhà máy Nhiệt điện Thái Bình"),
]
# (old federation, author, phone, title, benefit)
INITIATIVES_2021 = [
    ("33", "Đào Văn Khánh", "0912000331", "Cải tiến dây chuyền đóng gói nhãn lồng Hưng Yên", 80_000_000),
    ("34", "Vũ Thị Mai", "0912000341", "Hệ thống giám sát nhiệt độ lò hơi bằng cảm biến không dây", 240_000_000),
]


def _unit(code: str) -> Unit | None:
    return reference.get_unit(code)


def _user(username: str) -> User | None:
    return db.session.execute(db.select(User).where(User.username == username)).scalar_one_or_none()


def seed_history(today: date) -> int:
    """Create what is missing; returns how many records were created."""
    olds = [_unit(c) for c in OLD_CODES]
    root = _unit(reference.ROOT[0])
    if root is None or any(u is None for u in olds):
        return 0
    return _campaign_2021(root, olds) + _programme_2021(root, olds) + _campaign_2026(today)


def _campaign_2021(root: Unit, olds: list[Unit]) -> int:
    if db.session.execute(db.select(Campaign.id).where(Campaign.name == CAMPAIGN_2021)).first():
        return 0
    from adminapp.workflow import campaigns as campaign_svc

    role = campaign_svc.default_role()
    reviewer = _user("tld.officer")
    c = Campaign(owner_unit_id=root.id, name=CAMPAIGN_2021, launch_level="national", kind="regular",
                 start_date=date(2021, 1, 1), end_date=date(2021, 12, 31),
                 registration_deadline=date(2021, 3, 31), dossier_deadline=date(2021, 11, 30),
                 description="Phong trào năm 2021 của hai LĐLĐ tỉnh Hưng Yên và Thái Bình (trước khi hợp nhất).",
                 for_individuals=True, for_collectives=True, status="archived",
                 created_at=datetime(2021, 1, 5, 2, 0), launched_at=datetime(2021, 1, 6, 2, 0),
                 archived_at=datetime(2022, 1, 10, 2, 0))
    db.session.add(c)
    db.session.flush()
    for unit in olds:
        db.session.add(CampaignUnit(campaign_id=c.id, unit_id=unit.id, role_id=role.id))
        reg = Registration(campaign_id=c.id, unit_id=unit.id, status="approved", created_at=c.launched_at,
                           read_at=c.launched_at + timedelta(days=1), sent_at=SENT, reviewed_at=REVIEWED,
                           reviewed_by_id=reviewer.id if reviewer is not None else None)
        db.session.add(reg)
        db.session.flush()
        mine = [p for p in PARTICIPANTS_2021 if p[0] == unit.code]
        for n, (_code, name, year, position, workplace) in enumerate(mine):
            db.session.add(Participant(registration_id=reg.id, kind="individual", full_name=name, birth_year=year,
                                       position=position, unit_name=workplace, sort_order=n, created_at=SENT))
    db.session.flush()
    return 1


def _programme_2021(root: Unit, olds: list[Unit]) -> int:
    if db.session.execute(db.select(Programme.id).where(Programme.slug == PROGRAMME_2021_SLUG)).first():
        return 0
    from adminapp.workflow import initiatives as initiative_svc
    from adminapp.workflow import programmes

    p = Programme(name=PROGRAMME_2021, slug=PROGRAMME_2021_SLUG, status="archived",
                  submission_opens=date(2021, 3, 10), submission_closes=date(2021, 4, 20),
                  application_from=date(2021, 2, 1), application_to=date(2021, 5, 31),
                  dossier_deadline=date(2021, 4, 22))
    programmes.prepare_new_programme(None, p, root)
    db.session.add(p)
    db.session.flush()
    by_code = {u.code: u for u in olds}
    for code, author, phone, title, benefit in INITIATIVES_2021:
        unit = by_code[code]
        db.session.add(Initiative(
            programme_id=p.id, tracking_code=initiative_svc.new_tracking_code(), author_name=author, birth_year=1980,
            position="Kỹ sư", phone=phone, unit_id=unit.id, level1_unit_id=unit.id, holder_unit_id=unit.id,
            group="enterprise", title=title, title_folded=fold(title)[:300], field="Sản xuất",
            description=f"{title}: tóm tắt nội dung, cách làm và kết quả áp dụng năm 2021.",
            application_date=date(2021, 3, 1), effectiveness="Tiết kiệm chi phí, tăng năng suất",
            benefit_value=benefit, scope="Toàn đơn vị", status="submitted", created_at=SUBMITTED,
            updated_at=SUBMITTED,
        ))
    db.session.flush()
    return 1


def _campaign_2026(today: date) -> int:
    merged = _unit(MERGED_CODE)
    if merged is None or not unit_history.is_valid(merged, today):
        return 0  # the 2025 directory is not applied: the 2021 tree alone
    if db.session.execute(db.select(Campaign.id).where(Campaign.name == CAMPAIGN_2026)).first():
        return 0
    from adminapp.workflow import campaigns as campaign_svc

    officer = _user("tld.officer")
    year = max(today.year, 2026)
    c = campaign_svc.create_campaign(
        actor=officer, units=[(merged, campaign_svc.default_role())], name=CAMPAIGN_2026, launch_level="national",
        kind="regular", start_date=date(year, 1, 1), end_date=max(date(year, 12, 31), today + timedelta(days=60)),
        description="Phong trào của LĐLĐ tỉnh Hưng Yên mới (hợp nhất Hưng Yên và Thái Bình từ 01/07/2025).",
        registration_deadline=today + timedelta(days=20), dossier_deadline=today + timedelta(days=50),
        for_individuals=True, for_collectives=True,
    )
    campaign_svc.launch_campaign(actor=officer, campaign=c)
    return 1

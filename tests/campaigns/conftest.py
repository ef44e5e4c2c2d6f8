"""Factories of the campaigns workflow: data made through the services, one readable default."""
from __future__ import annotations

from datetime import date

import pytest

SEED_NAME = "Thi đua thực hiện thắng lợi nhiệm vụ kinh tế- xã hội"
PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def campaign_values(**overrides):
    values = dict(
        name=SEED_NAME, launch_level="province", kind="regular",
        start_date=date(2021, 1, 1), end_date=date(2021, 12, 31),
        description="Theo chỉ đạo của Chủ tịch UBND thành phố.",
        registration_deadline=date(2021, 3, 31), dossier_deadline=date(2021, 11, 30),
        for_individuals=True, for_collectives=True,
    )
    values.update(overrides)
    return values


@pytest.fixture()
def make_campaign(ctx, user, unit):
    """make_campaign(units=("01-002", "01-001"), launch=True, actor="hanoi.officer", **fields) -> Campaign."""
    from adminapp.extensions import db
    from adminapp.workflow import campaigns as svc

    def _make(units=("01-002", "01-001"), launch=True, actor="hanoi.officer", **fields):
        role = svc.default_role()
        c = svc.create_campaign(actor=user(actor), units=[(unit(code), role) for code in units],
                                **campaign_values(**fields))
        if launch:
            svc.launch_campaign(actor=user(actor), campaign=c)
        db.session.commit()
        return c

    return _make


@pytest.fixture()
def registration_of(ctx):
    from adminapp.extensions import db
    from models import Registration

    def _get(campaign, code):
        from adminapp import reference

        u = reference.get_unit(code)
        return db.session.execute(db.select(Registration).where(
            Registration.campaign_id == campaign.id, Registration.unit_id == u.id)).scalar_one()

    return _get


@pytest.fixture()
def fill(ctx, user):
    """fill(registration, by="hoankiem.officer", n=2): add n participants through the service."""
    from adminapp.extensions import db
    from adminapp.workflow import registrations as regsvc

    def _fill(reg, by="hoankiem.officer", n=2):
        rows = [regsvc.ParticipantData(kind="individual", full_name=f"Nguyễn Văn {i}", birth_year=1980 + i,
                                       position="Chuyên viên", unit_name="Phòng Tổ chức") for i in range(n)]
        regsvc.add_participants(actor=user(by), registration=reg, rows=rows)
        db.session.commit()
        return reg

    return _fill



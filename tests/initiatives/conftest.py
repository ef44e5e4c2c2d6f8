"""Fixtures of the initiatives programme: the seed's programme (004) and submissions made through the service."""
from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time

SEED_NAME = "75 nghìn sáng kiến, vượt khó, phát triển"
# Inside the submission window (10/3 – 20/4/2021), Vietnam time.
IN_WINDOW = "2021-04-01 03:00:00"  # UTC = 10:00 in Hà Nội


@pytest.fixture()
def frozen():
    with freeze_time(IN_WINDOW) as f:
        yield f


@pytest.fixture()
def make_programme(ctx, unit):
    from adminapp.extensions import db
    from adminapp.workflow import programmes

    def _make(**overrides):
        values = dict(
            name=SEED_NAME, slug="75-nghin-sang-kien",
            submission_opens=date(2021, 3, 10), submission_closes=date(2021, 4, 20),
            application_from=date(2021, 2, 1), application_to=date(2021, 5, 31),
            dossier_deadline=date(2021, 4, 22),
        )
        values.update(overrides)
        p = programmes.create_programme(None, owner=unit("TLD"), **values)
        db.session.commit()
        return p

    return _make


@pytest.fixture()
def programme(make_programme):
    return make_programme()


def submission_data(unit_getter, **overrides) -> dict:
    data = dict(
        author_name="Nguyễn Văn An", birth_year="1985", position="Kỹ sư", phone="0912 345 678",
        level1_unit_id=str(unit_getter("01").id), unit_id=str(unit_getter("01-002-01").id),
        group="enterprise", title="Cải tiến quy trình kiểm tra công tơ điện",
        field="Sản xuất", description="Mô tả ngắn gọn sáng kiến.", application_date=date(2021, 3, 1),
        effectiveness="Giảm 30% thời gian kiểm tra", benefit_value="150000000", scope="Toàn công ty",
        awards="Lao động tiên tiến 2019, 2020",
    )
    data.update(overrides)
    return data


@pytest.fixture()
def submit(ctx, unit, programme):
    """submit(**overrides) -> a committed Initiative of the seed programme (time frozen inside the window)."""
    from adminapp.extensions import db
    from adminapp.workflow import initiatives

    counter = {"n": 0}

    def _submit(prog=None, **overrides):
        counter["n"] += 1
        overrides.setdefault("title", f"Sáng kiến số {counter['n']}")
        overrides.setdefault("phone", f"09123450{counter['n']:02d}")
        with freeze_time(IN_WINDOW):
            ini = initiatives.submit_initiative(prog or programme, submission_data(unit, **overrides))
        db.session.commit()
        return ini

    return _submit


@pytest.fixture()
def allot(ctx, user, unit, programme):
    """allot("hanoi.officer", {"01-002": 4}) through the service, committed."""
    from adminapp.extensions import db
    from adminapp.workflow import programmes

    def _allot(username, mapping, prog=None):
        programmes.allot_quotas(user(username), prog or programme,
                                {unit(code).id: n for code, n in mapping.items()})
        db.session.commit()

    return _allot


@pytest.fixture()
def act(ctx, user):
    """act("cdcs.officer", initiative, "appraise", score=80) -> new state, committed."""
    from adminapp.extensions import db
    from adminapp.workflow import initiatives

    def _act(username, initiative, action, **kw):
        try:
            state = initiatives.apply(user(username), initiative, action, **kw)
        except Exception:
            db.session.rollback()
            raise
        db.session.commit()
        return state

    return _act

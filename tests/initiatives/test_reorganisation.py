"""Reorganisation as one operation: merge, move, end a level, rename; counts equal; access after a merge."""
from datetime import date

import pytest
from freezegun import freeze_time

from adminapp import access, reorganisation, unit_history
from adminapp.extensions import db
from adminapp.workflow import campaigns as campaign_svc
from models import AuditEvent, Campaign, Initiative, ProgrammeQuota, Registration, Unit, UnitLink

E = date(2025, 7, 1)
MERGE = [{"op": "merge", "sources": ["40", "42"],
          "new": {"code": "2025-40", "name": "Liên đoàn Lao động tỉnh Nghệ Tĩnh", "short_name": "Nghệ Tĩnh",
                  "parent": "TLD", "kind": "province_federation", "official_code": "40"}}]


@pytest.fixture()
def nghean_data(ctx, user, unit, programme, submit):
    """A Nghệ An campaign (launched, TP Vinh participating) and an initiative of a Vinh grassroots union."""
    officer = user("nghean.officer")
    with freeze_time("2025-05-01 03:00:00"):
        c = _campaign(officer, unit)
    ini = submit(title="Sáng kiến TP Vinh", level1_unit_id=str(unit("40").id), unit_id=str(unit("40-412-01").id))
    hk = submit(title="Sáng kiến Hoàn Kiếm")
    return c, ini, hk


def _campaign(officer, unit):
    c = campaign_svc.create_campaign(
        actor=officer, units=[(unit("40-412"), campaign_svc.default_role())], name="Thi đua Nghệ An 2025",
        launch_level="province", kind="regular", start_date=date(2025, 1, 1), end_date=date(2026, 12, 31),
        registration_deadline=date(2026, 3, 31), for_individuals=True, for_collectives=False)
    campaign_svc.launch_campaign(actor=officer, campaign=c)
    db.session.commit()
    return c


def _get(code):
    return db.session.execute(db.select(Unit).where(Unit.code == code)).scalar_one()


def test_merge_into_a_new_unit(ctx, user, login_as, programme, nghean_data):
    campaign, ini, hk = nghean_data
    quotas = {q.unit_id: q.quota for q in db.session.execute(db.select(ProgrammeQuota)).scalars()}
    q40, q42 = quotas[_get("40").id], quotas[_get("42").id]
    shown = reorganisation.preview(user("admin"), MERGE, E)
    assert shown["counts_before"] == {**shown["counts_after"], "unit": shown["counts_before"]["unit"]}
    assert shown["counts_after"]["unit"] == shown["counts_before"]["unit"] + 1
    assert db.session.execute(db.select(Unit.id).where(Unit.code == "2025-40")).first() is None  # rolled back
    (op,) = shown["operations"]
    assert set(op["ended"]) == {"40", "42"} and "40-412" in op["units"] and op["users"] == 1

    reorg = reorganisation.plan(user("admin"), "Hợp nhất Nghệ An – Hà Tĩnh", MERGE, E)
    db.session.commit()
    assert reorg.status == "applied" and reorg.counts_after["initiative"] == reorg.counts_before["initiative"]
    ev = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "unit.reorganise")).scalar_one()
    assert ev.details["results"][0]["ended"] == ["40", "42"]

    new, old = _get("2025-40"), _get("40")
    assert old.valid_to == date(2025, 6, 30) and not old.active and old.path == "/TLD/2025-40/40/"
    assert new.valid_from == E and new.official_code == "40"
    assert db.session.execute(db.select(UnitLink).where(UnitLink.unit_id == old.id,
                                                        UnitLink.kind == "merged_into")).scalar_one().other_id == new.id
    vinh = _get("40-412")
    assert unit_history.versions_as_of([vinh.id], date(2025, 6, 30))[vinh.id].parent_id == old.id
    assert unit_history.versions_as_of([vinh.id], E)[vinh.id].parent_id == new.id
    # open work continues under the successor; records keep the unit they were made for
    assert db.session.get(Campaign, campaign.id).owner_unit_id == new.id
    ini = db.session.get(Initiative, ini.id)
    assert ini.holder_unit_id in (new.id, _get("40-412-01").id) and ini.level1_unit_id == old.id
    q = db.session.execute(db.select(ProgrammeQuota).where(ProgrammeQuota.unit_id == new.id)).scalar_one()
    assert q.quota == q40 + q42
    # predecessor accounts work under the successor and see the predecessors' records
    nghean = user("nghean.officer")
    assert nghean.unit_id == new.id
    assert access.can(nghean, "initiative.view", ini)
    c = login_as("nghean.officer")
    html = c.get("/admin/initiatives/").get_data(as_text=True)
    assert ini.tracking_code in html and hk.tracking_code not in html
    # a sibling province's officer still sees nothing of it
    assert not access.can(user("hanoi.officer"), "initiative.view", ini)
    assert login_as("hanoi.officer").get(f"/admin/initiatives/details/?id={ini.id}").status_code == 404
    assert not db.session.execute(access.scope(user("hanoi.officer"), Registration, db.select(Registration).where(
        Registration.campaign_id == campaign.id))).first()
    # the directory as of a date
    codes_2021 = {r["code"] for r in unit_history.directory_rows(date(2021, 4, 20), level=1)}
    codes_2026 = {r["code"] for r in unit_history.directory_rows(date(2026, 1, 1), level=1)}
    assert {"40", "42"} <= codes_2021 and "2025-40" not in codes_2021
    assert "2025-40" in codes_2026 and not {"40", "42"} & codes_2026
    row = next(r for r in unit_history.directory_rows(date(2025, 6, 30), level=1) if r["code"] == "40")
    assert row["successor_code"] == "2025-40" and row["valid_to"] == "2025-06-30"


def test_merge_into_existing_end_level_move_and_rename(ctx, user):
    admin = user("admin")
    ops = [
        {"op": "end_level", "under": "01", "level": 2, "parent": "01"},
        {"op": "move", "unit": "40-412", "parent": "01"},
        {"op": "rename", "unit": "01", "name": "Liên đoàn Lao động Thủ đô Hà Nội"},
        {"op": "merge", "sources": ["02", "08"], "target": "08"},
    ]
    reorganisation.plan(admin, "Sắp xếp 2025", ops, E)
    db.session.commit()
    assert _get("01-002").valid_to == date(2025, 6, 30) and _get("01-001").valid_to == date(2025, 6, 30)
    assert _get("01-002-01").parent_id == _get("01").id and _get("01-002-01").level == 2
    assert _get("40-412").parent_id == _get("01").id
    assert user("hoankiem.officer").unit_id == _get("01").id
    assert unit_history.name_at(_get("01").id, date(2021, 1, 1)) == "Liên đoàn Lao động thành phố Hà Nội"
    assert _get("01").name == "Liên đoàn Lao động Thủ đô Hà Nội"
    assert _get("02").valid_to == date(2025, 6, 30) and _get("08").valid_to is None
    assert _get("02").parent_id == _get("08").id


@pytest.mark.parametrize("ops,message", [
    ([{"op": "merge", "sources": ["01"], "target": "01-002"}], "vòng lặp"),
    ([{"op": "merge", "sources": ["01"], "target": "01"}], "chính nó"),
    ([{"op": "move", "unit": "01", "parent": "01-002-01"}], "cấp dưới"),
    ([{"op": "merge", "sources": ["99"], "target": "01"}], "Không có đơn vị"),
    ([{"op": "frobnicate"}], "không rõ loại"),
])
def test_bad_plans_are_refused_and_change_nothing(ctx, user, ops, message):
    before = reorganisation.counts()
    with pytest.raises(reorganisation.ReorganisationError, match=message):
        reorganisation.plan(user("admin"), "X", ops, E)
    db.session.rollback()
    assert reorganisation.counts() == before
    assert _get("01").path == "/TLD/01/"


def test_ended_target_overlap_and_concurrent_plans_are_refused(ctx, user):
    admin = user("admin")
    reorganisation.plan(admin, "A", [{"op": "merge", "sources": ["02"], "target": "08"},
                                     {"op": "rename", "unit": "08", "name": "LĐLĐ Tuyên Quang (mới)"}], E)
    db.session.commit()
    with pytest.raises(reorganisation.ReorganisationError, match="đã hết hiệu lực"):
        reorganisation.plan(admin, "B", [{"op": "merge", "sources": ["04"], "target": "02"}], date(2025, 8, 1))
    db.session.rollback()
    with pytest.raises(reorganisation.ReorganisationError, match="trùng thời kỳ hiệu lực"):
        reorganisation.plan(admin, "C", [{"op": "rename", "unit": "08", "name": "X"}], date(2025, 1, 1))
    db.session.rollback()
    future = date(2099, 1, 1)
    planned = reorganisation.plan(admin, "D", [{"op": "merge", "sources": ["04"], "target": "06"}], future)
    db.session.commit()
    assert planned.status == "planned" and _get("04").valid_to is None
    with pytest.raises(reorganisation.ReorganisationError, match="chưa thực hiện"):
        reorganisation.plan(admin, "E", [{"op": "rename", "unit": "06", "name": "Y"}], future)
    db.session.rollback()
    assert reorganisation.apply_due() == []
    assert reorganisation.apply_due(today=future) == [planned.id]
    assert _get("04").valid_to == date(2098, 12, 31)


def test_past_date_behind_records_is_refused(ctx, user, unit):
    _campaign(user("nghean.officer"), unit)  # made today, for Nghệ An
    with pytest.raises(reorganisation.ReorganisationError, match="đã qua và có"):
        reorganisation.plan(user("admin"), "X", [{"op": "merge", "sources": ["40"], "target": "42"}],
                            date(2025, 7, 1))
    db.session.rollback()


def test_only_a_system_administrator_reorganises(ctx, user):
    with pytest.raises(access.PermissionDenied):
        reorganisation.plan(user("hanoi.officer"), "X", [{"op": "rename", "unit": "01-002", "name": "Y"}], E)


def test_pickers_and_the_public_form_offer_only_units_valid_today(ctx, user, login_as, client, programme):
    reorganisation.plan(user("admin"), "Hợp nhất", MERGE + [
        {"op": "end_level", "units": ["01-002"], "parent": "01"}], E)
    db.session.commit()
    names = {u["name"] for u in client.get(f"/sang-kien/{programme.slug}/units").get_json()}
    assert "Liên đoàn Lao động tỉnh Nghệ Tĩnh" in names and "Liên đoàn Lao động tỉnh Nghệ An" not in names
    subs = {u["name"] for u in client.get(f"/sang-kien/{programme.slug}/units?parent=01").get_json()}
    assert "Công đoàn cơ sở Công ty Điện lực Hoàn Kiếm" in subs and "Liên đoàn Lao động quận Hoàn Kiếm" not in subs
    c = login_as("admin")
    found = {label for _, label in c.get("/admin/users/ajax/lookup/?name=unit&query=nghe").get_json()}
    assert "Liên đoàn Lao động tỉnh Nghệ Tĩnh" in found and "Liên đoàn Lao động tỉnh Nghệ An" not in found
    # closed units are still found in search and filters, with where they went
    html = c.get("/admin/units/?search=nghe+an").get_data(as_text=True)
    assert "Liên đoàn Lao động tỉnh Nghệ An" in html and "đã sáp nhập vào Liên đoàn Lao động tỉnh Nghệ Tĩnh" in html
    # a submission naming an ended unit is refused with the usual message
    from adminapp.workflow import initiatives
    from tests.initiatives.conftest import submission_data

    data = submission_data(lambda code: _get(code), level1_unit_id=str(_get("01").id),
                           unit_id=str(_get("01-002").id))
    with freeze_time("2026-12-01 03:00:00"):
        p = programme
        p.submission_opens, p.submission_closes = date(2026, 11, 1), date(2026, 12, 31)
        db.session.commit()
        with pytest.raises(initiatives.InvalidSubmission) as exc:
            initiatives.submit_initiative(p, data)
    assert "unit_id" in exc.value.errors


def _state():
    """Everything a reorganisation may touch: the tree, versions, links, plans, accounts and every counted table."""
    from models import Reorganisation, UnitVersion, User

    def rows(stmt):
        return sorted(tuple(r) for r in db.session.execute(stmt).all())

    return {
        "counts": reorganisation.counts(),
        "units": rows(db.select(Unit.code, Unit.name, Unit.parent_id, Unit.path, Unit.level, Unit.active,
                                Unit.valid_from, Unit.valid_to)),
        "versions": rows(db.select(UnitVersion.unit_id, UnitVersion.valid_from, UnitVersion.valid_to,
                                   UnitVersion.name, UnitVersion.parent_id)),
        "links": rows(db.select(UnitLink.unit_id, UnitLink.other_id, UnitLink.kind)),
        "plans": rows(db.select(Reorganisation.id, Reorganisation.status)),
        "users": rows(db.select(User.username, User.unit_id)),
        "campaigns": rows(db.select(Campaign.id, Campaign.owner_unit_id)),
        "initiatives": rows(db.select(Initiative.id, Initiative.holder_unit_id, Initiative.unit_id)),
    }


def test_every_refusal_is_vietnamese_and_changes_nothing(ctx, user, unit):
    """Cycles, overlapping validity, an ended merge target, a past date behind records, a second plan while one
    is pending: each refused with its reason, the database exactly as before (issue 11's bad-input list)."""
    admin = user("admin")
    reorganisation.plan(admin, "A", [{"op": "merge", "sources": ["02"], "target": "08"},
                                     {"op": "rename", "unit": "08", "name": "LĐLĐ Tuyên Quang (mới)"}], E)
    _campaign(user("nghean.officer"), unit)  # made today for Nghệ An
    planned = reorganisation.plan(admin, "D", [{"op": "merge", "sources": ["04"], "target": "06"}],
                                  date(2099, 1, 1))
    db.session.commit()
    cases = [
        ("vòng lặp", [{"op": "merge", "sources": ["01"], "target": "01-002"}], E),
        ("cấp dưới", [{"op": "move", "unit": "01", "parent": "01-002-01"}], E),
        ("trùng thời kỳ hiệu lực", [{"op": "rename", "unit": "08", "name": "X"}], date(2025, 1, 1)),
        ("đã hết hiệu lực", [{"op": "merge", "sources": ["04"], "target": "02"}], date(2025, 8, 1)),
        ("đã qua và có", [{"op": "merge", "sources": ["40"], "target": "42"}], E),
        ("chưa thực hiện", [{"op": "rename", "unit": "06", "name": "Y"}], date(2099, 1, 1)),
    ]
    reorganisation.cancel(admin, planned)  # the pending plan is checked last, on its own
    db.session.commit()
    for message, ops, day in cases:
        if message == "chưa thực hiện":
            planned = reorganisation.plan(admin, "D2", [{"op": "merge", "sources": ["04"], "target": "06"}],
                                          date(2099, 1, 1))
            db.session.commit()
        before = _state()
        with pytest.raises(reorganisation.ReorganisationError, match=message) as exc:
            reorganisation.plan(admin, "X", ops, day)
        db.session.rollback()
        assert any(ch in str(exc.value) for ch in "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệịỉĩọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ")
        assert _state() == before, message


def test_two_plans_at_once_one_is_refused(app, user):
    """Two administrators plan at the same moment: one plan is stored, the other is refused with the reason
    (the planners are serialised), on SQLite and PostgreSQL."""
    import threading

    admin_id = user("admin").id
    db.session.remove()
    barrier = threading.Barrier(2)
    outcomes = []

    def plan(ops):
        with app.app_context():
            from models import User

            actor = db.session.get(User, admin_id)
            barrier.wait(30)
            try:
                reorganisation.plan(actor, "Đồng thời", ops, date(2099, 1, 1))
                db.session.commit()
                outcomes.append("planned")
            except reorganisation.ReorganisationError as e:
                db.session.rollback()
                outcomes.append("refused" if "chưa thực hiện" in str(e) else str(e))
            except Exception as exc:  # noqa: BLE001 - reported below
                db.session.rollback()
                outcomes.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=plan, args=([{"op": "merge", "sources": [s], "target": "06"}],))
               for s in ("04", "02")]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["planned", "refused"], outcomes
    from models import Reorganisation

    assert db.session.execute(db.select(db.func.count()).select_from(Reorganisation)
                              .where(Reorganisation.status == "planned")).scalar_one() == 1

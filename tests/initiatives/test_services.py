"""Services of the initiatives programme: window, validation, review up the tree, quotas."""
from __future__ import annotations

import threading
from datetime import date

import pytest
from freezegun import freeze_time

from tests.initiatives.conftest import submission_data


def _count(model, **filters):
    from adminapp.extensions import db

    stmt = db.select(db.func.count()).select_from(model)
    for k, v in filters.items():
        stmt = stmt.where(getattr(model, k) == v)
    return db.session.execute(stmt).scalar_one()


@pytest.mark.parametrize("raw,expected", [
    ("0912 345 678", "0912345678"), ("+84 912345678", "0912345678"), ("84912345678", "0912345678"),
    ("0912.345.678", "0912345678"), ("(091) 234-5678", "0912345678"), ("0387654321", "0387654321"),
])
def test_phone_normalised(raw, expected):
    from adminapp import phone

    assert phone.normalise(raw) == expected


@pytest.mark.parametrize("raw", ["", "12345", "0212345678", "091234567", "09123456789", "abc0912345678", None])
def test_phone_refused(raw):
    from adminapp import phone

    with pytest.raises(phone.InvalidPhone):
        phone.normalise(raw)


@pytest.mark.parametrize("instant,accepted", [
    ("2021-03-09 16:59:59", False),  # 23:59:59 on 09/03 in Hà Nội
    ("2021-03-09 17:00:00", True),   # 00:00:00 on 10/03
    ("2021-04-20 16:59:59", True),   # 23:59:59 on 20/04: last second
    ("2021-04-20 17:00:00", False),  # 00:00:00 on 21/04: closed
    ("2021-04-20 17:00:01", False),  # one second after closing
])
def test_window_edges_in_vietnam_time(ctx, unit, programme, instant, accepted):
    from adminapp.extensions import db
    from adminapp.workflow import initiatives
    from models import Initiative

    with freeze_time(instant):
        if accepted:
            initiatives.submit_initiative(programme, submission_data(unit))
            db.session.commit()
        else:
            with pytest.raises(initiatives.SubmissionClosed) as e:
                initiatives.submit_initiative(programme, submission_data(unit))
            assert "20/04/2021" in e.value.message
            db.session.rollback()
    assert _count(Initiative) == (1 if accepted else 0)


def test_invalid_submission_lists_every_field_and_stores_nothing(ctx, unit, programme, frozen):
    from adminapp.extensions import db
    from adminapp.workflow import initiatives
    from models import AuditEvent, Initiative

    bad = submission_data(
        unit, author_name="", birth_year="năm", phone="12345", level1_unit_id="999999", unit_id="x",
        group="other", title="x" * 301, field="Không có", description="a" * 1001,
        application_date=date(2020, 1, 1), benefit_value="nhiều", awards="b" * 1001,
    )
    with pytest.raises(initiatives.InvalidSubmission) as e:
        initiatives.submit_initiative(programme, bad)
    db.session.rollback()
    assert set(e.value.errors) >= {"author_name", "birth_year", "phone", "level1_unit_id", "group", "title",
                                   "field", "description", "application_date", "benefit_value", "awards"}
    assert _count(Initiative) == 0 and _count(AuditEvent, action="initiative.submit") == 0


def test_description_limit_and_unit_outside_chosen_province(ctx, unit, programme, frozen):
    from adminapp.workflow import initiatives

    ok = initiatives.submit_initiative(programme, submission_data(unit, description="đ" * 1000))
    assert len(ok.description) == 1000
    with pytest.raises(initiatives.InvalidSubmission) as e:
        initiatives.submit_initiative(programme, submission_data(unit, description="đ" * 1001))
    assert "1000" in e.value.errors["description"]
    with pytest.raises(initiatives.InvalidSubmission) as e:
        initiatives.submit_initiative(programme, submission_data(unit, unit_id=str(unit("40-412-01").id)))
    assert "unit_id" in e.value.errors
    with pytest.raises(initiatives.InvalidSubmission) as e:  # birth year too recent
        initiatives.submit_initiative(programme, submission_data(unit, birth_year="2010"))
    assert "birth_year" in e.value.errors


def test_duplicates_are_flagged_not_doubled_silently(submit):
    a = submit(title="Máy cắt tự động", phone="0912345678")
    b = submit(title="  MÁY CẮT   tự động ", phone="+84 912 345 678")
    c = submit(title="Máy cắt tự động", phone="0987654321")
    assert (a.is_duplicate, b.is_duplicate, c.is_duplicate) == (False, True, False)
    assert a.tracking_code != b.tracking_code and len(a.tracking_code) == 10


def test_tracking_needs_code_and_phone(submit, programme):
    from adminapp.workflow import initiatives

    ini = submit(phone="0912345611")
    assert initiatives.track(programme, ini.tracking_code.lower(), "0912 345 611") is ini
    assert initiatives.track(programme, ini.tracking_code, "0912345612") is None
    assert initiatives.track(programme, "ZZZZZZZZZZ", "0912345611") is None
    assert initiatives.track(programme, "", "") is None


def test_default_quotas_of_seed_004(ctx, unit, programme):
    from adminapp.workflow import programmes

    assert programmes.quota_line(programme, unit("01")).quota == 5   # Hà Nội
    assert programmes.quota_line(programme, unit("40")).quota == 4   # Nghệ An
    assert programmes.quota_line(programme, unit("N01")).quota == 5  # Công Thương
    assert programmes.quota_line(programme, unit("01-002")).quota is None


def test_allotment_cannot_exceed_what_was_given(ctx, unit, user, programme, allot):
    from adminapp import access
    from adminapp.extensions import db
    from adminapp.workflow import programmes

    allot("hanoi.officer", {"01-002": 3, "01-001": 2})
    with pytest.raises(programmes.ProgrammeError):
        programmes.allot_quotas(user("hanoi.officer"), programme, {unit("01-001").id: 3})
    db.session.rollback()
    with pytest.raises(programmes.ProgrammeError):  # not a direct subordinate
        programmes.allot_quotas(user("hanoi.officer"), programme, {unit("01-002-01").id: 1})
    db.session.rollback()
    with pytest.raises(access.PermissionDenied):
        programmes.allot_quotas(user("hanoi.viewer"), programme, {unit("01-001").id: 1})
    db.session.rollback()
    with pytest.raises(programmes.ProgrammeError):  # the district has not been given a quota for 40-412
        programmes.allot_quotas(user("vinh.officer"), programme, {unit("40-412-01").id: 1})
    db.session.rollback()
    assert programmes.quota_line(programme, unit("01-002")).label == "đã đề xuất 0/3"


def test_review_climbs_the_tree_to_honour(ctx, unit, user, programme, submit, allot, act):
    from adminapp import access
    from adminapp.extensions import db
    from adminapp.workflow import initiatives, programmes
    from models import AuditEvent

    allot("hanoi.officer", {"01-002": 2})
    allot("hoankiem.officer", {"01-002-01": 2})
    ini = submit()
    with pytest.raises(initiatives.TransitionNotAllowed):  # appraisal needs a score or an opinion
        act("cdcs.officer", ini, "appraise")
    with pytest.raises(access.PermissionDenied):  # the district cannot act on what sits at the grassroots unit
        act("hoankiem.officer", ini, "appraise", score=90)
    assert act("cdcs.officer", ini, "appraise", score=85, opinion="Tốt") == "appraised"
    assert act("cdcs.officer", ini, "nominate") == "nominated"
    assert ini.holder_unit.code == "01-002"
    assert programmes.quota_line(programme, unit("01-002-01")).label == "đã đề xuất 1/2"
    assert act("cdcs.officer", ini, "withdraw") == "appraised"
    assert ini.holder_unit.code == "01-002-01"
    assert programmes.quota_line(programme, unit("01-002-01")).label == "đã đề xuất 0/2"
    act("cdcs.officer", ini, "nominate")
    assert act("hoankiem.officer", ini, "select", score=90) == "selected"
    with pytest.raises(initiatives.TransitionNotAllowed):  # the upper level acted: no withdrawal
        act("cdcs.officer", ini, "withdraw")
    act("hoankiem.officer", ini, "nominate")
    act("hanoi.officer", ini, "select")
    act("hanoi.officer", ini, "nominate")
    assert ini.holder_unit.code == "TLD"
    assert programmes.quota_line(programme, unit("01")).label == "đã đề xuất 1/5"
    with pytest.raises(initiatives.TransitionNotAllowed):
        act("tld.officer", ini, "nominate")
    assert act("tld.officer", ini, "honour") == "honoured"
    events = db.session.execute(
        db.select(AuditEvent.action).where(AuditEvent.object_type == "initiative",
                                           AuditEvent.object_id == str(ini.id)).order_by(AuditEvent.id)
    ).scalars().all()
    assert events == ["initiative.submit", "initiative.appraise", "initiative.nominate", "initiative.withdraw",
                      "initiative.nominate", "initiative.select", "initiative.nominate", "initiative.select",
                      "initiative.nominate", "initiative.honour"]
    assert db.session.execute(db.select(db.func.count()).select_from(initiatives.Initiative).where(
        initiatives.nominated_by_condition(unit("01-002")))).scalar_one() == 1


def test_reject_needs_reason_and_bulk_counts_skips(ctx, unit, user, programme, submit, allot, act):
    from adminapp.extensions import db
    from adminapp.workflow import initiatives

    a, b, c = submit(), submit(), submit()
    act("cdcs.officer", a, "appraise", score=50)
    with pytest.raises(initiatives.TransitionNotAllowed):
        act("cdcs.officer", b, "reject", reason="  ")
    result = initiatives.apply_bulk(user("cdcs.officer"), [a, b, c], "appraise", opinion="Đạt")
    db.session.commit()
    assert [i.id for i in result.changed] == [b.id, c.id] and result.skipped[0][0] is a
    assert "1 bỏ qua" in result.message("appraise")
    assert act("cdcs.officer", a, "reject", reason="Không mới") == "rejected"
    assert a.reject_reason == "Không mới"
    # nominate without an allotted quota: refused with a clear message
    with pytest.raises(initiatives.QuotaExceeded) as e:
        act("cdcs.officer", b, "nominate")
    assert "chưa được cấp trên phân bổ" in e.value.message


def test_quota_race_ten_threads_against_quota_four(ctx, unit, user, programme, submit, allot, act):
    """10 officers nominate at the same moment against quota 4: exactly 4 go up (conditional UPDATE)."""
    from adminapp.extensions import db
    from adminapp.workflow import initiatives, programmes
    from models import Initiative, User

    allot("hanoi.officer", {"01-002": 4})
    allot("hoankiem.officer", {"01-002-01": 4})
    ids = []
    for _ in range(10):
        ini = submit()
        act("cdcs.officer", ini, "appraise", score=70)
        ids.append(ini.id)
    programme_id = programme.id
    db.session.remove()
    app = ctx
    barrier = threading.Barrier(10)
    outcomes: list[str] = []
    lock = threading.Lock()

    def worker(iid):
        with app.app_context():
            try:
                officer = db.session.execute(db.select(User).where(User.username == "cdcs.officer")).scalar_one()
                ini = db.session.get(Initiative, iid)
                barrier.wait(timeout=10)
                initiatives.apply(officer, ini, "nominate")
                db.session.commit()
                outcome = "ok"
            except initiatives.QuotaExceeded:
                db.session.rollback()
                outcome = "quota"
            except Exception as e:  # noqa: BLE001
                db.session.rollback()
                outcome = f"error {type(e).__name__}: {e}"
            finally:
                db.session.remove()
            with lock:
                outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(outcomes) == ["ok"] * 4 + ["quota"] * 6, outcomes
    assert _count(Initiative, status="nominated") == 4
    from models import AuditEvent

    assert _count(AuditEvent, action="initiative.nominate") == 4  # refused nominations left no trace
    prog = db.session.get(programmes.Programme, programme_id)
    assert programmes.quota_line(prog, unit("01-002-01")).label == "đã đề xuất 4/4"


def test_scope_of_initiatives(ctx, unit, user, programme, submit):
    from adminapp import access
    from adminapp.extensions import db
    from models import Initiative

    hk = submit()
    vinh = submit(level1_unit_id=str(unit("40").id), unit_id=str(unit("40-412-01").id))

    def visible(username):
        q = access.scope(user(username), Initiative, db.select(Initiative.id))
        return set(db.session.execute(q).scalars())

    assert visible("hanoi.officer") == {hk.id}
    assert visible("cdcs.officer") == {hk.id}
    assert visible("vinh.officer") == {vinh.id}
    assert visible("tld.officer") == {hk.id, vinh.id}
    assert not access.in_scope(user("nghean.officer"), hk)


def test_cli_loads_the_demo_programme(ctx):
    from adminapp.workflow import programmes

    runner = ctx.test_cli_runner()
    result = runner.invoke(args=["sang-kien", "demo"])
    assert result.exit_code == 0 and "/sang-kien/75-nghin-sang-kien/" in result.output
    assert programmes.window_state(programmes.get_by_slug("75-nghin-sang-kien")) == "open"
    assert "Đã có" in runner.invoke(args=["sang-kien", "demo"]).output


def test_programmes_of_the_same_year_keep_their_own_data(ctx, unit, programme, make_programme, submit, allot):
    from adminapp.workflow import initiatives, programmes

    first = programme
    second = make_programme(name="Sáng kiến an toàn lao động 2021", slug="an-toan-2021")
    a = submit(first, phone="0912000001")
    b = submit(second, phone="0912000001")  # same phone and title in another programme: not a duplicate
    assert not b.is_duplicate
    assert initiatives.track(second, a.tracking_code, "0912000001") is None
    allot("hanoi.officer", {"01-002": 1}, prog=first)
    assert programmes.quota_line(second, unit("01-002")).quota is None
    assert programmes.quota_line(first, unit("01-002")).quota == 1



def test_visible_programmes_follow_each_scope_with_the_kept_statement(app, ctx, unit, user, make_programme):
    """visible_programmes keeps its statement per scope for the process (programmes._visible_programmes_statement):
    officers of different units, a global administrator, and an officer whose unit moved to another province
    each get their own programmes, whatever was read before."""
    from flask import g

    from adminapp import directory
    from adminapp.extensions import db
    from adminapp.workflow import programmes

    national = make_programme()
    local = programmes.create_programme(
        None, owner=unit("01"), name="Hà Nội sáng tạo", slug="ha-noi-sang-tao",
        submission_opens=national.submission_opens, submission_closes=national.submission_closes,
        application_from=national.application_from, application_to=national.application_to)
    db.session.commit()

    def names(username):
        with app.test_request_context():
            g.pop("visible_programmes", None)  # the request's own cache (the test's app context outlives it)
            return {row.name for row in programmes.visible_programmes(user(username))}

    for _ in range(2):  # the second round reads the kept statements
        assert names("hanoi.officer") == {national.name, local.name}
        assert names("cdcs.officer") == {national.name, local.name}
        assert names("nghean.officer") == {national.name}
        assert names("admin") == {national.name, local.name}
    directory.move_unit(actor=None, unit=unit("01-002-01"), new_parent=unit("40"))
    db.session.commit()
    db.session.expire_all()
    assert names("cdcs.officer") == {national.name}
    assert names("hanoi.officer") == {national.name, local.name}

"""Issue 12: every change kept as a revision, the Lịch sử page, diff, restore and its refusals. Both databases."""
from __future__ import annotations

import ast
import io
import json
import re
from datetime import date
from pathlib import Path

import pytest

from adminapp import audit, labels, revisions
from adminapp.extensions import db
from models import (
    AuditEvent,
    Campaign,
    CampaignAttachment,
    Dossier,
    Notification,
    Programme,
    ProgrammeQuota,
    Registration,
    Revision,
    Role,
    Unit,
    User,
)
from tests.conftest import csrf_from

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
ROOT = Path(__file__).resolve().parent.parent


def revs(obj_type: str, obj_id: int) -> list[Revision]:
    return list(db.session.execute(db.select(Revision).where(Revision.object_type == obj_type,
                                                             Revision.object_id == obj_id)
                                   .order_by(Revision.id)).scalars())


def campaign_values(**kw):
    values = dict(name="Thi đua thực hiện thắng lợi nhiệm vụ kinh tế- xã hội", launch_level="province",
                  kind="regular", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31),
                  description="Theo chỉ đạo của thành phố.", registration_deadline=date(2026, 11, 30),
                  dossier_deadline=date(2026, 12, 31), for_individuals=True, for_collectives=True)
    values.update(kw)
    return values


@pytest.fixture()
def campaign(ctx, user, unit):
    from adminapp.workflow import campaigns as svc

    c = svc.create_campaign(actor=user("hanoi.officer"), units=[(unit("01-002"), svc.default_role())],
                            **campaign_values())
    db.session.commit()
    return c


def restore_via_page(client, obj_type, obj_id, revision_id, version=None):
    page = client.get(f"/admin/history/{obj_type}/{obj_id}/")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    if version is None:
        m = re.search(rf'restore/{revision_id}".*?name="version" value="([^"]*)"', html, re.S)
        version = m.group(1) if m else ""
    r = client.post(f"/admin/history/{obj_type}/{obj_id}/restore/{revision_id}",
                    data={"csrf_token": csrf_from(html), "version": version})
    assert r.status_code == 302
    return client.get(r.headers["Location"]).get_data(as_text=True)


def test_campaign_aggregate_revisions_and_restore(campaign, user, unit, login_as):
    from adminapp.workflow import campaigns as svc

    officer = user("hanoi.officer")
    first = revs("campaign", campaign.id)
    assert [r.action for r in first] == ["create"] and first[0].actor_id == officer.id
    assert first[0].snapshot["units"] == [[unit("01-002").id, svc.default_role().id]]
    svc.update_campaign(actor=officer, campaign=campaign, **campaign_values(description="Nội dung mới ghi đè."))
    svc.add_participating_unit(actor=officer, campaign=campaign, unit=unit("01-001"), role=svc.default_role())
    att = svc.add_attachment(actor=officer, campaign=campaign, filename="Kế hoạch.pdf", data=PDF)
    svc.add_link(actor=officer, campaign=campaign, url="https://example.vn/ke-hoach", title="Kế hoạch")
    db.session.commit()  # one user action: one revision
    svc.remove_attachment(actor=officer, attachment=att)
    db.session.commit()
    history = revs("campaign", campaign.id)
    assert [r.action for r in history] == ["create", "update", "update"]
    change = history[1].changes
    assert change["description"] == ["Theo chỉ đạo của thành phố.", "Nội dung mới ghi đè."]
    assert len(change["units"][1]) == 2 and change["links"][1] == [["https://example.vn/ke-hoach", "Kế hoạch"]]
    assert history[2].changes["attachments"] == [[[att.id, "Kế hoạch.pdf"]], []]

    # the page, in Vietnamese: unit names, no raw ids or codes
    c = login_as("hanoi.officer")
    html = c.get(f"/admin/history/campaign/{campaign.id}/").get_data(as_text=True)
    assert "Diễn giải" in html and "Nội dung mới ghi đè." in html and "Liên đoàn Lao động quận Ba Đình" in html
    assert "Trần Văn Hùng" in html and "Tạo mới" in html
    assert "registration_deadline" not in html and "owner_unit_id" not in html

    # back to the version after the second revision: the file comes back, description stays
    html = restore_via_page(c, "campaign", campaign.id, history[1].id)
    assert "Đã khôi phục phiên bản" in html
    db.session.expire_all()
    back = db.session.get(Campaign, campaign.id)
    assert [a.filename for a in back.attachments] == ["Kế hoạch.pdf"]
    # and to the very first: description, units and links as created
    html = restore_via_page(c, "campaign", campaign.id, history[0].id)
    assert "Đã khôi phục phiên bản" in html, re.findall(r'alert[^>]*>(.*?)</div>', html, re.S)
    db.session.expire_all()
    back = db.session.get(Campaign, campaign.id)
    assert back.description == "Theo chỉ đạo của thành phố."
    assert [cu.unit.code for cu in back.units] == ["01-002"] and back.links == [] and back.attachments == []
    last = revs("campaign", campaign.id)[-1]
    assert last.action == "restore" and last.restored_from_id == history[0].id
    assert "Khôi phục" in html and f"#{history[0].id}" in html  # shows where it came from


def test_a_bulk_action_with_a_skipped_row_keeps_the_revisions_of_the_others(campaign, user):
    from adminapp.workflow import campaigns as svc

    empty = svc.create_campaign(actor=user("hanoi.officer"), units=[], **campaign_values(name="Chưa có đơn vị"))
    db.session.commit()
    result = svc.launch_many(actor=user("hanoi.officer"), campaigns=[campaign, empty])  # one savepoint each
    db.session.commit()
    assert result.changed == [campaign.id] and [s[0] for s in result.skipped] == [empty.id]
    assert revs("campaign", campaign.id)[-1].changes["status"] == ["draft", "launched"]
    assert [r.action for r in revs("campaign", empty.id)] == ["create"]


def test_a_restore_never_undoes_a_launch(campaign, user):
    from adminapp.workflow import campaigns as svc

    svc.launch_campaign(actor=user("hanoi.officer"), campaign=campaign)
    db.session.commit()
    first = revs("campaign", campaign.id)[0]
    revisions.restore(user("hanoi.officer"), first)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).status == "launched"
    assert db.session.execute(db.select(db.func.count()).select_from(Registration)
                              .where(Registration.campaign_id == campaign.id)).scalar_one() == 1


def test_restore_is_refused_by_scope_and_by_a_newer_edit(campaign, user, login_as):
    from adminapp.workflow import campaigns as svc

    svc.update_campaign(actor=user("hanoi.officer"), campaign=campaign, **campaign_values(name="Tên đã sửa"))
    db.session.commit()
    first = revs("campaign", campaign.id)[0]
    # another province: the history and the restore do not exist for it
    other = login_as("nghean.officer")
    assert other.get(f"/admin/history/campaign/{campaign.id}/").status_code == 404
    assert other.get(f"/admin/history/campaign/{campaign.id}/export.xlsx").status_code == 404
    token = csrf_from(other.get("/password").get_data(as_text=True))
    assert other.post(f"/admin/history/campaign/{campaign.id}/restore/{first.id}",
                      data={"csrf_token": token}).status_code == 404
    # a viewer of Hà Nội sees the history, cannot restore
    viewer = login_as("hanoi.viewer")
    assert "Khôi phục bản ghi" not in viewer.get(f"/admin/history/campaign/{campaign.id}/").get_data(as_text=True)
    token = csrf_from(viewer.get("/password").get_data(as_text=True))
    assert viewer.post(f"/admin/history/campaign/{campaign.id}/restore/{first.id}",
                       data={"csrf_token": token}).status_code == 403
    # the officer's history page was opened before a colleague's edit: refused, nothing changed
    c = login_as("hanoi.officer")
    html = c.get(f"/admin/history/campaign/{campaign.id}/").get_data(as_text=True)
    stale = re.search(r'name="version" value="(\d+)"', html).group(1)
    svc.update_campaign(actor=user("hanoi.officer"), campaign=db.session.get(Campaign, campaign.id),
                        **campaign_values(name="Tên của đồng nghiệp"))
    db.session.commit()
    r = c.post(f"/admin/history/campaign/{campaign.id}/restore/{first.id}",
               data={"csrf_token": csrf_from(html), "version": stale})
    page = c.get(r.headers["Location"]).get_data(as_text=True)
    assert "vừa được người khác sửa" in page
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).name == "Tên của đồng nghiệp"


def test_participant_list_revisions_restore_only_while_editable(campaign, user, unit):
    from adminapp.workflow import campaigns as svc
    from adminapp.workflow import registrations as regsvc

    svc.launch_campaign(actor=user("hanoi.officer"), campaign=campaign)
    db.session.commit()
    reg = db.session.execute(db.select(Registration).where(Registration.campaign_id == campaign.id)).scalar_one()
    rows = [regsvc.ParticipantData(kind="individual", full_name=n, birth_year=1980) for n in ("An", "Bình")]
    regsvc.add_participants(actor=user("hoankiem.officer"), registration=reg, rows=rows)
    db.session.commit()
    p = db.session.get(Registration, reg.id).participants[0]
    regsvc.remove_participant(actor=user("hoankiem.officer"), registration=reg, participant_id=p.id)
    db.session.commit()
    history = revs("registration", reg.id)
    assert [len(r.snapshot["participants"]) for r in history] == [0, 2, 1]
    revisions.restore(user("hoankiem.officer"), history[1])
    db.session.commit()
    db.session.expire_all()
    assert [x.full_name for x in db.session.get(Registration, reg.id).participants] == ["An", "Bình"]
    regsvc.apply(user("hoankiem.officer"), reg.id, "send")
    db.session.commit()
    with pytest.raises(regsvc.TransitionError, match="Danh sách đã gửi"):
        revisions.restore(user("hoankiem.officer"), history[0])
    db.session.rollback()
    sent = revs("registration", reg.id)[-1]
    assert sent.changes["status"] == ["not_sent", "pending"]
    # a review move is a light revision (the list's own columns); its whole state is read back through history
    assert "participants" not in sent.snapshot
    assert [p[1] for p in revisions.state_at(sent)["participants"]] == ["An", "Bình"]


def test_bulk_approval_writes_one_revision_per_list_in_one_insert(ctx, user, unit):
    from adminapp.workflow import campaigns as svc
    from adminapp.workflow import registrations as regsvc

    role = svc.default_role()
    codes = ["01-002", "01-001"]
    c = svc.create_campaign(actor=user("hanoi.officer"), units=[(unit(x), role) for x in codes], **campaign_values())
    svc.launch_campaign(actor=user("hanoi.officer"), campaign=c)
    db.session.commit()
    regs = db.session.execute(db.select(Registration).where(Registration.campaign_id == c.id)).scalars().all()
    for reg, code in zip(regs, codes, strict=True):
        officer = user("hoankiem.officer") if reg.unit.code == "01-002" else None
        if officer is None:  # Ba Đình has no demo officer: its list is sent by an account made for it
            from adminapp import accounts

            officer = accounts.create_user(actor=None, username="badinh.officer", full_name="Ngô Văn Tâm",
                                           unit=reg.unit, password="Demo@2026",
                                           roles=[db.session.execute(db.select(Role).where(
                                               Role.name == "officer")).scalar_one()])
        regsvc.add_participants(actor=officer, registration=reg, rows=[
            regsvc.ParticipantData(kind="individual", full_name=f"Người {code}", birth_year=1980)])
        regsvc.apply(officer, reg.id, "send")
    db.session.commit()
    from sqlalchemy import event

    inserts, notices, people = [], [], []

    def count(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        if statement.startswith("INSERT INTO revision"):
            inserts.append(statement)
        if statement.startswith("INSERT INTO notification"):
            notices.append(statement)
        if statement.lstrip().startswith("SELECT") and "user_account.unit_id IN" in statement:
            people.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        result = regsvc.apply_bulk(user("hanoi.officer"), [r.id for r in regs], "reject", "Thiếu hồ sơ")
        db.session.commit()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    assert len(result.changed) == 2
    assert len(inserts) == 1  # one multi-row INSERT for the whole bulk action
    # the units' people are read once, their notices written in one INSERT (not one of each per list)
    assert len(people) == 1 and len(notices) == 1, (people, notices)
    assert {n.user.username for n in db.session.execute(db.select(Notification).where(
        Notification.kind == "registration.reject")).scalars()} == {"hoankiem.officer", "badinh.officer"}
    for r in regs:
        last = revs("registration", r.id)[-1]
        assert last.changes["status"] == ["pending", "rejected"] and last.actor_id == user("hanoi.officer").id


def test_unit_user_role_programme_revisions_and_restore(ctx, user, unit, login_as):
    officer, admin = user("hanoi.officer"), user("admin")
    # unit: renamed and moved through the edit page, restored
    hk = unit("01-002")
    c = login_as("hanoi.officer")
    url = f"/admin/units/edit/?id={hk.id}"
    from tests.security.discover import main_form

    form = {k: f.value for k, f in main_form(c.get(url).get_data(as_text=True)).fields.items()
            if not (f.type == "checkbox" and not f.value)}
    form["name"] = "Liên đoàn Lao động quận Hoàn Kiếm (đổi tên)"
    assert c.post(url, data=form).status_code == 302
    history = revs("unit", hk.id)
    assert history[-1].changes["name"][1] == "Liên đoàn Lao động quận Hoàn Kiếm (đổi tên)"
    assert history[-1].actor_id == officer.id
    revisions.restore(officer, history[0])
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Unit, hk.id).name == "Liên đoàn Lao động quận Hoàn Kiếm"

    # user: roles and name changed, restored; the password hash never leaves the user table
    viewer = user("hanoi.viewer")
    leader = db.session.execute(db.select(Role).where(Role.name == "leader")).scalar_one()
    viewer.full_name, viewer.roles = "Phạm Minh Đức (sửa)", [leader]
    from adminapp import accounts

    accounts.set_password(viewer, "MatKhauMoi#2026")
    audit.record(officer, viewer, "user.update")
    db.session.commit()
    history = revs("user_account", viewer.id)
    assert history[-1].changes["roles"][1] == [leader.id] and "password" in history[-1].changes
    raw = json.dumps([r.snapshot for r in db.session.execute(db.select(Revision)).scalars()], ensure_ascii=False)
    assert "$argon2" not in raw
    page = c.get(f"/admin/history/user_account/{viewer.id}/").get_data(as_text=True)
    assert "Mật khẩu" in page and "(đã đặt)" in page and "Lãnh đạo đơn vị" in page
    revisions.restore(officer, history[0])
    db.session.commit()
    db.session.expire_all()
    back = db.session.get(User, viewer.id)
    assert back.full_name == "Phạm Minh Đức" and [r.name for r in back.roles] == ["viewer"]

    # role: permissions changed by the administrator, restored; an officer may not restore roles
    role = db.session.execute(db.select(Role).where(Role.name == "viewer")).scalar_one()
    role.permissions = role.permissions + ["registration.review"]
    audit.record(admin, role, "role.update")
    db.session.commit()
    from adminapp import access

    with pytest.raises(access.PermissionDenied):
        revisions.restore(officer, revs("role", role.id)[0])
    db.session.rollback()
    revisions.restore(admin, revs("role", role.id)[0])
    db.session.commit()
    db.session.expire_all()
    assert "registration.review" not in db.session.get(Role, role.id).permissions

    # programme
    from adminapp.workflow import programmes

    p = programmes.create_programme(admin, owner=unit("TLD"), name="75 nghìn sáng kiến", slug="75-nghin",
                                    submission_opens=date(2026, 3, 10), submission_closes=date(2026, 4, 20),
                                    application_from=date(2026, 2, 1), application_to=date(2026, 5, 31))
    db.session.commit()
    p.description = "Mô tả sai"
    p.submission_closes = date(2026, 5, 1)
    audit.record(admin, p, "programme.update")
    db.session.commit()
    history = revs("programme", p.id)
    assert history[-1].changes["submission_closes"] == ["2026-04-20", "2026-05-01"]
    page = login_as("admin").get(f"/admin/history/programme/{p.id}/").get_data(as_text=True)
    assert "20/04/2026" in page and "01/05/2026" in page  # dd/mm/yyyy, not ISO
    revisions.restore(admin, history[0])
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Programme, p.id).submission_closes == date(2026, 4, 20)


def test_quota_restore_is_refused_below_what_was_nominated(ctx, user, unit):
    from freezegun import freeze_time

    from adminapp.workflow import initiatives, programmes
    from tests.initiatives.conftest import IN_WINDOW, submission_data

    admin = user("admin")
    p = programmes.create_programme(admin, owner=unit("TLD"), name="75 nghìn sáng kiến", slug="75-nghin-sk",
                                    submission_opens=date(2021, 3, 10), submission_closes=date(2021, 4, 20),
                                    application_from=date(2021, 2, 1), application_to=date(2021, 5, 31))
    db.session.commit()
    programmes.allot_quotas(user("hanoi.officer"), p, {unit("01-002").id: 1})
    db.session.commit()
    programmes.allot_quotas(user("hanoi.officer"), p, {unit("01-002").id: 3})
    db.session.commit()
    quota = db.session.execute(db.select(ProgrammeQuota).where(ProgrammeQuota.unit_id == unit("01-002").id,
                                                               ProgrammeQuota.programme_id == p.id)).scalar_one()
    programmes.allot_quotas(user("hoankiem.officer"), p, {unit("01-002-01").id: 2})
    db.session.commit()
    with freeze_time(IN_WINDOW):
        for i in range(2):
            ini = initiatives.submit_initiative(p, submission_data(unit, title=f"Sáng kiến {i}", phone=f"091234567{i}"))
            db.session.commit()
            initiatives.apply(user("cdcs.officer"), ini, "appraise", score=80)
            initiatives.apply(user("cdcs.officer"), ini, "nominate")
            db.session.commit()
            initiatives.apply(user("hoankiem.officer"), ini, "select", score=90)
            initiatives.apply(user("hoankiem.officer"), ini, "nominate")
            db.session.commit()
    history = revs("programme_quota", quota.id)
    assert [r.snapshot["quota"] for r in history] == [1, 3]
    from adminapp.workflow.programmes import ProgrammeError

    with pytest.raises(ProgrammeError, match="không thể nhỏ hơn 2"):
        revisions.restore(user("hanoi.officer"), history[0])
    db.session.rollback()
    programmes.allot_quotas(user("hanoi.officer"), p, {unit("01-002").id: 4})
    db.session.commit()
    revisions.restore(user("hanoi.officer"), history[1])  # back to 3: above the 2 already nominated
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ProgrammeQuota, quota.id).quota == 3
    assert revs("programme_quota", quota.id)[-1].action == "restore"


def test_the_quota_page_links_each_allotted_quota_to_its_history(ctx, user, unit, login_as):
    from adminapp.workflow import programmes

    p = programmes.create_programme(user("admin"), owner=unit("TLD"), name="75 nghìn sáng kiến", slug="75-nghin-ls",
                                    submission_opens=date(2021, 3, 10), submission_closes=date(2021, 4, 20),
                                    application_from=date(2021, 2, 1), application_to=date(2021, 5, 31))
    db.session.commit()
    programmes.allot_quotas(user("hanoi.officer"), p, {unit("01-002").id: 3})
    db.session.commit()
    quota = db.session.execute(db.select(ProgrammeQuota).where(ProgrammeQuota.unit_id == unit("01-002").id,
                                                               ProgrammeQuota.programme_id == p.id)).scalar_one()
    c = login_as("hanoi.officer")
    html = c.get(f"/admin/programmes/{p.id}/quotas").get_data(as_text=True)
    link = f"/admin/history/programme_quota/{quota.id}/"
    assert link in html and html.count('class="quota-history"') == 1  # only the allotted line has a history
    r = c.get(link)
    assert r.status_code == 200 and "Chỉ tiêu" in r.get_data(as_text=True)
    assert login_as("nghean.officer").get(link).status_code == 404  # out of scope: not found


def test_dossier_revisions_and_restore(ctx, user, unit, login_as):
    from adminapp.workflow import dossiers, programmes

    admin = user("admin")
    p = programmes.create_programme(admin, owner=unit("TLD"), name="75 nghìn sáng kiến", slug="75-nghin-ds",
                                    submission_opens=date(2026, 3, 10), submission_closes=date(2026, 12, 20),
                                    application_from=date(2026, 2, 1), application_to=date(2026, 12, 31))
    db.session.commit()
    officer = user("hanoi.officer")
    d = dossiers.get_or_new(p, unit("01"))
    dossiers.update_dossier(officer, d, letter_number="125/TTr-LĐLĐ", letter_date=date(2026, 4, 20),
                            signer="Phạm Quang Thanh", file_name="to-trinh.pdf", file_data=PDF)
    db.session.commit()
    dossiers.update_dossier(officer, d, letter_number="999/SAI", letter_date=date(2026, 4, 21), signer="Ai đó")
    db.session.commit()
    history = revs("initiative_dossier", d.id)
    assert [r.action for r in history] == ["create", "update"]
    assert history[0].snapshot["file_data"]["size"] == len(PDF)  # a fingerprint, not the bytes
    revisions.restore(officer, history[0])
    db.session.commit()
    db.session.expire_all()
    back = db.session.get(Dossier, d.id)
    assert (back.letter_number, back.signer) == ("125/TTr-LĐLĐ", "Phạm Quang Thanh")
    html = login_as("hanoi.officer").get(f"/admin/history/initiative_dossier/{d.id}/").get_data(as_text=True)
    assert "Số Tờ trình" in html and "999/SAI" in html


def test_diff_of_two_revisions_and_history_export(campaign, user, login_as):
    from openpyxl import load_workbook

    from adminapp.workflow import campaigns as svc

    svc.update_campaign(actor=user("hanoi.officer"), campaign=campaign,
                        **campaign_values(kind="thematic", for_collectives=False))
    db.session.commit()
    a, b = revs("campaign", campaign.id)
    c = login_as("hanoi.officer")
    html = c.get(f"/admin/history/campaign/{campaign.id}/diff?a={a.id}&b={b.id}").get_data(as_text=True)
    assert "Thường xuyên" in html and "Theo chuyên đề (theo đợt)" in html and "khác" in html
    r = c.get(f"/admin/history/campaign/{campaign.id}/export.xlsx")
    assert r.status_code == 200
    ws = load_workbook(io.BytesIO(r.data)).active
    cells = [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert "Loại phong trào" in cells and "Theo chuyên đề (theo đợt)" in cells


# --------------------------------------------------------------------------- labels and append-only


def _audit_actions_in_code() -> set[str]:
    """Every audit action the code can write: literal actions of audit.record, and the f-string
    actions expanded from the tables they are built from (a new f-string action fails here until listed)."""
    from adminapp.workflow import initiatives, registrations
    from views import base  # noqa: F401

    expansions = {
        "registration.{action}": {f"registration.{a}" for a in registrations.ACTIONS},
        "initiative.{action}": {f"initiative.{a}" for a in initiatives.ACTION_PERMISSIONS},
        "{self._object_type()}.{action}": set(),
        "{self._object_type()}.delete": set(),
    }
    from flask import current_app

    for view in current_app.extensions["admin"][0]._views:
        if hasattr(view, "_object_type") and getattr(view, "model", None) is not None:
            kind = view._object_type()
            if view.create_permission or view.edit_permission:
                expansions["{self._object_type()}.{action}"] |= {f"{kind}.create", f"{kind}.update"}
            if view.delete_permission:
                expansions["{self._object_type()}.delete"].add(f"{kind}.delete")
    found: set[str] = set()
    for path in list((ROOT / "adminapp").rglob("*.py")) + list((ROOT / "views").rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            # the action of audit.record(actor, obj, ACTION, …) and of the event tuples of audit.record_many
            if isinstance(node, ast.Call) and getattr(node.func, "attr", None) == "record" and len(node.args) >= 3:
                candidates = [node.args[2]]
            elif isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple) and len(node.value.elts) >= 2:
                candidates = [node.value.elts[1]]
            else:
                continue
            for arg in candidates:
                if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                    found.add(arg.value)
                elif isinstance(arg, ast.JoinedStr):
                    text = "".join(v.value if isinstance(v, ast.Constant) else "{" + ast.unparse(v.value) + "}"
                                   for v in arg.values)
                    if not re.fullmatch(r"[\w{}()]+\.[\w{}]+", text):
                        continue  # not an action (a storage key, a message)
                    assert text in expansions, f"an audit action built as f\"{text}\": list its values in this test"
                    found |= expansions[text]
    return {a for a in found if "." in a}


def test_every_action_and_state_the_code_can_write_has_a_vietnamese_label(ctx):
    from adminapp.workflow import initiatives, registrations

    actions = _audit_actions_in_code()
    assert {"registration.approve", "initiative.honour", "campaign.launch", "user.login"} <= actions
    missing = sorted(a for a in actions if a not in labels.AUDIT_ACTIONS)
    assert not missing, f"audit actions without a Vietnamese label (adminapp/labels.py): {missing}"
    states = set()
    for table in (registrations.TRANSITIONS, initiatives.TRANSITIONS):
        for (from_state, _), to_state in table.items():
            states |= {from_state, to_state}
    states.discard(initiatives.WITHDRAWN)  # a placeholder resolved before it is written
    states |= set(labels.CAMPAIGN_STATUSES) | {"draft", "sent"}
    assert not sorted(s for s in states if s not in labels.audit_states())
    for action in revisions_actions():
        assert action in __import__("views.history", fromlist=["ACTIONS"]).ACTIONS


def revisions_actions():
    return ("create", "update", "delete", "restore")


def test_audit_log_speaks_vietnamese_and_links_to_history(campaign, user, login_as):
    from adminapp.workflow import campaigns as svc
    from adminapp.workflow import registrations as regsvc

    svc.launch_campaign(actor=user("hanoi.officer"), campaign=campaign)
    db.session.commit()
    reg = db.session.execute(db.select(Registration).where(Registration.campaign_id == campaign.id)).scalar_one()
    regsvc.add_participants(actor=user("hoankiem.officer"), registration=reg,
                            rows=[regsvc.ParticipantData(kind="individual", full_name="An", birth_year=1980)])
    regsvc.apply(user("hoankiem.officer"), reg.id, "send")
    regsvc.apply(user("hanoi.officer"), reg.id, "approve")
    db.session.commit()
    c = login_as("hanoi.officer")
    html = c.get("/admin/audit/?page_size=100").get_data(as_text=True)
    assert "Chờ duyệt → Đã duyệt" in html and "Phê duyệt danh sách" in html or "Đã duyệt" in html
    hidden = r"<script.*?</script>|<div id=\"(filter-groups|active-filters)-data\".*?</div>"  # machine data
    shown = re.sub(r"<[^>]+>", " ", re.sub(hidden, " ", html, flags=re.S))  # what people read
    for raw in ("not_sent", "pending", "registration.approve"):
        assert raw not in shown, shown[max(0, shown.find(raw) - 300):shown.find(raw) + 100]
    assert f"/admin/history/registration/{reg.id}/" in html and f"/admin/history/campaign/{campaign.id}/" in html
    # filters: by record and by kind of record
    html = c.get(f"/admin/audit/?flt0_3=registration&flt1_4={reg.id}"
                 "&page_size=100").get_data(as_text=True)
    assert html.count(f"/admin/history/registration/{reg.id}/") >= 2
    assert f"/admin/history/campaign/{campaign.id}/" not in html
    r = c.get("/admin/audit/export/csv/")
    text = r.get_data(as_text=True)
    assert "Chờ duyệt" in text and "pending" not in text.split("\n", 1)[1]


def test_audit_and_revisions_are_append_only_in_the_database(campaign, ctx):
    import sqlalchemy as sa

    if ctx.config["BACKEND"] != "postgresql":
        # SQLite has no users to revoke from: the ORM guard refuses (a raw statement is the operator's)
        ev = db.session.execute(db.select(AuditEvent)).scalars().first()
        ev.reason = "sửa lén"
        with pytest.raises(PermissionError):
            db.session.flush()
        db.session.rollback()
        return
    for table in ("audit_event", "revision"):
        for statement in (f"UPDATE {table} SET ip = 'x'", f"DELETE FROM {table}"):
            with db.engine.connect() as conn:
                with pytest.raises(sa.exc.DBAPIError, match="append-only"):
                    conn.execute(sa.text(statement))
                conn.rollback()
    assert db.session.execute(db.select(db.func.count()).select_from(Revision)).scalar_one() > 0


def test_attachment_removed_is_hidden_and_kept_for_history(campaign, user, login_as):
    from adminapp.workflow import campaigns as svc

    att = svc.add_attachment(actor=user("hanoi.officer"), campaign=campaign, filename="a.pdf", data=PDF)
    db.session.commit()
    svc.remove_attachment(actor=user("hanoi.officer"), attachment=att)
    db.session.commit()
    assert login_as("hanoi.officer").get(f"/admin/campaign/attachment/{att.id}").status_code == 404
    assert db.session.get(CampaignAttachment, att.id).removed_at is not None

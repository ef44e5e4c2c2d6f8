"""The moderation step (issue 15): "được Ban tổ chức thông qua" before grassroots appraisal."""
from __future__ import annotations

import pytest
from freezegun import freeze_time

from adminapp import access
from adminapp.extensions import db
from adminapp.workflow import initiatives, programmes
from models import AuditEvent, Role
from tests.conftest import csrf_from
from tests.initiatives.conftest import IN_WINDOW


@pytest.fixture()
def committee(ctx, user):
    """tld.officer also sits on the organising committee (the shipped role "committee")."""
    member = user("tld.officer")
    member.roles.append(db.session.execute(db.select(Role).where(Role.name == "committee")).scalar_one())
    db.session.commit()
    return member


@pytest.fixture()
def moderated(programme):
    programme.requires_moderation = True
    db.session.commit()
    return programme


def test_submissions_wait_then_pass_or_block_in_bulk(moderated, submit, committee, user, login_as):
    a, b, c = submit(title="Sáng kiến A"), submit(title="Sáng kiến B"), submit(title="Sáng kiến C")
    assert {a.status, b.status, c.status} == {"awaiting"}
    # the grassroots union cannot appraise before the committee passes it
    assert "appraise" not in initiatives.allowed_actions(user("cdcs.officer"), a)
    with pytest.raises(initiatives.InitiativeError):
        initiatives.apply(user("cdcs.officer"), a, "appraise", score=80)
    db.session.rollback()
    # a unit officer without the permission cannot moderate
    with pytest.raises(access.PermissionDenied):
        initiatives.apply(user("hanoi.officer"), a, "pass")
    db.session.rollback()

    tld = login_as("tld.officer")
    page = tld.get("/admin/initiatives/").get_data(as_text=True)
    token = csrf_from(page)
    r = tld.post("/admin/initiatives/action/", data={"action": "pass", "rowid": [str(a.id), str(b.id)],
                                                     "csrf_token": token})
    assert r.status_code == 302
    # Không thông qua needs a reason: nothing changes without one
    tld.post("/admin/initiatives/action/", data={"action": "block", "rowid": [str(c.id)], "csrf_token": token,
                                                 "reason": ""})
    db.session.expire_all()
    assert (a.status, b.status, c.status) == ("submitted", "submitted", "awaiting")
    tld.post("/admin/initiatives/action/", data={"action": "block", "rowid": [str(c.id)], "csrf_token": token,
                                                 "reason": "Trùng nội dung với sáng kiến đã công nhận"})
    db.session.expire_all()
    assert c.status == "not_passed" and c.reject_reason == "Trùng nội dung với sáng kiến đã công nhận"
    actions = [e.action for e in db.session.execute(db.select(AuditEvent).where(
        AuditEvent.action.in_(("initiative.pass", "initiative.block"))).order_by(AuditEvent.id)).scalars()]
    assert actions == ["initiative.pass", "initiative.pass", "initiative.block"]
    assert initiatives.apply(user("cdcs.officer"), a, "appraise", score=80) == "appraised"
    db.session.commit()


def test_members_see_it_on_the_tracking_page(moderated, submit, committee, client):
    from tests.initiatives.test_public import URL

    ini = submit(title="Sáng kiến chờ", phone="0912345601")
    with freeze_time(IN_WINDOW):
        page = client.get(URL + "tra-cuu").get_data(as_text=True)
        r = client.post(URL + "tra-cuu", data={"code": ini.tracking_code, "phone": "0912345601",
                                               "csrf_token": csrf_from(page)})
    text = r.get_data(as_text=True)
    assert "Chờ thông qua" in text and "chờ Ban tổ chức thông qua" in text
    initiatives.apply(committee, ini, "block", reason="Không phải sáng kiến")
    db.session.commit()
    with freeze_time(IN_WINDOW):
        r = client.post(URL + "tra-cuu", data={"code": ini.tracking_code, "phone": "0912345601",
                                               "csrf_token": csrf_from(page)})
    text = r.get_data(as_text=True)
    assert "Không được thông qua" in text and "Không phải sáng kiến" in text


def test_statistics_count_awaiting(moderated, submit, committee, login_as):
    submit(), submit()
    initiatives.apply(committee, submit(), "pass")
    db.session.commit()
    page = login_as("tld.officer").get(f"/admin/programmes/{moderated.id}/stats").get_data(as_text=True)
    assert "Chờ thông qua" in page


def test_switching_moderation_on_with_submissions_is_refused(programme, submit, login_as):
    """Bad input of the issue: moderation switched on while submissions exist."""
    with pytest.raises(programmes.ProgrammeError, match="không bật được"):
        submit()
        programme.requires_moderation = True
        programmes.check_moderation_change(programme, False)
    db.session.rollback()
    tld = login_as("tld.officer")
    url = f"/admin/programmes/edit/?id={programme.id}"
    page = tld.get(url).get_data(as_text=True)
    data = {
        "csrf_token": csrf_from(page), "name": programme.name, "slug": programme.slug, "description": "",
        "submission_opens": "10/03/2021", "submission_closes": "20/04/2021", "application_from": "01/02/2021",
        "application_to": "31/05/2021", "dossier_deadline": "22/04/2021", "dossier_deadline_policy": "refuse",
        "description_limit": "1000", "default_quota": "4", "status": "published",
        "fields_text": "\n".join(programme.fields), "requires_moderation": "y", "version_token": str(programme.version),
    }
    html = tld.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert "không bật được bước “Ban tổ chức thông qua”" in html
    db.session.expire_all()
    assert db.session.get(type(programme), programme.id).requires_moderation is False


def test_switching_off_while_waiting_is_refused(moderated, submit):
    submit()
    moderated.requires_moderation = False
    with pytest.raises(programmes.ProgrammeError, match="Còn 1 sáng kiến chờ thông qua"):
        programmes.check_moderation_change(moderated, True)
    db.session.rollback()

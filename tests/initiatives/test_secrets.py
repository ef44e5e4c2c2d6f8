"""Technology secrets (issue 15): one masking rule (adminapp.access.secret_masked) over every page and export
that shows an initiative. Outside the units reviewing it, only its name, effectiveness summary and award."""
from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook

from adminapp import access
from adminapp.extensions import db
from tests.conftest import csrf_from

SECRET_BITS = ("Lê Bí Mật", "0987 654 321", "Quy trình nung đặc biệt ở 1.234 độ")  # author, phone, description
SHOWN = ("Lò nung tiết kiệm điện", "Giảm 40% điện năng")  # title, effectiveness


@pytest.fixture()
def secret(submit, act, allot, user):
    allot("hanoi.officer", {"01-002": 2})
    allot("hoankiem.officer", {"01-002-01": 2})
    ini = submit(author_name=SECRET_BITS[0], phone="0987654321", description=SECRET_BITS[2], title=SHOWN[0],
                 effectiveness=SHOWN[1], is_secret=True)
    assert ini.is_secret
    act("cdcs.officer", ini, "appraise", score=90)
    return ini


def _text(response) -> str:
    assert response.status_code == 200, response.status_code
    if response.mimetype.endswith("sheet"):
        sheet = load_workbook(io.BytesIO(response.data)).active
        return "\n".join(str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None)
    return response.get_data(as_text=True)


def _pages(ini, programme):
    """Every page and export of the admin that shows the initiative's fields."""
    return {
        "list": "/admin/initiatives/",
        "search": "/admin/initiatives/?search=lo+nung",
        "details": f"/admin/initiatives/details/?id={ini.id}",
        "export csv": "/admin/initiatives/export/csv/",
        "export xlsx": "/admin/initiatives/export/xlsx/",
    }


def _phone_shown(text: str) -> bool:
    return "0987654321" in text.replace(" ", "").replace(".", "")


@pytest.mark.parametrize("viewer", ["hoankiem.officer", "hanoi.officer", "tld.officer"])
def test_masked_beyond_the_nomination_path_on_every_page_and_export(secret, programme, login_as, viewer):
    c = login_as(viewer)
    for name, url in _pages(secret, programme).items():
        text = _text(c.get(url))
        assert SHOWN[0] in text, name
        if name != "list":  # the list shows the title only
            assert SHOWN[1] in text or name == "search", name
        for bit in (SECRET_BITS[0], SECRET_BITS[2]):
            assert bit not in text, (name, bit)
        assert not _phone_shown(text), name
        if name != "list" and name != "search":
            assert access.SECRET_MASK in text, name


def test_search_by_hidden_fields_does_not_find_a_masked_secret(secret, login_as):
    upper = login_as("hanoi.officer")
    assert SHOWN[0] in upper.get("/admin/initiatives/?search=lo+nung").get_data(as_text=True)
    for hidden in ("le+bi+mat", "0987654321"):
        assert SHOWN[0] not in upper.get(f"/admin/initiatives/?search={hidden}").get_data(as_text=True), hidden
    own = login_as("cdcs.officer")
    assert SHOWN[0] in own.get("/admin/initiatives/?search=le+bi+mat").get_data(as_text=True)


def test_full_on_the_nomination_path(secret, programme, login_as):
    c = login_as("cdcs.officer")  # the unit that holds and appraises it
    details = _text(c.get(f"/admin/initiatives/details/?id={secret.id}"))
    csv = _text(c.get("/admin/initiatives/export/csv/"))
    for text in (details, csv):
        assert SECRET_BITS[0] in text and SECRET_BITS[2] in text and access.SECRET_MASK not in text
    assert "secret-mark" in _text(c.get("/admin/initiatives/"))


def test_nominated_to_the_top_reviewers_see_it_public_does_not(secret, act, programme, login_as, user):
    """Bad input of the issue: a secret initiative nominated up to the top. Each level that receives it
    reviews it (and sees it all); the level it left keeps seeing it; the public never does, and the top's
    summary table masks it only when the programme says so."""
    act("cdcs.officer", secret, "nominate")
    assert not access.secret_masked(user("hoankiem.officer"), secret)
    assert access.secret_masked(user("hanoi.officer"), secret)
    act("hoankiem.officer", secret, "select", score=90)
    act("hoankiem.officer", secret, "nominate")
    act("hanoi.officer", secret, "select", score=90)
    hanoi = login_as("hanoi.officer")
    page = hanoi.get(f"/admin/initiatives/details/?id={secret.id}").get_data(as_text=True)
    r = hanoi.post("/admin/initiatives/act/", data={"id": secret.id, "action": "nominate",
                                                    "csrf_token": csrf_from(page)})
    assert r.status_code == 302
    flashed = hanoi.get(r.headers["Location"]).get_data(as_text=True)
    assert "bí mật công nghệ" in flashed and "công khai chỉ hiển thị tên" in flashed
    db.session.expire_all()
    assert secret.holder_unit.code == "TLD"
    for name in ("tld.officer", "hanoi.officer", "hoankiem.officer", "cdcs.officer"):
        assert not access.secret_masked(user(name), secret), name
    assert access.secret_masked(None, secret)  # the public
    act("tld.officer", secret, "honour")
    tld = login_as("tld.officer")
    summary = _text(tld.get(f"/admin/programmes/{programme.id}/summary.xlsx"))
    assert SECRET_BITS[0] in summary  # the programme does not mask its summary table
    programme.mask_secrets_in_summary = True
    db.session.commit()
    summary = _text(tld.get(f"/admin/programmes/{programme.id}/summary.xlsx"))
    assert SECRET_BITS[0] not in summary and SECRET_BITS[2] not in summary and SHOWN[0] in summary
    assert SHOWN[1] in summary and access.SECRET_MASK in summary


def test_marking_by_the_appraising_officer_only(submit, user, login_as):
    from adminapp.workflow import initiatives

    ini = submit(title="Sáng kiến thường")
    with pytest.raises(access.PermissionDenied):
        initiatives.set_secret(user("hoankiem.officer"), ini, secret=True)  # above the holder
    c = login_as("cdcs.officer")
    page = c.get(f"/admin/initiatives/details/?id={ini.id}").get_data(as_text=True)
    assert 'id="secret-form"' in page
    r = c.post("/admin/initiatives/secret/", data={"id": ini.id, "secret": "1", "csrf_token": csrf_from(page)})
    assert r.status_code == 302
    db.session.expire_all()
    assert ini.is_secret
    # lifting the mark needs a reason; nothing changes without one
    page = c.get(f"/admin/initiatives/details/?id={ini.id}").get_data(as_text=True)
    r = c.post("/admin/initiatives/secret/", data={"id": ini.id, "secret": "0", "csrf_token": csrf_from(page)})
    assert "Vui lòng nhập lý do bỏ đánh dấu" in c.get(r.headers["Location"]).get_data(as_text=True)
    db.session.expire_all()
    assert ini.is_secret
    from models import AuditEvent

    events = db.session.execute(db.select(AuditEvent).where(AuditEvent.action == "initiative.secret")).scalars().all()
    assert len(events) == 1 and events[0].details == {"secret": True}
    assert 'id="secret-form"' not in login_as("hoankiem.officer").get(
        f"/admin/initiatives/details/?id={ini.id}").get_data(as_text=True)


def _filter_arg(label: str) -> str:
    """The URL argument of the initiative list's filter `label` (Flask-Admin numbers filters by position)."""
    from flask import current_app
    view = next(v for v in current_app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "initiatives")
    return f"flt0_{next(i for i, f in enumerate(view._filters) if str(f.name) == label)}"


@pytest.mark.parametrize("label, value", [("Lĩnh vực", "Sản xuất"), ("Nhóm", "administration")])
def test_filters_on_hidden_fields_do_not_find_a_masked_secret(submit, act, allot, login_as, label, value):
    """Filtering by a field the rule hides must not answer for a masked secret (it would tell its value)."""
    allot("hanoi.officer", {"01-002": 2})
    ini = submit(title=SHOWN[0], effectiveness=SHOWN[1], group="administration", is_secret=True)
    own, upper = login_as("cdcs.officer"), login_as("hanoi.officer")
    arg = _filter_arg(label)
    url = f"/admin/initiatives/?{arg}={value}"
    assert ini.tracking_code in own.get(url).get_data(as_text=True)  # on its path: found by its field
    assert ini.tracking_code in upper.get("/admin/initiatives/").get_data(as_text=True)  # listed, masked
    assert ini.tracking_code not in upper.get(url).get_data(as_text=True)  # but never found by a hidden field


def test_the_sql_rule_agrees_with_the_python_rule(secret, submit, act, user):
    """access.secret_masked_sql (searches, filters, exports) masks exactly the rows access.secret_masked (pages)
    does, for every account, as the secret climbs its nomination path; a plain initiative is never masked."""
    from adminapp import accounts, reference
    from models import Initiative, Role, User

    # an officer beside the path (another district of the province): below the province holding it, not above
    # the unit that filed it
    officer_role = db.session.execute(db.select(Role).where(Role.name == "officer")).scalar_one()
    accounts.create_user(actor=None, username="badinh.officer", full_name="Cán bộ Ba Đình",
                         unit=reference.get_unit("01-001"), password="MatKhau#2026", roles=[officer_role])
    plain = submit(title="Sáng kiến thường")
    names = db.session.execute(db.select(User.username).order_by(User.username)).scalars().all()

    def masked_for():
        db.session.expire_all()
        masked = set()
        for name in names:
            viewer = user(name)
            for ini in (secret, plain):
                in_sql = db.session.execute(db.select(access.secret_masked_sql(viewer)).select_from(Initiative)
                                            .where(Initiative.id == ini.id)).scalar_one()
                assert bool(in_sql) == access.secret_masked(viewer, ini), (name, ini.title)
                if in_sql:
                    masked.add((name, ini.id))
        assert all(ini_id == secret.id for _, ini_id in masked)
        return {name for name, _ in masked}

    held_below = masked_for()
    assert "hanoi.officer" in held_below and "cdcs.officer" not in held_below
    act("cdcs.officer", secret, "nominate")
    act("hoankiem.officer", secret, "select", score=90)
    act("hoankiem.officer", secret, "nominate")
    held_at_province = masked_for()
    assert "hanoi.officer" not in held_at_province and "tld.officer" in held_at_province
    assert "badinh.officer" in held_at_province


@pytest.mark.parametrize("viewer", ["tld.officer", "hanoi.officer", "cdcs.officer"])
def test_the_sql_rule_reads_no_initiative_table(ctx, user, viewer):
    """A search's first page walks the list's order through a WITH query named like the initiative table
    (views/base._walked_page_ids). A masking rule reading that table would read the window instead, and make
    PostgreSQL materialise all of it where the walk stops at the page."""
    from models import Initiative

    cond = access.secret_masked_sql(user(viewer))
    sql = str(db.select(Initiative.id).where(cond).compile(db.engine)).lower()
    assert sql.count("from initiative") == 1, sql  # the outer statement's own

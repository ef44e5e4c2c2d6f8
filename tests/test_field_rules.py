"""Issue 12: field rules as data. Every catalogued field of every kind of record, hidden for a role, appears in
no response of that role: lists, details, exports, search, filters, history and lookups. A read-only field is
shown disabled and a posted value is refused. Both databases."""
from __future__ import annotations

import re
from datetime import date

import pytest

from adminapp import audit, field_rules
from adminapp.extensions import db
from models import Campaign, Initiative, Programme, Role, Unit, User

# (kind, field) -> the value planted in a record the viewer can see, and how it reads on a page
CANARY_TEXT = "Chim hoàng yến 7391"


def _plant(kind, field, records):
    """Set `field` of the kind's record to a recognisable value; returns the texts that must not show."""
    obj = records[kind]
    column = getattr(type(obj), field, None)
    prop = getattr(column, "property", None)
    if hasattr(prop, "direction"):  # a relationship (unit, parent, roles): its column must not show
        return []
    py_type = prop.columns[0].type.python_type if prop is not None and hasattr(prop, "columns") else str
    if py_type is bool:
        return []
    if py_type is date:
        value = date(1911, 11, 1 + sum(map(ord, field)) % 28)  # its own date per field
        if kind == "campaign":
            value = {"start_date": date(2031, 7, 13), "end_date": date(2031, 7, 14),
                     "registration_deadline": date(2031, 7, 12), "dossier_deadline": date(2031, 7, 15)}[field]
        setattr(obj, field, value)
        return [value.strftime("%d/%m/%Y"), value.isoformat()]
    if py_type is int:
        value = {"birth_year": 1907, "score": 73, "benefit_value": 987654321, "default_quota": 777,
                 "sort_order": 8888, "description_limit": 4321}.get(field, 6543)
        setattr(obj, field, value)
        return [str(value), f"{value:,}".replace(",", ".")] if value > 9999 else [f">{value}<", f",{value},"]
    if field == "phone":
        setattr(obj, field, "0987123456")
        return ["0987123456", "0987 123 456"]
    if field == "email":
        setattr(obj, field, "hoangyen7391@example.vn")
        return ["hoangyen7391"]
    tag = "hy" + "".join(ch for ch in field if ch.isalpha())[:10] + "q"  # its own text per field
    text = f"{CANARY_TEXT} {tag}"
    setattr(obj, field, text)
    return [tag, text]


@pytest.fixture()
def records(ctx, user, unit):
    from freezegun import freeze_time

    from adminapp.workflow import campaigns as svc
    from adminapp.workflow import initiatives, programmes
    from tests.initiatives.conftest import IN_WINDOW, submission_data

    officer = user("hanoi.officer")
    campaign = svc.create_campaign(actor=officer, units=[(unit("01-002"), svc.default_role())], name="Phong trào A",
                                   launch_level="province", kind="regular", start_date=date(2026, 1, 1),
                                   end_date=date(2026, 12, 31), description="Mô tả", registration_deadline=None,
                                   dossier_deadline=None, for_individuals=True, for_collectives=False)
    svc.launch_campaign(actor=officer, campaign=campaign)
    programme = programmes.create_programme(None, owner=unit("TLD"), name="Sáng kiến Thủ đô", slug="sang-kien-thu-do",
                                            submission_opens=date(2021, 3, 10), submission_closes=date(2021, 4, 20),
                                            application_from=date(2021, 2, 1), application_to=date(2021, 5, 31))
    db.session.commit()
    with freeze_time(IN_WINDOW):
        ini = initiatives.submit_initiative(programme, submission_data(unit))
    db.session.commit()
    return {"campaign": campaign, "programme": programme, "initiative": ini, "unit": unit("01-002"),
            "user_account": user("hoankiem.officer")}


PAGES = {
    "initiative": lambda r: ["/admin/initiatives/", f"/admin/initiatives/details/?id={r.id}",
                             "/admin/initiatives/export/csv/"],
    "user_account": lambda r: ["/admin/users/", f"/admin/users/details/?id={r.id}", "/admin/users/export/csv/"],
    "unit": lambda r: ["/admin/units/", f"/admin/units/details/?id={r.id}", "/admin/units/export/csv/"],
    "campaign": lambda r: ["/admin/campaigns/", f"/admin/campaign/{r.id}/", "/admin/campaigns/export/csv/"],
    "programme": lambda r: ["/admin/programmes/", f"/admin/programmes/{r.id}/",
                            "/admin/programmes/export/csv/"],
}


@pytest.mark.parametrize("kind", list(field_rules.CATALOG))
def test_a_hidden_field_appears_nowhere_for_the_role(ctx, records, login_as, user, kind):
    viewer_role = db.session.execute(db.select(Role).where(Role.name == "viewer")).scalar_one()
    officer = user("hanoi.officer")
    c = login_as("hanoi.viewer")
    checked = 0
    for field, label in field_rules.CATALOG[kind][1].items():
        viewer_role.field_rules = {kind: {field: "hidden"}}
        record = db.session.get(type(records[kind]), records[kind].id)
        records[kind] = record
        canaries = _plant(kind, field, records)
        audit.record(officer, record, f"{kind}.update")  # a revision with the field's change
        db.session.commit()
        urls = PAGES[kind](record) + [f"/admin/history/{kind}/{record.id}/"]
        if canaries and field in getattr(type(record), "__search_fields__", ()):
            urls += [f"{urls[0]}?search={canaries[0].strip('<>,')}"]
        for url in urls:
            r = c.get(url)
            if r.status_code == 404 and "history" in url:
                continue
            assert r.status_code == 200, (kind, field, url, r.status_code)
            body = r.get_data(as_text=True)
            if "search=" in url:
                assert "Không có dữ liệu" in body or record_marker(kind, record) not in body, (kind, field, url)
                continue
            for canary in canaries:
                assert canary not in body, (kind, field, url, canary)
            if url.endswith("/csv/"):
                assert label not in body.splitlines()[0], (kind, field, "csv header")
            else:
                assert f'col-{field}"' not in body and f"<b>{label}</b>" not in body, (kind, field, url)
                assert f"<strong>{label}</strong>" not in body, (kind, field, url, "history")
            checked += 1
        # filters on the hidden field are neither offered nor applied
        lst = c.get(urls[0]).get_data(as_text=True)
        assert f'"{label}"' not in lst.split('id="filter-groups-data"')[-1][:5000] or kind == "campaign"
    viewer_role.field_rules = {}
    db.session.commit()
    assert checked >= 3 * len(field_rules.CATALOG[kind][1])


def record_marker(kind, record) -> str:
    return {"initiative": getattr(record, "tracking_code", ""), "user_account": getattr(record, "username", ""),
            "unit": getattr(record, "code", ""), "campaign": "Phong trào A",
            "programme": "Sáng kiến Thủ đô"}[kind]


def test_a_hidden_phone_does_not_answer_a_search_nor_an_export_in_the_background(ctx, records, login_as):
    role = db.session.execute(db.select(Role).where(Role.name == "viewer")).scalar_one()
    role.field_rules = {"initiative": {"phone": "hidden"}}
    db.session.commit()
    ini = records["initiative"]
    c = login_as("hanoi.viewer")
    found = c.get(f"/admin/initiatives/?search={ini.phone[-6:]}").get_data(as_text=True)
    assert ini.tracking_code not in found
    found = c.get(f"/admin/initiatives/?search={ini.tracking_code}").get_data(as_text=True)
    assert ini.tracking_code in found  # visible fields still answer
    officer = login_as("hanoi.officer")  # no rule on the officer's role
    assert ini.tracking_code in officer.get(f"/admin/initiatives/?search={ini.phone[-6:]}").get_data(as_text=True)
    # an export run later by the worker runs as the user: the same rule
    from adminapp import jobs
    from models import ExportJob

    job = jobs.request_export(db.session.get(User, User.query.filter_by(username="hanoi.viewer").one().id),
                              "initiatives", "csv", "")
    db.session.commit()
    jobs.run_export(job.id)
    db.session.expire_all()
    content = db.session.execute(db.select(ExportJob.content).where(ExportJob.id == job.id)).scalar_one()
    text = content.decode("utf-8-sig")
    assert ini.tracking_code in text and ini.phone not in text and "Điện thoại" not in text.splitlines()[0]


def test_a_read_only_field_is_shown_disabled_and_a_posted_value_refused(ctx, records, login_as, unit):
    from tests.security.discover import main_form

    role = db.session.execute(db.select(Role).where(Role.name == "officer")).scalar_one()
    role.field_rules = {"unit": {"short_name": "readonly"}, "campaign": {"description": "readonly"}}
    db.session.commit()
    c = login_as("hanoi.officer")
    hk = unit("01-002")
    url = f"/admin/units/edit/?id={hk.id}"
    html = c.get(url).get_data(as_text=True)
    assert re.search(r'<input[^>]*disabled[^>]*name="short_name"|<input[^>]*name="short_name"[^>]*disabled', html)
    data = {k: f.value for k, f in main_form(html).fields.items() if not (f.type == "checkbox" and not f.value)}
    data["short_name"] = "Tên tắt mới"
    data["sort_order"] = "5"
    r = c.post(url, data=data)
    page = r.get_data(as_text=True) if r.status_code != 302 else c.get(r.headers["Location"]).get_data(as_text=True)
    assert "Bạn không được sửa trường “Tên viết tắt”" in page
    db.session.expire_all()
    assert db.session.get(Unit, hk.id).short_name == "Quận Hoàn Kiếm" and db.session.get(Unit, hk.id).sort_order == 0
    data.pop("short_name")  # as the browser posts it (a disabled input is not sent): saved, short name kept
    assert c.post(url, data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Unit, hk.id).short_name == "Quận Hoàn Kiếm" and db.session.get(Unit, hk.id).sort_order == 5

    # the campaign form: read-only description disabled; a forged post refused, nothing changed
    campaign = records["campaign"]
    form_url = f"/admin/campaigns/edit/?id={campaign.id}"
    html = c.get(form_url).get_data(as_text=True)
    assert re.search(r'<textarea[^>]*disabled[^>]*name="description"|<textarea[^>]*name="description"[^>]*disabled',
                     html)
    fields = {k: f.value for k, f in main_form(html).fields.items()
              if not (f.type == "checkbox" and not f.value) and f.type != "file"}
    fields.update(description="Sửa trái phép", name="Phong trào A (sửa)")
    r = c.post(form_url, data=fields, content_type="multipart/form-data")
    assert r.status_code == 400 and "Bạn không được sửa trường “Diễn giải”" in r.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Campaign, campaign.id).name == "Phong trào A"


def test_role_editor_sets_rules_per_field(ctx, login_as):
    c = login_as("admin")
    role = db.session.execute(db.select(Role).where(Role.name == "viewer")).scalar_one()
    url = f"/admin/roles/edit/?id={role.id}"
    html = c.get(url).get_data(as_text=True)
    assert 'name="fr__initiative__phone"' in html and "Ẩn" in html and "Chỉ xem" in html
    from tests.security.discover import main_form

    form = main_form(html)
    data = {k: f.value for k, f in form.fields.items() if f.type != "checkbox" and not k.startswith("fr__")}
    data["permissions"] = list(role.permissions)
    data["fr__initiative__phone"] = "hidden"
    data["fr__user_account__email"] = "readonly"
    data["fr__unit__bogus"] = "hidden"  # not catalogued: ignored
    r = c.post(url, data=data)
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    db.session.expire_all()
    assert db.session.get(Role, role.id).field_rules == {"initiative": {"phone": "hidden"},
                                                        "user_account": {"email": "readonly"}}
    # the most open role wins: a user with viewer + officer sees the phone
    assert field_rules.mode(type("U", (), {"roles": [db.session.get(Role, role.id)]})(), "initiative",
                            "phone") == "hidden"
    officer = db.session.execute(db.select(Role).where(Role.name == "officer")).scalar_one()
    both = type("U", (), {"roles": [db.session.get(Role, role.id), officer]})()
    assert field_rules.mode(both, "initiative", "phone") == "editable"


def test_models_in_the_catalogue_exist(ctx):
    for kind, (_, fields) in field_rules.CATALOG.items():
        model = {"initiative": Initiative, "user_account": User, "unit": Unit, "campaign": Campaign,
                 "programme": Programme}[kind]
        for name in fields:
            assert hasattr(model, name), (kind, name)

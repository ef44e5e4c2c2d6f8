"""Dates typed dd/mm/yyyy: a text that is no date says so ("Ngày không hợp lệ, …"), never "Trường này là bắt
buộc", and stays in the box (forms/fields.py, views/base.py, the public form)."""
from __future__ import annotations

import html as htmllib
from datetime import date

import pytest
from freezegun import freeze_time

from adminapp.extensions import db
from adminapp.formatting import INVALID_DATE
from models import Campaign, CampaignRole
from tests.campaigns.test_campaign_pages import post
from tests.conftest import csrf_from
from tests.initiatives.conftest import make_programme, programme  # noqa: F401 (fixtures)

BAD = ["12/31/2021", "31/02/2022", "hôm qua", "2021-13-01"]


def test_parse_date():
    from forms.fields import parse_date

    assert parse_date("31/12/2021") == date(2021, 12, 31) and parse_date("1/2/2021") == date(2021, 2, 1)
    assert parse_date("2021-12-31") == date(2021, 12, 31)
    assert all(parse_date(b) is None for b in BAD)


@pytest.mark.parametrize("bad", BAD)
def test_campaign_form_says_the_date_is_invalid_and_keeps_it(bad, login_as, unit):
    province = login_as("hanoi.officer")
    roles = {r.code: r.id for r in db.session.execute(db.select(CampaignRole)).scalars()}
    r = post(province, "/admin/campaigns/new/", {
        "name": "Phong trào thử ngày", "launch_level": "province", "kind": "regular", "start_date": "01/01/2021",
        "end_date": bad, "registration_deadline": bad, "for_individuals": "y",
        "unit_id": [str(unit("01-002").id)], "role_id": [str(roles["lead"])], "submit": "save"})
    text = htmllib.unescape(r.get_data(as_text=True))
    assert r.status_code == 400
    assert f"Ngày kết thúc: {INVALID_DATE}" in text and f"Hạn đăng ký: {INVALID_DATE}" in text
    assert "Trường này là bắt buộc" not in text
    assert f'value="{bad}"' in text  # what was typed stays in the box
    assert 'data-app-date="1"' in text  # the date picker is bound by static/dates.js
    assert db.session.execute(db.select(db.func.count()).select_from(Campaign)).scalar_one() == 0


def test_campaign_form_missing_date_is_required(login_as, unit):
    province = login_as("hanoi.officer")
    r = post(province, "/admin/campaigns/new/", {
        "name": "Phong trào thử ngày", "launch_level": "province", "kind": "regular", "start_date": "",
        "end_date": "31/12/2021", "for_individuals": "y", "submit": "save"})
    text = r.get_data(as_text=True)
    assert "Ngày bắt đầu: Trường này là bắt buộc" in text and INVALID_DATE not in text


def test_flask_admin_date_field(login_as, unit):
    c = login_as("hanoi.officer")
    target = unit("01-001-01")
    url = f"/admin/units/edit/?id={target.id}"
    html = c.get(url).get_data(as_text=True)
    assert 'data-app-date="1"' in html and 'data-role="datepicker"' not in html  # flatpickr, not daterangepicker
    import re

    version = re.search(r'name="version_token" type="hidden" value="(\d+)"', html).group(1)
    r = c.post(url, data={"csrf_token": csrf_from(html), "version_token": version, "code": target.code,
                          "name": target.name, "kind": "grassroots", "parent": str(target.parent_id),
                          "sort_order": "0", "active": "y", "valid_from": "12/31/2021"})
    text = htmllib.unescape(r.get_data(as_text=True))
    assert r.status_code == 200 and INVALID_DATE in text and 'value="12/31/2021"' in text


@pytest.mark.parametrize("bad", ["12/31/2021", "31/02/2021"])
def test_public_form_application_date(bad, client, unit, programme):  # noqa: F811
    from tests.initiatives.test_public import URL, form_data

    with freeze_time("2021-04-01 03:00:00"):
        token = csrf_from(client.get(URL).get_data(as_text=True))
        r = client.post(URL, data={**form_data(unit, application_date=bad), "csrf_token": token})
    text = htmllib.unescape(r.get_data(as_text=True))
    assert r.status_code in (400, 422, 200) and INVALID_DATE in text and f'value="{bad}"' in text
    assert 'data-app-date="1"' in text


def test_vendored_picker_is_served_locally(client):
    for path in ("vendor/flatpickr-4.6.13/flatpickr.min.js", "vendor/flatpickr-4.6.13/l10n/vn.js",
                 "vendor/flatpickr-4.6.13/flatpickr.min.css", "dates.js"):
        r = client.get(f"/static/{path}")
        assert r.status_code == 200, path
    assert "flatpickr.min.js" in client.get("/login").get_data(as_text=True)

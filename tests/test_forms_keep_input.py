"""Typed text is kept after any validation error, on every form (issue 14).

For every create and edit form of the admin views (found by walking the registered Flask-Admin views, as the
global administrator), the participant rows of a list, the reject reason, the dossier and the public
submission and tracking forms: every text box gets typed text (decomposed, NFD, as Unikey "Unicode tổ hợp"
types it), one field is invalid (an impossible date, a number that is not one, or a required field left
empty), and the re-rendered form must answer 200/4xx (never a redirect or a 500) and show every other typed
value again, in NFC.
"""
from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

from freezegun import freeze_time
from werkzeug.datastructures import MultiDict

from adminapp.extensions import db
from tests.campaigns.conftest import fill, make_campaign, registration_of  # noqa: F401 (fixtures)
from tests.conftest import csrf_from
from tests.initiatives.conftest import make_programme, programme, submit  # noqa: F401 (fixtures)

INVALID_DATE = "31/02/2022"
SKIP_NAMES = {"csrf_token", "version_token", "version", "url", "website"}  # website: the public form's honeypot


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


@dataclass
class Control:
    tag: str
    kind: str
    name: str
    value: str
    attrs: dict


@dataclass
class Form:
    action: str
    controls: list[Control] = field(default_factory=list)


class Forms(HTMLParser):
    """POST forms of a page with their controls (inputs, selects with their chosen option, textareas)."""

    def __init__(self, url):
        super().__init__()
        self.url, self.forms = url, []
        self._form = self._select = self._textarea = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and a.get("method", "get").lower() == "post":
            self._form = Form(urljoin(self.url, a.get("action") or self.url))
        elif self._form is None or "disabled" in a or "readonly" in a:
            return
        elif tag == "input" and a.get("name"):
            self._form.controls.append(Control("input", a.get("type", "text").lower(), a["name"], a.get("value", ""),
                                               a))
        elif tag == "select" and a.get("name"):
            self._select = Control("select", "select", a["name"], None, a)
        elif tag == "option" and self._select is not None:
            if self._select.value is None or "selected" in a:  # the selected option, else the first
                self._select.value = a.get("value", "")
        elif tag == "textarea" and a.get("name"):
            self._textarea = Control("textarea", "textarea", a["name"], "", a)

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "select" and self._select is not None:
            self._select.value = self._select.value or ""
            self._form.controls.append(self._select)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._form.controls.append(self._textarea)
            self._textarea = None
        elif tag == "form" and self._form is not None:
            self.forms.append(self._form)
            self._form = None


def main_form(page: str, url: str, path_part: str | None = None) -> Form:
    parser = Forms(url)
    parser.feed(page)
    forms = [f for f in parser.forms if "/logout" not in f.action and (path_part is None or path_part in f.action)]
    forms = [f for f in forms if any(c.kind in ("text", "textarea", "email") for c in f.controls)]
    assert forms, f"no form with text boxes on {url}"
    return max(forms, key=lambda f: len(f.controls))


def is_text(c: Control) -> bool:
    return (c.kind in ("text", "textarea", "email", "search", "tel", "url") and c.name not in SKIP_NAMES
            and not c.attrs.get("data-role", "").startswith("select2") and c.attrs.get("type") != "hidden")


def fill_and_break(form: Form, *, invalid: str | None = None):
    """(data, typed) with every text box typed and one field invalid. Returns the posted MultiDict and
    {field name: the NFC text to find again}."""
    data, typed = MultiDict(), {}
    dates = [c for c in form.controls if c.attrs.get("data-app-date")]
    numbers = [c for c in form.controls if c.kind == "number"]
    texts = [c for c in form.controls if is_text(c) and not c.attrs.get("data-app-date")]
    if invalid is None:
        if dates:
            invalid = dates[0].name
        elif numbers:
            invalid = numbers[0].name
        else:
            required = [c for c in texts if "required" in c.attrs]
            assert required, f"no field to make invalid in {form.action}"
            invalid = required[0].name
    for i, c in enumerate(form.controls):
        if c.kind in ("submit", "button", "file", "image", "reset"):
            continue
        if c.kind in ("checkbox", "radio"):
            if "checked" in c.attrs:
                data.add(c.name, c.value or "y")
            continue
        if c.name == invalid or c.name.endswith("-" + invalid):  # a prefixed form (one per row)
            if c.attrs.get("data-app-date"):
                data.add(c.name, INVALID_DATE)
            elif c.kind == "number":
                data.add(c.name, "mười hai")
            else:
                data.add(c.name, "")
            continue
        if c.kind == "password":
            data.add(c.name, "Matkhau@2026!x")
        elif c.attrs.get("data-app-date"):
            data.add(c.name, "15/03/2021")
            typed[c.name] = "15/03/2021"
        elif c.kind == "number":
            data.add(c.name, c.value or "7")
        elif is_text(c) and c.kind == "email":
            data.add(c.name, f"nguoi{i}@congdoan.vn")
            typed[c.name] = f"nguoi{i}@congdoan.vn"
        elif is_text(c):
            limit = int(c.attrs.get("maxlength") or 0) or 200
            text = f"Đã gõ ở ô {i} Hưng Yên"[:limit]
            data.add(c.name, nfd(text))
            typed[c.name] = text
        else:
            data.add(c.name, c.value)
    return data, typed


def assert_kept(response, typed: dict[str, str], where: str) -> None:
    assert response.status_code < 500 and response.status_code not in (301, 302, 303), (
        f"{where}: {response.status_code} (expected the form again with its error)")
    page = html.unescape(response.get_data(as_text=True))
    lost = [name for name, text in typed.items() if text not in page]
    assert not lost, f"{where}: typed text lost in {lost}"
    for name, text in typed.items():
        assert nfd(text) == text or nfd(text) not in page, f"{where}: {name} shown decomposed, not NFC"


def post_form(client, url, *, path_part=None, invalid=None, extra=None):
    r = client.get(url)
    assert r.status_code == 200, f"{url}: {r.status_code}"
    page = r.get_data(as_text=True)
    form = main_form(page, url, path_part)
    data, typed = fill_and_break(form, invalid=invalid)
    if "csrf_token" not in data:
        data["csrf_token"] = csrf_from(page)
    for k, v in (extra or {}).items():
        data[k] = v
    return client.post(form.action, data=data), typed


# ------------------------------------------------------------------------------ every admin create/edit form


def admin_form_urls(app, client) -> list[str]:
    from flask_admin.model import BaseModelView

    urls = []
    admin = app.extensions["admin"][0]
    for view in admin._views:
        if not isinstance(view, BaseModelView):
            continue
        base = view.url.rstrip("/")
        listing = client.get(base + "/?page_size=20")
        if listing.status_code != 200:
            continue
        page = listing.get_data(as_text=True)
        if f'href="{base}/new/' in page:
            urls.append(f"{base}/new/")
        edit = re.search(rf'href="({re.escape(base)}/edit/\?id=\d+)', page)
        if edit:
            urls.append(html.unescape(edit.group(1)))
    return urls


def test_every_admin_create_and_edit_form_keeps_typed_text(ctx, login_as):
    from adminapp import demo_workflows

    demo_workflows.seed_workflows()
    db.session.commit()
    client = login_as("admin")
    urls = admin_form_urls(ctx, client)
    expected = {"/admin/campaigns/new/", "/admin/units/new/", "/admin/users/new/", "/admin/roles/new/",
                "/admin/programmes/new/", "/admin/campaign_roles/new/"}
    assert expected <= set(urls), f"forms not found: {expected - set(urls)}"
    assert any("/edit/" in u for u in urls)
    failures = []
    for url in urls:
        try:
            r, typed = post_form(client, url)
            assert typed, f"{url}: no text box typed"
            assert_kept(r, typed, url)
        except AssertionError as exc:
            failures.append(str(exc).splitlines()[0])
    assert not failures, "\n".join(failures)


# ------------------------------------------------------------------------------ campaign pages


def test_participant_row_and_reject_reason_keep_typed_text(make_campaign, registration_of, fill,  # noqa: F811
                                                           login_as):
    campaign = make_campaign(units=("01-002",))
    reg = registration_of(campaign, "01-002")
    district = login_as("hoankiem.officer")
    url = f"/admin/campaign/registration/{reg.id}"
    # add a participant: a birth year that is not a number
    r, typed = post_form(district, url, path_part="/participants/add", invalid="birth_year")
    assert_kept(r, typed, "participant add")
    # edit a participant in place, same error
    fill(reg)
    page = district.get(url).get_data(as_text=True)
    edit = re.search(r'action="([^"]*/participants/\d+/edit)"', page)
    assert edit, "no in-place edit form of a participant"
    r, typed = post_form(district, url, path_part=edit.group(1), invalid="birth_year")
    assert_kept(r, typed, "participant edit")
    # reject without choosing a list keeps the typed reason ("Chưa chọn danh sách nào")
    from tests.campaigns.test_campaign_pages import post

    post(district, f"{url}/action", {"action": "send"}, form_url=url, status=200)
    province = login_as("hanoi.officer")
    review = f"/admin/campaign/{campaign.id}/registrations?tab=pending"
    token = csrf_from(province.get(review).get_data(as_text=True))
    reason = "Thiếu chức vụ của thành viên Hưng Yên"
    r = province.post(f"/admin/campaign/{campaign.id}/registrations/action",
                      data={"action": "reject", "reason": nfd(reason), "csrf_token": token})
    if r.status_code in (302, 303):
        r = province.get(r.headers["Location"])
    assert_kept(r, {"reason": reason}, "bulk reject without a list")


# ------------------------------------------------------------------------------ programme dossier


def test_dossier_form_keeps_typed_text(ctx, login_as, programme):  # noqa: F811
    client = login_as("hanoi.officer")
    url = f"/admin/programmes/{programme.id}/dossier"
    r, typed = post_form(client, url, path_part="/dossier", invalid="letter_date", extra={"do": "save"})
    assert_kept(r, typed, "dossier")


# ------------------------------------------------------------------------------ public forms


def test_public_submission_form_keeps_typed_text(client, unit, programme):  # noqa: F811
    from tests.initiatives.test_public import URL, form_data

    texts = {"author_name": "Nguyễn Văn Ước", "position": "Kỹ sư điện", "title": "Cải tiến quy trình kiểm tra công tơ",
             "description": "Mô tả sáng kiến ở Hưng Yên", "effectiveness": "Giảm 30% thời gian",
             "scope": "Toàn công ty Điện lực", "awards": "Lao động tiên tiến 2019"}
    for invalid in ({"application_date": INVALID_DATE}, {"birth_year": "một chín tám lăm"}, {"phone": "12"}):
        with freeze_time("2021-04-01 03:00:00"):
            token = csrf_from(client.get(URL).get_data(as_text=True))
            data = {**form_data(unit, **{k: nfd(v) for k, v in texts.items()}), **invalid, "csrf_token": token}
            r = client.post(URL, data=data)
        assert_kept(r, texts, f"public form with {invalid}")


def test_public_tracking_form_keeps_typed_text(client, programme):  # noqa: F811
    r, typed = post_form(client, f"/sang-kien/{programme.slug}/tra-cuu", invalid="phone")
    assert typed and "code" in typed
    assert_kept(r, typed, "tracking")

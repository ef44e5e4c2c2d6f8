"""Hypothesis-driven fuzzing of every create/edit form, the list parameters, login and change password.

Forms are discovered (tests/security/discover.py: GET /admin/<endpoint>/new/
and one edit page per view, parse input/select/textarea), so views added
later are fuzzed too. Values: Vietnamese text, control and invisible
characters, very long strings, numbers out of range, impossible dates, ids of
other units, garbage in selects. Rules:

- no response is a 5xx, and none shows the generic "unexpected error" message
  (an exception nobody anticipated, such as a database refusing the value);
- a value the form accepted reads back identical on its edit page.
"""
from __future__ import annotations

import re
from datetime import datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from adminapp import access
from adminapp.extensions import db, limiter
from adminapp.text import nfc
from tests import summary
from tests.conftest import Auth, csrf_from
from tests.security import discover

EXAMPLES = 40
UNEXPECTED = "Đã xảy ra lỗi"  # the generic message of handle_view_exception / the 500 page
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=False,
                    suppress_health_check=list(HealthCheck))
TEXT_TYPES = {"text", "textarea", "email", "tel", "url", "search", "number"}
NORMALISE = {"username": str.lower}  # fields the app normalises on purpose (UserView.check_change)

VIETNAMESE = [
    "Công đoàn cơ sở Trường THPT Việt Đức", "Nguyễn Thị Ánh Tuyết", "Đổi mới sáng tạo, vượt khó phát triển",
    "Liên đoàn Lao động tỉnh Nghệ An", "Phó Chủ tịch – Ủy ban Kiểm tra", "Hưởng ứng phong trào “Xanh – Sạch – Đẹp”",
    "Kỹ sư điện, Tổng Công ty Điện lực Miền Bắc", "0912 345 678", "tuyet.nguyen@congdoan.vn",
]
ODD = "\x00\x01\x08\x0b\x1b\x1f\x7f\u0085\u00a0\u200b\u200e\u202e\u2028\ufeff\ufffd\t\r\n '\"<>&%_\\;-=+@/"
NUMBERS = ["-1", "0", "-0", "1001", "1000000001", "2147483648", "-9223372036854775809", "99999999999999999999",
           "1e309", "NaN", "inf", "1,5", "1.5", "３", "0x10", " 7 "]
DATES = ["31/02/2026", "29/02/2023", "2026-13-45", "00/00/0000", "01/01/0001", "31/12/9999", "1/1/10000",
         "32/01/2026", "2026-02-30", "01-01-2026", "hôm nay", "2026/01/01", "01/01/2026 25:61"]


def text_values():
    return st.one_of(
        st.sampled_from(VIETNAMESE),
        st.text(max_size=60),
        st.text(st.sampled_from(ODD), max_size=20),
        st.builds(lambda s, n: s * n, st.sampled_from(["Đ", "a", "ữ", "𝔘", "á"]), st.integers(200, 3000)),
        st.sampled_from(NUMBERS),
        st.sampled_from(DATES),
        st.just(""),
    )


def _all_ids() -> list[str]:
    ids = set()
    for model in access._SCOPES:
        ids.update(db.session.execute(db.select(model.id)).scalars())
    return [str(i) for i in sorted(ids)]


IDENTIFIER = st.from_regex(r"[a-z0-9][a-z0-9._-]{0,24}", fullmatch=True)
PLAUSIBLE = st.one_of(st.sampled_from(VIETNAMESE), IDENTIFIER)


def field_values(f: discover.FormField, ids: list[str]):
    """Half plausible (so forms get accepted and read back), half hostile."""
    hostile = _hostile(f, ids)
    if f.name in {"csrf_token", "version_token"}:
        return hostile
    if f.tag == "select" or f.type in {"hidden", "checkbox", "radio"}:
        keep = st.just(f.value) if not f.multiple else st.just([f.value] if f.value else [])
        return st.one_of(keep, keep, hostile)
    if f.type == "password":
        return st.one_of(st.just(""), st.just("MatKhau@2026"), hostile)
    return st.one_of(PLAUSIBLE, PLAUSIBLE, hostile)


def _hostile(f: discover.FormField, ids: list[str]):
    if f.name == "csrf_token":
        return st.just(f.value)
    if f.name == "version_token":
        return st.sampled_from([f.value] * 4 + ["", "0", "abc", "99999999999999999999"])
    if f.tag == "select" or f.attrs.get("data-role", "").startswith("select2-ajax") or (
            f.type == "hidden" and f.name not in {"url"}):
        base = st.one_of(st.sampled_from(f.options or [""]), st.sampled_from(ids or ["1"]),
                         st.integers(-3, 10**12).map(str), text_values())
        if f.multiple:
            return st.lists(base, max_size=4)
        return base
    if f.type in {"checkbox", "radio"}:
        choice = st.sampled_from(f.options + ["garbage", ""])
        if f.multiple:
            return st.lists(choice, max_size=len(f.options) + 1, unique=True)
        return st.one_of(st.none(), choice)
    if f.type == "password":
        return st.one_of(st.just(""), st.just("MatKhau@2026"), text_values())
    return text_values()


class _Crash:
    """An exception the app let escape (the test client propagates it; a server would answer 500)."""

    status_code = 500
    headers: dict = {}

    def __init__(self, exc: BaseException):
        self.exc = exc

    def get_data(self, as_text=False):  # noqa: ARG002
        return f"{type(self.exc).__name__}: {self.exc}"


def _request(call, *args, **kwargs):
    try:
        return call(*args, **kwargs)
    except Exception as exc:  # noqa: BLE001
        from adminapp.extensions import db as _db

        _db.session.rollback()
        return _Crash(exc)


def _post(client, url: str, data: dict):
    body = {k: v for k, v in data.items() if v is not None}
    return _request(client.post, url, data=body)


def _problem(r) -> str:
    if isinstance(r, _Crash):
        return f"HTTP 500 ({r.get_data()[:200]})"
    if r.status_code >= 500:
        return f"HTTP {r.status_code}"
    if r.status_code == 200 and "text/html" in (r.headers.get("Content-Type") or "") \
            and UNEXPECTED in r.get_data(as_text=True):
        return "unexpected error message"
    return ""


def _number(text: str):
    try:
        return float(text)  # Python, like WTForms, reads " 7 " and full-width "３" as numbers
    except ValueError:
        return text


def _date(text: str):
    text = text.strip()
    if not text:
        return None
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            pass
    return text


def _readback(client, location: str, sent: dict, fields: dict) -> list[str]:
    html = client.get(location).get_data(as_text=True)
    stored = discover.main_form(html).fields
    diffs = []
    for name, value in sent.items():
        f = fields.get(name)
        if f is None or f.type not in TEXT_TYPES or not isinstance(value, str) or name not in stored:
            continue
        expected = NORMALISE.get(name, lambda v: v)(nfc(value))  # every text is stored in NFC (adminapp/text.py)
        got = stored[name].value
        if f.type == "number":  # a number reads back as the same number ("" is the column default)
            if not value.strip() or _number(got) == _number(value):
                continue
        if not value.strip() and got == "":  # whitespace only: an optional field left empty (dates, numbers)
            continue
        if "data-app-date" in f.attrs or "datepicker" in f.attrs.get("data-role", ""):  # a date reads back as the same date, dd/mm/yyyy
            if _date(got) == _date(value):
                continue
        if got != expected and got != expected.strip():  # surrounding spaces are trimmed on purpose (codes)
            diffs.append(f"{name}: sent {value[:80]!r} read back {got[:80]!r}")
    return diffs


def test_every_admin_form_survives_fuzzing(ctx, login_as, user):
    client = login_as("admin")
    me = user("admin").id
    ids = _all_ids()
    stats = {"submitted": 0, "accepted": 0, "errors": 0}
    failures: list[str] = []
    pages = discover.form_pages(ctx, client, exclude_user_id=me)
    assert len(pages) >= 5, pages

    def fuzzer(view, kind, url):
        @SETTINGS
        @given(data=st.data())
        def fuzz(data):
            form = discover.main_form(client.get(url).get_data(as_text=True))
            # a few fields fuzzed, the others valid: rejections then come from the fuzzed values
            sent = discover.valid_baseline(client, view, form)
            names = [n for n in form.fields if n != "csrf_token"]
            for name in data.draw(st.sets(st.sampled_from(names), min_size=1, max_size=3), label="fuzzed"):
                sent[name] = data.draw(field_values(form.fields[name], ids), label=name)
            sent["_continue_editing"] = "1"  # on success Flask-Admin redirects to the record's edit page
            r = _post(client, url, sent)
            stats["submitted"] += 1
            problem = _problem(r)
            if problem:
                stats["errors"] += 1
                failures.append(f"{kind} {url}: {problem} for {_short(sent)}")
                return
            if r.status_code == 302 and "/edit/" in r.headers.get("Location", ""):
                stats["accepted"] += 1
                for diff in _readback(client, r.headers["Location"], sent, form.fields):
                    failures.append(f"{kind} {url}: {diff}")

        return fuzz

    for view, kind, url in pages:
        fuzzer(view, kind, url)()
    _record(ctx, "forms", stats)
    assert not failures, "\n".join(failures[:25])
    assert stats["accepted"] > 0, "no fuzzed submission was accepted: the generator never builds a valid form"


def test_list_parameters_survive_fuzzing(ctx, login_as):
    """search, every filter argument, sort, desc, page, page_size: random values never break a list page."""
    client = login_as("hanoi.officer")
    stats = {"submitted": 0, "accepted": 0, "errors": 0}
    failures: list[str] = []
    views = [v for v in discover.model_views(ctx) if client.get(discover.list_url(v)).status_code == 200]
    assert views
    def fuzzer(url, names):
        @SETTINGS
        @given(args=st.dictionaries(st.sampled_from(names), text_values(), min_size=1, max_size=4))
        def fuzz(args):
            r = _request(client.get, url, query_string=args)
            stats["submitted"] += 1
            if _problem(r):
                stats["errors"] += 1
                failures.append(f"{url}: {_problem(r)} for {_short(args)}")
            elif r.status_code == 200:
                stats["accepted"] += 1

        return fuzz

    for view in views:
        names = ["search", "sort", "desc", "page", "page_size"] + list(discover.filter_args(view))
        fuzzer(discover.list_url(view), names)()
    _record(ctx, "lists", stats)
    assert not failures, "\n".join(failures[:25])


def test_login_and_change_password_survive_fuzzing(ctx, client):
    stats = {"submitted": 0, "accepted": 0, "errors": 0}
    failures: list[str] = []
    token = csrf_from(client.get("/login").get_data(as_text=True))
    limiter.enabled = False  # the throttle would answer 429 and hide what the form does with the input
    try:
        @SETTINGS
        @given(username=st.one_of(st.sampled_from(["admin", "hanoi.viewer", "HANOI.VIEWER "]), text_values()),
               password=st.one_of(st.just(Auth.password), text_values()))
        def fuzz_login(username, password):
            r = _request(client.post, "/login",
                         data={"username": username, "password": password, "csrf_token": token})
            stats["submitted"] += 1
            if _problem(r):
                stats["errors"] += 1
                failures.append(f"/login: {_problem(r)} for {_short({'username': username, 'password': password})}")
            if r.status_code == 302:  # logged in: log out for the next example
                stats["accepted"] += 1
                client.post("/logout", data={"csrf_token": csrf_from(client.get("/password").get_data(as_text=True))})

        fuzz_login()
    finally:
        limiter.enabled = True

    viewer = ctx.test_client()
    Auth(viewer).login("hanoi.viewer")
    current = {"password": Auth.password}
    token = csrf_from(viewer.get("/password").get_data(as_text=True))

    @SETTINGS
    @given(old=st.one_of(st.just(None), text_values()), new=st.one_of(st.just("MatKhau@2026x"), text_values()),
           same=st.booleans())
    def fuzz_password(old, new, same):
        old = current["password"] if old is None else old
        confirm = new if same else new + "x"
        r = _request(viewer.post, "/password", data={"current_password": old, "new_password": new,
                                                     "confirm": confirm, "csrf_token": token})
        stats["submitted"] += 1
        if _problem(r):
            stats["errors"] += 1
            failures.append(f"/password: {_problem(r)} for {_short({'new': new, 'old': old})}")
            return
        if r.status_code == 302:  # accepted: the new password is exactly what logs in now
            stats["accepted"] += 1
            current["password"] = new
            probe = ctx.test_client()
            if Auth(probe).login("hanoi.viewer", new).status_code != 302:
                failures.append(f"/password: accepted {new[:40]!r} but it does not log in")

    fuzz_password()
    _record(ctx, "auth", stats)
    assert not failures, "\n".join(failures[:25])


def _short(values: dict) -> str:
    return repr({k: (v[:40] + "…" if isinstance(v, str) and len(v) > 40 else v) for k, v in values.items()
                 if k != "csrf_token"})


def _record(app, what: str, stats: dict) -> None:
    backend = app.config["BACKEND"]
    summary.count(f"fuzz-{backend}", "fuzzing [" + backend + "]: {submitted} submissions ({accepted} accepted), "
                  "{errors} answered 500 or an unexpected error", **stats)




HOSTILE_IDS = ["0", "-1", "2147483647", "2147483648", "-2147483649", "9223372036854775808",
               "99999999999999999999", "1e9", "abc", " 1", "1.5", "0x10", "%00", "١٢", "′"]
ID_PARAMS = ["id", "unit", "role", "page", "page_size", "offset", "limit", "tab", "sort", "desc", "pid"]


def test_url_rules_survive_hostile_ids(ctx, login_as):
    """Issue 16 (8): every URL rule of the app, with each id part and each id-like query argument set to
    values beyond an INTEGER column, negative, or not numbers at all, GET and POST, as an officer and as the
    administrator: never a 500 (PostgreSQL refused them with "integer out of range")."""
    import itertools

    from flask import url_for

    stats = {"submitted": 0, "accepted": 0, "errors": 0}
    failures: list[str] = []
    rules = [r for r in ctx.url_map.iter_rules()
             if not r.endpoint.endswith("static") and r.endpoint not in {"auth.logout", "auth.logout_everywhere"}]
    for username in ("hanoi.officer", "admin"):
        client = login_as(username)
        token = csrf_from(client.get("/password").get_data(as_text=True))
        for rule in rules:
            paths = []
            if rule.arguments:
                for value in ("1", "2147483647"):
                    try:
                        with ctx.test_request_context():
                            paths.append(url_for(rule.endpoint, **{a: value for a in rule.arguments}))
                    except Exception:  # noqa: BLE001 - arguments that are not ids (slugs accept any text)
                        continue
                # the raw rule with hostile path parts (those the converter refuses are simply 404)
                for value in HOSTILE_IDS[:9]:
                    raw = rule.rule
                    for a in rule.arguments:
                        raw = re.sub(r"<(?:[^:<>]+:)?" + re.escape(a) + r">", value, raw)
                    paths.append(raw)
            else:
                paths.append(rule.rule)
            params = zip(itertools.cycle(ID_PARAMS), itertools.cycle(HOSTILE_IDS[::-1]))
            for path, (name, value) in zip(paths, params, strict=False):
                for method in sorted(rule.methods & {"GET", "POST"}):
                    if method == "GET":
                        r = _request(client.get, path, query_string={name: value, "id": value})
                    else:
                        r = _request(client.post, path, data={"csrf_token": token, name: value, "id": value,
                                                              "rowid": [value, "2147483648"], "action": "approve",
                                                              "reason": "x"})
                    stats["submitted"] += 1
                    if _problem(r):
                        stats["errors"] += 1
                        failures.append(f"{username} {method} {path}?{name}={value}: {_problem(r)}")
                    elif r.status_code < 400:
                        stats["accepted"] += 1
    _record(ctx, "urls", stats)
    assert stats["submitted"] > 1000
    assert not failures, "\n".join(failures[:25])

"""Find what to attack without naming it: Flask-Admin model views, their list parameters and forms.

Everything is discovered from the running app (``app.extensions["admin"]`` and
``app.url_map``), so views added later (campaigns, initiatives) are covered by
every security test without editing it.
"""
from __future__ import annotations

import itertools
import json
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from flask import Flask
from flask_admin.model import BaseModelView


def model_views(app: Flask) -> list[BaseModelView]:
    admin = app.extensions["admin"][0]
    return [v for v in admin._views if isinstance(v, BaseModelView)]


def list_url(view: BaseModelView) -> str:
    return f"/admin/{view.endpoint}/"


def filter_args(view: BaseModelView) -> dict[str, object]:
    """Query argument name -> filter for every filter of the view (``flt0_<key>``)."""
    with_app = getattr(view, "_filter_args", None) or {}
    return {f"flt0_{key}": flt for key, (idx, flt) in with_app.items()}


def filter_sample(flt) -> str:
    """A value the filter accepts (an option when it has options)."""
    options = None
    try:
        options = flt.get_options(None)
    except Exception:  # noqa: BLE001 - options that need the view or a request
        options = getattr(flt, "options", None)
    if options:
        first = list(options)[0]
        return str(first[0] if isinstance(first, (tuple, list)) else first)
    kind = type(flt).__name__.lower()
    if "date" in kind:
        return "01/01/2020 to 31/12/2030" if "between" in kind else "2025-01-01"
    if "boolean" in kind:
        return "1"
    return "a"


def sortable_indexes(view: BaseModelView) -> list[int]:
    sortable = set(getattr(view, "_sortable_columns", {}) or {})
    return [i for i, (name, _) in enumerate(view._list_columns) if name in sortable]


ID_RE = re.compile(r"/admin/([\w-]+)/(details|edit)/\?id=(\d+)")


def ids_on_page(html: str, endpoint: str, kind: str = "edit") -> list[int]:
    return [int(m.group(3)) for m in ID_RE.finditer(html.replace("&amp;", "&"))
            if m.group(1) == endpoint and m.group(2) == kind]


# --------------------------------------------------------------------------- forms


@dataclass
class FormField:
    name: str
    tag: str  # input, select, textarea
    type: str = "text"
    value: str = ""
    options: list[str] = field(default_factory=list)
    multiple: bool = False
    attrs: dict = field(default_factory=dict)


@dataclass
class Form:
    action: str
    method: str
    fields: dict[str, FormField] = field(default_factory=dict)


class _FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._select: FormField | None = None
        self._textarea: FormField | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._form = Form(a.get("action", ""), a.get("method", "get").lower())
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        name = a.get("name")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset"}:
                return
            if kind in {"checkbox", "radio"} and name in self._form.fields:
                f = self._form.fields[name]
                f.options.append(a.get("value", "y"))
                if "checked" in a:
                    f.value = a.get("value", "y")
                return
            f = FormField(name, "input", kind, a.get("value", "") if kind not in {"checkbox", "radio"} or "checked" in a
                          else "", attrs=a)
            if kind in {"checkbox", "radio"}:
                f.options.append(a.get("value", "y"))
                f.multiple = kind == "checkbox"
            self._form.fields.setdefault(name, f)
        elif tag == "select" and name:
            self._select = FormField(name, "select", "select", multiple="multiple" in a, attrs=a)
            self._form.fields[name] = self._select
        elif tag == "option" and self._select is not None:
            value = a.get("value", "")
            self._select.options.append(value)
            if "selected" in a:
                self._select.value = value
        elif tag == "textarea" and name:
            self._textarea = FormField(name, "textarea", "textarea", attrs=a)
            self._form.fields[name] = self._textarea

    def handle_data(self, data):
        if self._textarea is not None:
            if not self._textarea.value and not self._textarea.attrs.get("_seen"):
                # HTML: a newline right after <textarea> is not part of the value (WTForms writes one)
                self._textarea.attrs["_seen"] = "1"
                data = data[2:] if data.startswith("\r\n") else data[1:] if data.startswith("\n") else data
            self._textarea.value += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._textarea = None


def forms_in(html: str) -> list[Form]:
    parser = _FormParser()
    parser.feed(html)
    return parser.forms


def main_form(html: str) -> Form:
    """The create/edit form of a Flask-Admin page (the POST form with the most fields)."""
    posts = [f for f in forms_in(html) if f.method == "post"]
    assert posts, "no POST form on the page"
    return max(posts, key=lambda f: len(f.fields))


def form_pages(app: Flask, client, exclude_user_id: int | None = None) -> list[tuple[BaseModelView, str, str]]:
    """(view, kind, url) of every create form and one edit form per view that the client may open.

    The edit form is the last row of the list; on the users view, never the logged-in account itself
    (`exclude_user_id`), so fuzzing cannot lock the fuzzer out."""
    pages = []
    for view in model_views(app):
        if client.get(list_url(view)).status_code != 200:
            continue
        new = f"/admin/{view.endpoint}/new/"
        if client.get(new).status_code == 200:
            pages.append((view, "new", new))
        html = client.get(list_url(view)).get_data(as_text=True)
        ids = ids_on_page(html, view.endpoint, "edit")
        if exclude_user_id is not None and getattr(view.model, "__tablename__", "") == "user_account":
            ids = [i for i in ids if i != exclude_user_id]
        if ids:
            pages.append((view, "edit", f"/admin/{view.endpoint}/edit/?id={ids[-1]}"))
    return pages


FREE_TEXT = {"text", "textarea", "email", "tel", "search", "url"}
_unique = itertools.count(1)


def valid_baseline(client, view: BaseModelView, form: Form) -> dict:
    """Values that make `form` validate: what it already holds, a unique identifier in each empty
    required text field, a password, the first option of empty selects, an ajax pick."""
    n = next(_unique)
    data = {}
    for name, f in form.fields.items():
        if f.type == "password":
            data[name] = "MatKhau@2026"
        elif f.tag == "select" or f.type in {"checkbox", "radio"}:
            value = f.value or next((o for o in f.options if o and o != "__None"), "")
            data[name] = [value] if f.multiple and value else value
        elif f.type == "hidden" and f.attrs.get("data-role", "").startswith("select2-ajax") and not f.value:
            r = client.get(f"/admin/{view.endpoint}/ajax/lookup/", query_string={"name": name, "query": ""})
            data[name] = str(json.loads(r.get_data(as_text=True))[0][0])
        elif f.type in FREE_TEXT and not f.value and "required" in f.attrs:
            data[name] = f"base{n}"
        else:
            data[name] = f.value
    return data

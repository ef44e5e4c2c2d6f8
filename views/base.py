"""ScopedModelView: the one place where Flask-Admin's defaults are made safe.

Every Flask-Admin path that reads or writes rows goes through the access
module (adminapp.access): list, count, details/edit/delete (get_one), bulk
actions (get_query_for_ids over the scoped query), exports, relationship
choices and ajax lookups. Out-of-scope ids answer 404. A new view is safe by
inheriting this class. See ../shared/FLASK_ADMIN.md for the list of leaks.
"""
from __future__ import annotations

import logging
import os
import tempfile
from datetime import date, datetime
from urllib.parse import quote

import sqlalchemy as sa
from flask import (
    abort,
    after_this_request,
    current_app,
    flash,
    g,
    has_request_context,
    redirect,
    request,
    send_file,
    url_for,
)
from flask_admin import expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.ajax import QueryAjaxModelLoader
from flask_admin.contrib.sqla.fields import QuerySelectField, QuerySelectMultipleField
from flask_admin.contrib.sqla.form import AdminModelConverter
from flask_admin.form import BaseForm
from flask_admin.model.base import FilterGroup
from flask_admin.model.filters import BaseIntFilter, BaseIntListFilter
from flask_admin.model.form import converts
from flask_login import current_user
from flask_wtf.csrf import _FlaskFormCSRF
from jinja2 import pass_context
from markupsafe import Markup, escape
from sqlalchemy import BigInteger
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.sql import column as sa_column
from sqlalchemy.sql import operators, visitors
from sqlalchemy.sql import table as sa_table
from unidecode import unidecode
from wtforms import HiddenField, ValidationError
from wtforms.validators import NumberRange

from adminapp import access, audit, clock, field_rules, formatting, jobs, params, revisions, unit_history, versioning
from adminapp import fts as fts_plan
from adminapp.exports import cells, tabular
from adminapp.extensions import db
from adminapp.prepared import UNPREPARED
from adminapp.text import fold, like_pattern, raw_like_pattern
from forms.fields import VnDateField
from forms.i18n import TRANSLATIONS
from forms.unicode import NfcMeta
from models import AuditEvent, Unit

VERSION_FIELD = "version_token"
CONFLICT_MESSAGE = versioning.CONFLICT
log = logging.getLogger(__name__)


class AdminForm(BaseForm):
    """Flask-Admin forms with Flask-WTF's CSRF token (the one CSRFProtect checks), Vietnamese messages and
    text in NFC (forms.unicode)."""

    class Meta(NfcMeta):
        csrf = True
        csrf_class = _FlaskFormCSRF
        csrf_field_name = "csrf_token"
        csrf_time_limit = None

        @property
        def csrf_secret(self):
            return current_app.config.get("WTF_CSRF_SECRET_KEY", current_app.secret_key)

        def get_translations(self, form):  # noqa: ARG002
            return TRANSLATIONS


def _as_id(value, model=None) -> int | None:
    """A primary key from typed input, or None: garbage, or beyond the range of the key's column
    (PostgreSQL refuses 2147483648 for an INTEGER with "integer out of range", a 500)."""
    bits = 32
    if model is not None:
        column = sa_inspect(model).primary_key[0]
        bits = 64 if isinstance(column.type, BigInteger) else 32
    return params.parse_id(value, bits=bits)


def _scoped_query_for(query):
    """The query of a relationship field restricted to the user's scope (by its entity)."""
    entity = query.column_descriptions[0]["entity"]
    return access.scope(current_user, entity, query)


class ScopedAjaxModelLoader(QueryAjaxModelLoader):
    """Ajax lookups (/ajax/lookup/) see only in-scope rows (Flask-Admin issue #397)."""

    def get_query(self):
        query = access.scope(current_user, self.model, super().get_query())
        if self.model is Unit:
            query = query.filter(unit_history.valid_on())  # pickers offer only units valid today
        return query

    def get_one(self, pk):
        # A typed value that is not an id ("abc", "1e309") made PostgreSQL fail the query (500):
        # it is simply no row.
        pk = _as_id(pk, self.model)
        if pk is None:
            return None
        obj = super().get_one(pk)
        return obj if obj is not None and access.in_scope(current_user, obj) else None

    DISPLAY_FIELD = {"user_account": "full_name", "unit": "name"}

    def format(self, model):
        """(id, label); the label is withheld when a field rule hides the field it shows."""
        if model is None:
            return None
        kind = self.model.__tablename__
        shown = self.DISPLAY_FIELD.get(kind)
        if shown and shown in field_rules.hidden_fields(current_user, kind):
            return getattr(model, self.pk), f"#{getattr(model, self.pk)}"
        return super().format(model)

    def get_list(self, term, offset=0, limit=10):
        limit = params.clamp(limit, 10, 1, 50)  # a typed ?limit= never dumps the table
        offset = params.clamp(offset, 0, 0, params.MAX_OFFSET)  # offset=-1 was a 500 on PostgreSQL
        if not hasattr(self.model, "search_text"):
            return super().get_list(term, offset, limit)
        query = self.get_query().filter(self.model.search_text.like(like_pattern(term or ""), escape="\\"))
        order = self.order_by if self.order_by is not None else getattr(self.model, "path", self.model.id)
        return query.order_by(order).offset(offset or 0).limit(limit).all()


def _date_formatter(view, value, name=None):  # noqa: ARG001
    return formatting.format_date(value)


def _datetime_formatter(view, value, name=None):  # noqa: ARG001
    return formatting.format_datetime(value)


def _bool_formatter(view, value, name=None):  # noqa: ARG001
    return "Có" if value else "Không"


def _list_formatter(view, values, name=None):  # noqa: ARG001
    return ", ".join(str(v) for v in values)


def _unit_formatter(view, value, name=None):  # noqa: ARG001
    """A unit on a current page: today's name, its former names on hover (issue 11). A list page reads the
    former names of all its units at once (ScopedModelView.get_list); a details page asks for its few."""
    if value.id in g.get("list_unit_ids", ()):
        former = g.list_unit_former.get(value.id, [])
    else:
        former = unit_history.former_names([value.id]).get(value.id, [])
    title = unit_history.former_title(value, former)
    if not title:
        return value.name
    return Markup('<span class="unit-former" title="Tên cũ: {}">{}</span>').format(title, value.name)


TYPE_FORMATTERS = {
    type(None): lambda view, value, name=None: "",
    Unit: _unit_formatter,
    bool: _bool_formatter,
    datetime: _datetime_formatter,  # before date: Flask-Admin takes the first isinstance match
    date: _date_formatter,
    list: _list_formatter,
}


class PlausibleYear:
    """Dates of this application (validity, deadlines, periods) lie in 1900–2100. A year such as 0001
    was accepted and then shown as "01/01/1" (found by form fuzzing)."""

    def __call__(self, form, field):  # noqa: ARG002
        if field.data and not (1900 <= field.data.year <= 2100):
            raise ValidationError("Năm phải trong khoảng 1900–2100.")


class VietnameseModelConverter(AdminModelConverter):
    """Date fields typed as dd/mm/yyyy or picked in the Vietnamese calendar (forms.fields.VnDateField,
    flatpickr instead of Flask-Admin's daterangepicker), years 1900–2100."""

    @converts("Date")
    def convert_date(self, field_args, **extra):  # noqa: ARG002
        field_args["validators"] = list(field_args.get("validators") or []) + [PlausibleYear()]
        return VnDateField(**field_args)


    @converts("Integer")  # includes BigInteger and SmallInteger
    def handle_integer_types(self, column, field_args, **extra):
        """Integers stay inside the column's range: a typed 2147483648 is a Vietnamese field error,
        not a database overflow (PostgreSQL)."""
        big = isinstance(column.type, BigInteger)
        bound = 2**63 - 1 if big else 2**31 - 1
        field_args.setdefault("validators", []).append(
            NumberRange(min=-bound - 1, max=bound, message="Số quá lớn hoặc quá nhỏ."))
        return super().handle_integer_types(column, field_args, **extra)


_STATIC_URLS: dict = {}


def static_url(endpoint: str = "static", **values) -> str:
    """url_for of a static file, kept for the process: every page links ~30 scripts and style sheets, each a
    url_for (a twentieth of a list page's time). A URL depends only on the endpoint, the arguments and where the
    app is mounted (the request's script root)."""
    key = (current_app.import_name, request.script_root if has_request_context() else "", endpoint,
           tuple(sorted(values.items())))
    url = _STATIC_URLS.get(key)
    if url is None:
        url = _STATIC_URLS[key] = url_for(endpoint, **values)
    return url


_MENUS: dict = {}
_URLS: dict = {}  # ScopedModelView._kept_url


@pass_context
def cached_menu(context, render):
    """The navigation bar's menu (Flask-Admin's layout.menu macro, `render`), kept for the process: it asks every
    view whether the user may open and see it and builds each link, a twentieth of a page's time. What it shows
    depends only on the user's permissions, on whether the user's unit launches campaigns (the "Phát động" menu,
    access.offers) and on the page (the active item)."""
    view = context.get("admin_view")
    user = access._real(current_user)
    if view is None or not has_request_context() or user is None or not getattr(user, "is_authenticated", False):
        return render()
    key = (current_app.import_name, request.script_root, view.admin.endpoint, view.endpoint,
           frozenset(access.permissions_of(user)), access.offers(user, "campaign.menu"))
    html = _MENUS.get(key)
    if html is None:
        if len(_MENUS) > 2000:
            _MENUS.clear()
        html = _MENUS[key] = render()
    return html


ROW_ID_MARK = "90817263544536271809"  # stands for a row's id in row buttons rendered once per page
_MEMO_ROW_ACTIONS = ("view_row", "edit_row")  # buttons whose HTML holds the row only through its id


@pass_context
def row_actions_html(context, actions, row, row_id):
    """A row's buttons (Flask-Admin's list_row_actions block). The "xem" and "sửa" buttons are rendered once per
    page, for each combination the rows allow, with a stand-in id, then filled with each row's id: their macros
    ran twice per row, a tenth of a list page's time. Any other button (a delete form holds the row's key and a
    token) is rendered per row as before."""
    names = [getattr(action, "template_name", "").rpartition(".")[2] for action in actions]
    return_url = str(context.get("return_url", ""))
    if (not has_request_context() or any(n not in _MEMO_ROW_ACTIONS for n in names) or not str(row_id).isdigit()
            or ROW_ID_MARK in return_url):
        return Markup("").join(action.render(context, row_id, row) for action in actions)
    view = context["admin_view"]
    allowed = view.row_allowed("edit", row) if "edit_row" in names else None
    key = (view.endpoint, tuple(names), allowed, return_url)
    cache = g.setdefault("row_action_html", {})
    pattern = cache.get(key)
    if pattern is None:
        pattern = cache[key] = str(Markup("").join(action.render(context, ROW_ID_MARK, row) for action in actions))
    return Markup(pattern.replace(ROW_ID_MARK, str(row_id)))


def row_checkbox_html(row_id):
    """A row's selection checkbox (Flask-Admin's list_row), its label translated once per request."""
    from flask_admin.babel import gettext as admin_gettext

    label = g.get("select_record_label")
    if label is None:
        label = g.select_record_label = str(escape(admin_gettext("Select record")))
    pk = escape(row_id)
    return Markup(f'<td>\n<input type="checkbox" name="rowid" class="action-checkbox" value="{pk}" title="{label}" '
                  f'aria-label="{label} {pk}" />\n</td>')


@pass_context
def list_cells_html(context, row, list_columns, get_value):
    """A row's data cells (Flask-Admin's list_row loop over the columns of a list without inline editing),
    joined in Python: the template's loop called is_editable and get_value through Jinja for each cell, a sixth
    of a list page's time. The same markup; each value escaped as the template escaped it."""
    return Markup("".join([f'<td class="col-{escape(c)}">{escape(get_value(context, row, c))}</td>'
                           for c, _ in list_columns]))


class ScopedModelView(ModelView):
    # Permission names (adminapp.access.PERMISSIONS) for each capability; None = never.
    view_permission: str | None = None
    create_permission: str | None = None
    edit_permission: str | None = None
    delete_permission: str | None = None
    export_permission: str | None = "export"
    audit_object_type: str | None = None

    form_base_class = AdminForm
    model_form_converter = VietnameseModelConverter
    page_size = 20
    can_set_page_size = True
    page_size_options = (20, 50, 100, 200)
    can_view_details = True
    export_types = ["xlsx", "csv"]
    column_type_formatters = TYPE_FORMATTERS
    column_type_formatters_detail = TYPE_FORMATTERS
    column_type_formatters_export = {type(None): lambda view, value, name=None: None}
    list_template = "admin/model/app_list.html"
    edit_template = "admin/model/app_edit.html"  # with a "Lịch sử thay đổi" link (issue 12)
    details_template = "admin/model/app_details.html"
    action_disallowed_list = ["delete"]  # deletion is per object (delete_model), never blind bulk
    column_searchable_list: list = []

    def __init__(self, model, **kwargs):
        super().__init__(model, db, **kwargs)

    # ----------------------------------------------------------------- who may

    def _has(self, permission: str | None) -> bool:
        return bool(permission) and access.has_permission(current_user, permission)

    def is_accessible(self) -> bool:
        return current_user.is_authenticated and self._has(self.view_permission)

    _ROW_ID = "\x00\x00row"  # url_for writes it "%00%00row": no other part of a URL holds that

    def get_url(self, endpoint, **kwargs):
        """Links through url_for, kept per process (_kept_url). A row's details and edit links are kept with a
        stand-in id and filled with each row's id: url_for for every button of every row was a tenth of a list
        page's time."""
        if endpoint.endswith(".static") and not kwargs.get("_external"):  # Flask-Admin's admin/static.html
            return static_url(endpoint, **kwargs)
        row_id = kwargs.get("id")
        if endpoint not in (".details_view", ".edit_view") or not str(row_id).isdigit() or not has_request_context():
            return self._kept_url(endpoint, kwargs)
        return self._kept_url(endpoint, dict(kwargs, id=self._ROW_ID)).replace("%00%00row", str(row_id))

    def _kept_url(self, endpoint, kwargs):
        """url_for, kept for the process (a list page builds ~20 sort and pager links): a URL without _external
        depends only on the endpoint (a relative one on the request's blueprint), its arguments and where the
        app is mounted."""
        if kwargs.get("_external") or not has_request_context():
            return super().get_url(endpoint, **kwargs)
        try:
            key = (current_app.import_name, request.script_root, request.blueprint, endpoint,
                   tuple(sorted(kwargs.items())))
            url = _URLS.get(key)
        except TypeError:  # an argument that cannot be a key (a list)
            return super().get_url(endpoint, **kwargs)
        if url is None:
            if len(_URLS) > 20_000:
                _URLS.clear()
            url = _URLS[key] = super().get_url(endpoint, **kwargs)
        return url

    def inaccessible_callback(self, name, **kwargs):  # noqa: ARG002
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    @property
    def can_create(self):
        return self._has(self.create_permission)

    @property
    def can_edit(self):
        return self._has(self.edit_permission)

    def row_allowed(self, action: str, row) -> bool:  # noqa: ARG002
        """Whether the row action `action` ("edit", "delete") is shown on this row: only what the user may
        do to this record (views override with their access rule)."""
        return True

    @property
    def can_delete(self):
        return self._has(self.delete_permission)

    @property
    def can_export(self):
        return self._has(self.export_permission)

    # ----------------------------------------------------------------- field rules (issue 12)
    # Columns, filters, search, forms and exports leave out what a field rule hides from the user, and forms
    # refuse what it makes read-only (adminapp/field_rules.py). Flask-Admin caches the columns at start-up:
    # the cached lists are kept whole and filtered per request here.

    field_rule_kind: str | None = None  # the catalogue's kind of record (default: the table's name)

    def _rule_kind(self) -> str | None:
        kind = self.field_rule_kind or self.model.__tablename__
        return kind if kind in field_rules.CATALOG else None

    def _hidden(self) -> set[str]:
        kind = self._rule_kind()
        if kind is None or not has_request_context() or not current_user.is_authenticated:
            return set()
        return field_rules.hidden_fields(current_user, kind)

    @staticmethod
    def _rule_name(name) -> str:
        name = str(getattr(name, "key", name))
        return name[:-3] if name.endswith("_id") else name

    def _visible(self, columns):
        hidden = self._hidden()
        return [c for c in columns if self._rule_name(c[0]) not in hidden] if hidden else columns

    @property
    def _list_columns(self):
        return self._visible(self.__dict__.get("_all_list_columns", []))

    @_list_columns.setter
    def _list_columns(self, value):
        self.__dict__["_all_list_columns"] = value

    @property
    def _details_columns(self):
        return self._visible(self.__dict__.get("_all_details_columns", []))

    @_details_columns.setter
    def _details_columns(self, value):
        self.__dict__["_all_details_columns"] = value

    @property
    def _export_columns(self):
        return self._visible(self.__dict__.get("_all_export_columns", []))

    @_export_columns.setter
    def _export_columns(self, value):
        self.__dict__["_all_export_columns"] = value

    def get_export_columns(self):
        return self._visible(super().get_export_columns())

    def _hidden_filter_indexes(self) -> set[int]:
        hidden = self._hidden()
        if not hidden or not self._filters:
            return set()
        return {i for i, flt in enumerate(self._filters)
                if self._rule_name(getattr(flt, "column", "")) in hidden}

    def _get_filter_groups(self):
        """Flask-Admin's filter groups (model/base.py, 2.2) built for this request: options given as a callable
        (the programmes the user sees) are asked now, and nothing is stored on the view, which every request
        and thread shares (refreshing its cache per request let one user's options reach another's page). A
        filter on a field hidden from the user is left out."""
        if not self._filters:
            return None
        skip = self._hidden_filter_indexes()
        groups: dict[str, FilterGroup] = {}
        for i, flt in enumerate(self._filters):
            if i in skip:
                continue
            group = groups.setdefault(str(flt.name), FilterGroup(flt.name))
            group.append({"index": i, "arg": self.get_filter_arg(i, flt), "operation": flt.operation(),
                          "options": flt.get_options(self) or None, "type": flt.data_type})
        return dict(group.non_lazy() for group in groups.values())

    def _apply_form_rules(self, form):
        """Hidden fields leave the form; read-only ones are shown disabled. A posted value for either is
        remembered as a violation (the save is refused with the field's name); on a POST both leave the form
        so that the stored value is kept."""
        kind = self._rule_kind()
        if kind is None:
            return form
        for name, mode in field_rules.restricted(current_user, kind).items():
            for field_name in (name, name + "_id"):
                if field_name not in form:
                    continue
                if request.method == "POST":
                    if field_name in request.form or field_name in request.files:
                        g.field_rule_violation = field_rules.ReadOnlyField(field_rules.label(kind, name)).message
                    del form[field_name]
                elif mode == field_rules.HIDDEN:
                    del form[field_name]
                else:
                    form[field_name].render_kw = dict(form[field_name].render_kw or {}, disabled=True)
        return form

    # ----------------------------------------------------------------- scoped reads

    def get_query(self):
        return access.scope(current_user, self.model, super().get_query())

    def get_count_query(self):
        return super().get_count_query().filter(access.scope_condition(current_user, self.model))

    def get_one(self, id):
        pk = _as_id(id, self.model)
        if pk is None:
            abort(404)
        obj = self.get_query().filter(self.model.id == pk).one_or_none()
        if obj is None:
            abort(404)  # out of scope looks exactly like missing
        return obj

    def _create_ajax_loader(self, name, options):
        prop = getattr(self.model, name).property
        return ScopedAjaxModelLoader(name, self.session, prop.mapper.class_, **options)

    # ----------------------------------------------------------------- list arguments

    MAX_PAGE = 1_000_000  # far beyond any real list; keeps OFFSET a valid, non-negative integer

    def _get_list_extra_args(self):
        """A typed ?page= that is negative or huge answered 500 (negative OFFSET on PostgreSQL,
        integer overflow on SQLite): clamp it to the range of real pages."""
        args = super()._get_list_extra_args()
        args.page = params.clamp(request.args.get("page"), 0, 0, self.MAX_PAGE)
        args.sort = params.parse_int(request.args.get("sort"), None, lo=0, hi=len(self._list_columns) - 1)
        args.sort_desc = params.clamp(request.args.get("desc"), 0, 0, 1) or None
        return args

    def _get_list_filter_args(self):
        """Integer filter values beyond a 32-bit integer answered 500 on PostgreSQL ("integer out of
        range"): such a value is invalid input, refused like any other with Flask-Admin's message."""
        filters = super()._get_list_filter_args()
        if not filters:
            return filters
        kept = []
        hidden_filters = self._hidden_filter_indexes()
        for idx, name, value in filters:
            flt = self._filters[idx]
            if idx in hidden_filters:
                continue  # a filter on a field hidden from this user: as if absent
            if isinstance(flt, (BaseIntFilter, BaseIntListFilter)):
                cleaned = flt.clean(value)
                numbers = cleaned if isinstance(cleaned, list) else [cleaned]
                if not all(-(2**31) <= n < 2**31 for n in numbers):
                    flash(self.get_invalid_value_msg(value, flt), "error")
                    continue
            kept.append((idx, name, value))
        return kept

    def _apply_sorting(self, query, joins, sort_column, sort_desc):
        """Sorted by the chosen column, then by id: rows that tie on the column (a level, a status) keep
        one order across requests, so paging never shows a row twice or skips one. A unique, non-null
        column has no ties: no tiebreaker, so its own unique index serves the order. Every offered sort
        has an index in that order (tests/test_sort_indexes.py)."""
        query, joins = super()._apply_sorting(query, joins, sort_column, sort_desc)
        pk = self.model.__table__.c.id
        terms = list(query._order_by_clauses)
        clauses = [getattr(c, "element", c) for c in terms]
        if terms and not any(c.compare(pk) for c in clauses) and not (len(clauses) == 1 and _unique_not_null(clauses[0])):
            # the same direction as the last term (a default order such as created_at DESC included), so one
            # index walked one way serves the whole ORDER BY
            desc = getattr(terms[-1], "modifier", None) is operators.desc_op
            query = query.order_by(pk.desc() if desc else pk.asc())
        return query, joins

    def _page_ids(self, query, page, page_size, searched=()):
        """The ids of one page, by the narrowest query: no eager joins, only the id, so that the sort's
        (scope, column, id) index alone answers it (an index walk that stops at the page)."""
        merged = self._merged_page_ids(query, page, page_size)
        if merged is not None:
            return merged
        walked = self._walked_page_ids(query, page, page_size, searched)
        if walked is not None:
            return walked
        rowid = self._fts_rowid(query)
        terms = list(query._order_by_clauses)
        by_id = len(terms) == 1 and getattr(terms[0], "element", terms[0]).compare(self.model.__table__.c.id)
        if rowid is not None and by_id:
            # a search in id order: the same order read from the FTS5 table (its rowid is the id), which
            # returns its matches in that order; ordered by initiative.id, SQLite would sort every match first
            desc = getattr(terms[0], "modifier", None) is operators.desc_op
            query = query.order_by(None).order_by(rowid.desc() if desc else rowid.asc())
        return super()._apply_pagination(query, page, page_size).enable_eagerloads(False).with_entities(
            self.model.id)

    # A search's first pages are first looked for among this many rows in the list's order (below)
    search_walk_rows = 5_000

    def _walked_page_ids(self, query, page, page_size, searched):
        """PostgreSQL, a search's first pages: the rows in the list's order (its index walked), checked against
        the search, stopping at the page; None when the first `search_walk_rows` rows do not fill the page
        (a rare word: the trigram index serves, _page_ids). The planner takes a search for rare (it cannot
        estimate "%cai%" AND "%tien%" together) and reads every match of a common one through the trigram
        index, rechecks each row and sorts them all (10,000 rows of "cai tien lo hoi": 34 ms at 1M) where the
        walk reads a few thousand rows in order and stops. One statement either way; two for a rare word."""
        if not searched or (page + 1) * page_size > self.search_walk_rows // 10:
            return None
        if db.session.get_bind().dialect.name != "postgresql":
            return None  # SQLite walks the FTS5 table in id order (_page_ids)
        table = self.model.__table__
        terms = list(query._order_by_clauses)
        if not terms or any(getattr(getattr(t, "element", t), "table", None) is not table for t in terms):
            return None  # a sort on a joined column
        # the window: the first rows in the list's order, as a WITH query named like the table, which it hides
        # in the statement (PostgreSQL: a WITH query's name is not in scope in its own body, which reads the
        # table); the search's conditions then read the window as they are, with nothing rewritten
        base = self._without(query, searched).enable_eagerloads(False)
        # only the columns the order and the search read: the window's rows are copied one by one (the row
        # number's WindowAgg), and the table's every column made that copy cost more than reading the row
        used = _columns_of(table, [*terms, *searched], always=("id",))

        def window(rows: int):
            # each row's place in the order too (walk_pos): how far the walk went tells how common the search is
            return base.with_entities(*used, db.func.row_number().over(order_by=terms).label("walk_pos")) \
                .limit(rows).cte(table.name)

        stmt = db.select(table.c.id, db.literal_column(f"{table.name}.walk_pos")).where(*searched) \
            .order_by(*terms).limit(page_size).offset(page * page_size).add_cte(window(self.search_walk_rows))
        found = db.session.execute(stmt, execution_options=SEARCH_STATEMENT).all()
        if len(found) < page_size:
            return None
        g.search_walk = {"view": self.endpoint, "found": (page + 1) * page_size, "read": found[-1][1],
                         "window": window, "searched": searched}
        return db.select(table.c.id).where(table.c.id.in_([row[0] for row in found]))

    # A search count by the same walk when the page's walk shows it would reach the count's cap within at most
    # search_walk_count_max rows, walked for less than the trigram index would count them
    # (adminapp/fts.pg_index_count_cost); within search_walk_count_rows for a search the index cannot take (words
    # shorter than 3 letters); else the trigram index counts
    search_walk_count_rows = 20_000
    search_walk_count_max = 100_000

    def _walked_count(self, cap: int, search: str = ""):
        """PostgreSQL, a search whose page was found by walking the list's order (_walked_page_ids): when the
        walk found its rows densely enough to reach `cap` + 1 matches within `search_walk_count_max` rows, walked
        for less than the trigram index would count (a province's rows, scattered over the table, cost a page
        read each: "cai tien lo hoi" in Hanoi walked 22,000 rows in 24-48 ms where the index counts in 19),
        count by walking those rows and stopping at the cap. The planner takes a common word's search for rare
        (its trigrams, or the words checked by strpos, are estimated apart) and reads the trigram lists of a
        third of the table to count to the cap ("so hoa ho so": 45 ms, the walk 3 ms; "le hoa": 95 ms, the walk
        48 ms). None: not reached, the index counts (_capped_count)."""
        walk = g.get("search_walk")
        if not walk or walk["view"] != self.endpoint:
            return None
        needed = (cap + 1) * walk["read"] / walk["found"]
        if needed > self.search_walk_count_max:
            return None
        table = self.model.__table__
        if not self._walk_counts_cheaper(search, walk["found"] / walk["read"], needed, cap):
            return None
        # room for a density lower than the page's 20 matches showed (the walk stops at the cap all the same): a
        # window of just the rows expected fell short about every other time, and the index then counted again
        rows = min(self.search_walk_count_max, max(self.search_walk_count_rows, int(needed * 1.5)))
        limited = db.select(db.literal_column("1").label("one")).select_from(table).where(*walk["searched"]) \
            .limit(cap + 1).add_cte(walk["window"](rows)).subquery()
        n = db.session.execute(db.select(db.func.count()).select_from(limited),
                               execution_options=SEARCH_STATEMENT).scalar_one()
        return CappedCount(cap) if n > cap else None

    def _walk_counts_cheaper(self, search: str, density: float, needed: float, cap: int) -> bool:
        """Does walking `needed` rows of the list cost less than the trigram index counting the search? Without a
        word the index takes (every word shorter than 3 letters), up to `search_walk_count_rows` rows."""
        words = _pg_index_words(search.split())
        table = self.model.__table__
        n = fts_plan.pg_table_rows(table) if words else 0
        if not n:
            return needed <= self.search_walk_count_rows
        return needed * fts_plan.PG_WALK_US <= fts_plan.pg_index_count_cost(table, words, n, n * density, cap)

    def _fts_rowid(self, query):
        """The rowid column of the FTS5 table a search joined to `query` (_apply_search), else None."""
        name = getattr(self.model, "__fts_table__", None)
        for join in getattr(query, "_setup_joins", ()) if name else ():
            if getattr(join[0], "name", None) == name:
                return join[0].c.rowid
        return None

    def _merged_page_ids(self, query, page, page_size):
        """A scope made of several index equalities (a province that absorbed others: access.scope_arms) and a
        sort on the model's own columns: one arm per equality, each read in sort order from its (scope, column,
        id) index, merged (PostgreSQL Merge Append, SQLite MERGE (UNION ALL)) and cut to the page. The union
        sorted as a whole would sort every row of the province on every page. None: the plain page serves."""
        arms = access.scope_arms(current_user, self.model)
        if not arms:
            return None
        table = self.model.__table__
        keys = []
        for term in query._order_by_clauses:
            element = getattr(term, "element", term)
            if getattr(element, "table", None) is not table:
                return None  # a sort on a joined column: the plain page
            keys.append((element, getattr(term, "modifier", None) is operators.desc_op))
        # selected: the id first (the page's ids), then the other sort keys; ordered by the keys
        selected = [table.c.id] + [c for c, _ in keys if c is not table.c.id]
        positions = [next(i for i, s in enumerate(selected) if s is c) for c, _ in keys]
        base = query.order_by(None).enable_eagerloads(False).with_entities(*selected)
        offset = page * page_size

        def ordered(columns):
            return [columns[i].desc() if desc else columns[i].asc() for i, (_, desc) in zip(positions, keys, strict=True)]

        rest = [arm.condition for arm in arms if isinstance(arm, access.ScopeRest)]
        arms = [arm for arm in arms if not isinstance(arm, access.ScopeRest)]
        if db.session.get_bind().dialect.name == "sqlite":
            # a compound SELECT ordered as a whole: SQLite merges the arms, each walking its index in order. The
            # small rest is materialised first: asked for in sort order, SQLite scanned the whole table for it
            rest_sql = [db.select(*cte.c) for cte in (base.filter(cond).statement.cte(f"scope_rest_{i}")
                                                      .prefix_with("MATERIALIZED") for i, cond in enumerate(rest))]
            union = db.union_all(*(base.filter(arm).statement for arm in arms), *rest_sql)
            picked = union.order_by(*ordered(list(union.selected_columns))).limit(page_size).offset(offset)
            return db.select(picked.subquery().c[0])
        # PostgreSQL plans each parenthesised arm alone (its equality makes the index walk ordered) and merges
        # them lazily (Merge Append); each arm stops at the page's end. The small rest is read whole: asked for
        # in sort order, PostgreSQL walked the whole table's id index to find its (usually no) rows
        arms_sql = [base.filter(arm).order_by(*ordered(selected)).limit(offset + page_size)
                    .statement for arm in arms] + [base.filter(cond).statement for cond in rest]
        union = db.union_all(*arms_sql).subquery()
        return db.select(union.c[0]).order_by(*ordered(list(union.c))).limit(page_size).offset(offset)

    def _apply_pagination(self, query, page, page_size, searched=()):
        """Pages by a deferred join: the page's ids are picked by `_page_ids`, then only those rows are
        loaded with their related units. Plain LIMIT/OFFSET on the full query joins and sorts whole rows.
        `searched`: the search's conditions (get_list), left out of the rows' query: the ids match them
        already, and kept there the database ran the search a second time (PostgreSQL: the trigram index and
        every match rechecked again; SQLite: the FTS5 table asked once per id of the page)."""
        if not page_size:  # an export: every row, streamed
            return super()._apply_pagination(query, page, page_size)
        ids = self._page_ids(query, page, page_size, searched).subquery()
        return self._rows_query(query, searched).filter(self.model.id.in_(db.select(ids.c[0])))

    def _rows_query(self, query, searched):
        """The query that loads the page's rows by their ids: without the search (its join and conditions) and,
        when nothing else is joined, without any condition at all: the ids already passed the scope and the
        filters, and kept there PostgreSQL evaluated them again over the table (a province's registrations:
        a scan of every row to keep 20 ids, 6 ms). With another join (a sort on a related column) the other
        conditions stay: a join without its condition could repeat rows."""
        rows = self._without(query, searched)
        rowid = self._fts_rowid(query)
        if not any(rowid is None or j[0] is not rowid.table for j in query._setup_joins):
            rows = rows._clone()
            rows._where_criteria = ()
        return rows

    def _without(self, query, searched):
        """`query` without the conditions in `searched` and without the FTS5 join of a search."""
        rowid = self._fts_rowid(query)
        if rowid is None and not searched:
            return query
        query = query._clone()
        if rowid is not None:
            query._setup_joins = tuple(j for j in query._setup_joins if j[0] is not rowid.table)
        query._where_criteria = tuple(c for c in query._where_criteria if not any(c is d for d in searched))
        return query

    # ----------------------------------------------------------------- counts (capped on list pages)

    # A list page counts at most this many rows (then shows "hơn 10.000"): counting a national table on
    # every page read all of it. Exports (page_size 0) and the export jobs' progress keep the exact count.
    count_cap = 10_000
    # A search counts at most this many matches ("hơn 200", ten pages of 20): a common word matches tens of
    # thousands of rows, and finding each of them (a trigram index's candidates rechecked one by one, or the list
    # walked in order) was the slowest part of a search page; past ten pages the officer narrows the search. The
    # pager still goes on while pages are full. At 1,000 (until 2026-12) the count took 21-37 ms of a 50 ms page
    # at 1M rows ("cai tien lo hoi", "le hoa"); at 200, 4-15 ms.
    search_count_cap = 200

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """Flask-Admin's get_list (contrib/sqla/view.py, 2.2) with a capped count on list pages."""
        joins, count_joins = {}, {}
        g.pop("search_walk", None)  # what an earlier list of this request walked says nothing of this one
        query = self.get_query()
        count_query = self.get_count_query() if not self.simple_list_pager else None
        if hasattr(query, "_join_entities"):
            for entity in query._join_entities:
                for table in entity.tables:
                    joins[table] = None
        searched = ()
        if self._search_supported and search:
            before = (len(query._where_criteria), len(query._setup_joins))
            query, count_query, joins, count_joins = self._apply_search(query, count_query, joins, count_joins,
                                                                        search)
            fts = self._fts_rowid(query)
            if all(fts is not None and j[0] is fts.table for j in query._setup_joins[before[1]:]):
                # the search's own conditions, left out of the page's rows' query; not when the search joined
                # another table (a one-to-many join without its condition would repeat rows)
                searched = query._where_criteria[before[0]:]
        if filters and self._filters:
            query, count_query, joins, count_joins = self._apply_filters(query, count_query, joins, count_joins,
                                                                         filters)
        count, capped = None, None
        effective_size = self.page_size if page_size is None else page_size
        if count_query is not None:
            cap = min(self.count_cap, self.search_count_cap) if search and self.count_cap else self.count_cap
            if effective_size and cap:
                capped = cap
            else:
                count = count_query.scalar()
        for j in self._auto_joins:
            query = query.options(joinedload(j))
        query, joins = self._apply_sorting(query, joins, sort_column, sort_desc)
        query = self._apply_pagination(query, page, page_size, searched)
        folded = execute and capped is not None and not search
        if folded:
            # the capped count rides in the rows' statement, one column computed once: one round trip less
            rows = query.add_columns(self._capped_count_column(count_query, capped)).all()
            query = [row[0] for row in rows]
        elif execute:
            query = (query.execution_options(**SEARCH_STATEMENT) if search else query).all()
        if execute:
            self._prefetch_former_names(query)
        if folded and (rows or page == 0):  # past the last page no row carries the count: counted below
            n = rows[0][1] if rows else 0
            return (CappedCount(capped) if n > capped else n), query
        if capped is not None:
            # a first page that is not full holds every row: its length is the count (a rare word, a small
            # list), with no counting statement
            full = not (execute and page == 0 and len(query) < effective_size)
            count = (self._walked_count(capped, search) if search else None) if full else len(query)
            if count is None:
                count = self._capped_count(count_query, capped, SEARCH_STATEMENT if search else None)
        return count, query

    def _prefetch_former_names(self, rows) -> None:
        """The former names of the units the page's unit columns show, in one statement (their hover)."""
        mapper = sa_inspect(self.model)
        keys = []
        for name, _ in self._list_columns:
            rel = mapper.relationships.get(name)
            if rel is not None and not rel.uselist and rel.mapper.class_ is Unit:
                keys.append(mapper.get_property_by_column(next(iter(rel.local_columns))).key)
        if self.model is Unit or not keys or not has_request_context():
            return
        ids = {getattr(row, key) for row in rows for key in keys} - {None}
        g.list_unit_former = unit_history.former_names(ids)
        g.list_unit_ids = ids

    def _capped_count_statement(self, count_query, cap: int):
        """SELECT count(*) of at most cap + 1 rows of `count_query`."""
        rowid = self._fts_rowid(count_query)
        if rowid is not None:
            # a search: the FTS5 table drives, in its rowid order, and stops at the cap. Unordered, SQLite may
            # walk a filter's index (a status: half the table) and query the FTS table once per row (1 s)
            count_query = count_query.order_by(rowid.desc())
        # the cap written into the statement: a prepared statement's generic plan then knows it (adminapp/prepared.py)
        limited = (count_query.with_entities(db.literal_column("1").label("one"))
                   .limit(db.literal_column(str(int(cap) + 1))).subquery())
        return db.select(db.func.count()).select_from(limited)

    def _capped_count_column(self, count_query, cap: int):
        """The capped count as a column of the page's rows statement: uncorrelated, computed once."""
        return self._capped_count_statement(count_query, cap).correlate(None).scalar_subquery().label("capped_total")

    def _capped_count(self, count_query, cap: int, options=None):
        """The count, reading at most cap + 1 rows: past the cap, a CappedCount ("hơn 10.000"). `options`: the
        statement's execution options (SEARCH_STATEMENT)."""
        n = db.session.execute(self._capped_count_statement(count_query, cap), execution_options=options or {}).scalar()
        return CappedCount(cap) if n > cap else n

    # ----------------------------------------------------------------- search (diacritic-insensitive)

    def init_search(self):
        if hasattr(self.model, "search_text"):
            self.column_searchable_list = ["search_text"]
        return super().init_search()

    def search_placeholder(self):
        return "Tìm kiếm (gõ có dấu hoặc không dấu)"

    def _apply_search(self, query, count_query, joins, count_joins, search):
        if not hasattr(self.model, "search_text"):
            return super()._apply_search(query, count_query, joins, count_joins, search)
        fields = getattr(self.model, "__search_fields__", ())
        if self._hidden() & set(fields):
            # a field hidden from this user must not answer a search (a phone number typed would find the row):
            # only the visible fields are searched, as typed (no diacritic folding for this user)
            visible = [getattr(self.model, f) for f in fields if f not in self._hidden()]
            for term in search.split():
                cond = db.or_(*[db.func.lower(c).like(raw_like_pattern(term), escape="\\") for c in visible])
                query = query.filter(cond)
                if count_query is not None:
                    count_query = count_query.filter(cond)
            return query, count_query, joins, count_joins
        fts, indexed, rest = _search_parts(self.model, search)
        if fts is not None:
            # joined, not "id IN (…)": SQLite then walks the FTS5 matches in rowid order and stops at the page
            # or at the count's cap (_page_ids), instead of first collecting every match (a common word: a
            # third of the table)
            on = fts.c.rowid == self.model.id
            query = query.join(fts, on).filter(*indexed, *rest)
            if count_query is not None:
                count_query = count_query.join(fts, on).filter(*indexed, *rest)
            return query, count_query, joins, count_joins
        cond = db.and_(db.true(), *rest)  # no word at all (a search of blanks such as U+2003): every row
        query = query.filter(cond)
        if count_query is not None:
            count_query = count_query.filter(cond)
        return query, count_query, joins, count_joins

    # ----------------------------------------------------------------- forms

    def scaffold_form(self):
        form_class = super().scaffold_form()
        if hasattr(self.model, "version"):
            setattr(form_class, VERSION_FIELD, HiddenField())
        return form_class

    def _rescope_fields(self, form):
        for field in form:
            if isinstance(field, (QuerySelectField, QuerySelectMultipleField)) and field.query_factory:
                field.query = _scoped_query_for(field.query_factory())
                if not field.blank_text:
                    field.blank_text = "— Chọn —"
        return form

    def create_form(self, obj=None):
        return self._apply_form_rules(self._rescope_fields(super().create_form(obj)))

    def edit_form(self, obj=None):
        form = self._apply_form_rules(self._rescope_fields(super().edit_form(obj)))
        if obj is not None and hasattr(form, VERSION_FIELD) and request.method == "GET":
            getattr(form, VERSION_FIELD).data = str(obj.version)
        return form

    def update_model(self, form, model):
        token = getattr(form, VERSION_FIELD, None)
        if token is not None and token.data and token.data != str(model.version):
            flash(self.conflict_message(form, model), "error")
            return False
        g.editing_form = form  # a save that loses the race at flush (StaleDataError) explains itself too
        try:
            saved = super().update_model(form, model)
        finally:
            stale = g.pop("stale_save", False)
            g.pop("editing_form", None)
        if stale:
            db.session.rollback()
            current = db.session.get(type(model), model.id)
            flash(self.conflict_message(form, current) if current is not None else CONFLICT_MESSAGE, "error")
        return saved

    def conflict_message(self, form, current) -> str:
        """The conflict message with what the other person changed: each field whose stored value now
        differs from what this user submitted, with its current value, and who saved it last."""
        diffs = []
        columns = set(sa_inspect(type(current)).column_attrs.keys())  # relationships (files, links…) aside
        for field in form:
            if field.name in {VERSION_FIELD, "csrf_token"} or field.type in {"PasswordField", "HiddenField",
                                                                             "CSRFTokenField"}:
                continue
            if field.name not in columns or _same_value(getattr(current, field.name), field.data):
                continue
            diffs.append(f"{field.label.text}: hiện là “{_shown(getattr(current, field.name))}”")
        message = CONFLICT_MESSAGE
        if diffs:
            message += " Khác với bản bạn gửi: " + "; ".join(diffs) + "."
        last = db.session.execute(
            db.select(AuditEvent).where(
                AuditEvent.object_type == getattr(current, "__tablename__", ""),
                AuditEvent.object_id == str(current.id),
                AuditEvent.action.like("%.update"),
            ).order_by(AuditEvent.id.desc()).limit(1)
        ).scalar_one_or_none()
        if last is not None and last.actor is not None:
            message += (f" Người sửa gần nhất: {last.actor.full_name}, lúc "
                        f"{formatting.format_datetime(last.created_at)}.")
        return message

    # ----------------------------------------------------------------- writes are checked and audited

    def check_change(self, form, model, is_created: bool) -> None:
        """Per-object rule for create/edit (override); raise access.PermissionDenied or ValueError."""
        permission = self.create_permission if is_created else self.edit_permission
        access.require(current_user, permission, model)

    def on_model_change(self, form, model, is_created):
        violation = g.pop("field_rule_violation", None)
        if violation:
            raise ValueError(violation)  # a read-only or hidden field was posted: nothing is saved
        with db.session.no_autoflush:
            details = None if is_created else {"fields": _changed_fields(model)}
            self.check_change(form, model, is_created)
        db.session.flush()  # the id exists now; the event joins the same transaction
        action = "create" if is_created else "update"
        audit.record(current_user, model, f"{self._object_type()}.{action}", details=details)

    def on_model_delete(self, model):
        access.require(current_user, self.delete_permission, model)
        audit.record(current_user, model, f"{self._object_type()}.delete", details={"label": str(model)})

    @property
    def history_object_type(self) -> str | None:
        """The kind of record whose revisions the "Lịch sử" page shows, if this model keeps revisions."""
        name = self.model.__tablename__
        return name if revisions.spec_for(name) is not None else None

    def _object_type(self) -> str:
        return self.audit_object_type or self.model.__tablename__

    def handle_view_exception(self, exc):
        if isinstance(exc, access.PermissionDenied):
            flash(exc.message, "error")
        elif isinstance(exc, StaleDataError):
            if "editing_form" in g:
                g.stale_save = True  # update_model flashes the detailed message after the rollback
            else:
                flash(CONFLICT_MESSAGE, "error")
        elif isinstance(exc, IntegrityError):
            flash("Không lưu được: dữ liệu trùng với bản ghi đã có hoặc đang được bản ghi khác sử dụng.", "error")
        elif isinstance(exc, ValueError):
            flash(str(exc), "error")
        else:
            log.exception("admin view error")
            flash("Đã xảy ra lỗi, thao tác chưa được lưu. Vui lòng thử lại.", "error")
        return True

    # ----------------------------------------------------------------- actions

    def is_action_allowed(self, name):
        if name == "delete":
            return False
        return super().is_action_allowed(name)

    def handle_action(self, return_view=None):
        """A list action the user is not offered answers 403 (Flask-Admin silently redirected back): what the
        menu shows and what the server accepts come from the same is_action_allowed (access.offers)."""
        name = request.form.get("action")
        if name and (name not in self._actions_data or not self.is_action_allowed(name)):
            abort(403)
        return super().handle_action(return_view)

    # ----------------------------------------------------------------- exports: streamed, scoped, filtered

    export_title: str | None = None

    @expose("/export/<export_type>/")
    def export(self, export_type):
        """Scoped, filtered export: a background job when a queue is configured, else streamed now."""
        if not self.can_export or export_type not in self.export_types:
            abort(404)
        if jobs.enabled():
            return background_export(self.endpoint, export_type, request.query_string.decode())
        count, headers, rows = self.export_plan()
        if count is not None and count > current_app.config["EXPORT_SYNC_MAX_ROWS"]:
            # no limit a user can meet: a large list is written on a background thread, with progress
            return background_export(self.endpoint, export_type, request.query_string.decode(), rows_total=count)
        return send_temp_file(lambda path: write_export_file(self, export_type, headers, rows(), path=path),
                              "." + export_type, EXPORT_MIMETYPES[export_type], self.get_export_name(export_type))

    def export_plan(self):
        """(row count, headings, rows(progress=None)) of the current list: scoped, filtered, sorted."""
        view_args = self._get_list_extra_args()
        sort_column = None
        if view_args.sort is not None:
            sort_column = self._get_column_by_idx(view_args.sort)[0]
        count, query = self.get_list(
            None, sort_column, view_args.sort_desc, view_args.search, view_args.filters,
            execute=False, page_size=0,
        )
        columns = self.get_export_columns()
        headers = [str(label) for _, label in columns]
        select = self._export_select(query, columns) if self.export_from_columns else None
        if select is not None:
            return count, headers, self._column_rows(select, [name for name, _ in columns])
        # many-to-one relationships named by export columns load with the rows, never one by one
        mapper = sa_inspect(self.model)
        for key in {name.split(".")[0] for name, _ in columns}:
            rel = mapper.relationships.get(key)
            if rel is not None and not rel.uselist:
                query = query.options(joinedload(getattr(self.model, key)))

        plan = self._unit_date_plan([name for name, _ in columns])

        def pairs(obj):
            return [(getattr(obj, fk), next((v for v in (getattr(obj, d) for d in dates) if v is not None), None))
                    for _, fk, dates in plan]

        def rows(progress=None):
            stream = query.yield_per(500)
            stream = unit_history.rows_with_names(stream, pairs) if plan else ((obj, ()) for obj in stream)
            for i, (obj, dated) in enumerate(stream, start=1):
                values = [self.get_export_value(obj, name) for name, _ in columns]
                yield self._dated_units(values, plan, dated)
                if progress is not None and i % 1000 == 0:
                    progress(i)

        return count, headers, rows

    # Export columns naming a unit (a many-to-one to Unit) that print the unit's name as it was on the
    # record's date (issue 11: a 2021 record keeps its 2021 names after the 2025 reorganisation), with the
    # record's date column(s), the first one set wins: {"owner_unit": ("start_date",)}. Names are read in
    # batches (adminapp.unit_history.rows_with_names: one statement per 1,000 rows); list pages keep
    # today's name with the former ones on hover.
    export_unit_dates: dict[str, tuple[str, ...]] = {}

    def _unit_date_plan(self, names: list[str]) -> list[tuple[int, str, tuple[str, ...]]]:
        """[(position in the export, the unit's foreign key attribute, the record's date attributes)]."""
        mapper = sa_inspect(self.model)
        plan = []
        for pos, name in enumerate(names):
            dates = self.export_unit_dates.get(name)
            rel = mapper.relationships.get(name)
            if dates and rel is not None and not rel.uselist and rel.mapper.class_ is Unit:
                fk = mapper.get_property_by_column(next(iter(rel.local_columns))).key
                plan.append((pos, fk, tuple(dates)))
        return plan

    @staticmethod
    def _dated_units(values: list, plan, dated) -> list:
        for (pos, _, _), name in zip(plan, dated, strict=False):
            if name is not None and values[pos] is not None and values[pos] != access.SECRET_MASK:
                values[pos] = name
        return values

    # Views whose export formatters read only plain columns of the row (m.status, not m.unit.name) set
    # this: their export is one Core select of columns, no ORM objects (the full national list in ~1.2×
    # the time of raw SQL + xlsxwriter, bench/run.py).
    export_from_columns = False

    def _export_select(self, query, columns):
        """The export as a select of plain columns, and of the one column that names each many-to-one
        related row (its model's ``__str_column__``), outer-joined; None when a column is neither."""
        mapper = sa_inspect(self.model)
        exprs = []
        for name, _ in columns:
            if name in dir(tuple):  # a result row is a tuple: .count or .index would shadow the column
                return None
            if name in mapper.column_attrs:
                exprs.append(getattr(self.model, name).label(name))
                continue
            rel = mapper.relationships.get(name)
            str_column = getattr(rel.mapper.class_, "__str_column__", None) if rel is not None else None
            if rel is None or rel.uselist or str_column is None:
                return None
            target = aliased(rel.mapper.class_)
            query = query.outerjoin(getattr(self.model, name).of_type(target))
            exprs.append(getattr(target, str_column).label(name))
        # first: the unit ids and record dates of the columns named as of the record's date (_column_rows
        # reads and strips them; a subclass may still add its own columns at the end)
        dated = []
        for _, fk, dates in self._unit_date_plan([name for name, _ in columns]):
            dated += [getattr(self.model, key).label(f"asof_{len(dated) + k}") for k, key in enumerate((fk, *dates))]
        return query.enable_eagerloads(False).with_entities(*dated, *exprs)

    def _column_rows(self, select, names: list[str]):
        formatters = [self.column_formatters_export.get(name) for name in names]
        plain = all(f is None for f in formatters)
        plan = self._unit_date_plan(names)
        lead = sum(1 + len(dates) for _, _, dates in plan)  # the leading unit ids and dates (_export_select)

        def pairs(row):
            out, j = [], 0
            for _, _, dates in plan:
                out.append((row[j], next((v for v in row[j + 1:j + 1 + len(dates)] if v is not None), None)))
                j += 1 + len(dates)
            return out

        def rows(progress=None):
            stream = select.yield_per(2000)
            stream = unit_history.rows_with_names(stream, pairs) if plan else ((row, ()) for row in stream)
            for i, (row, dated) in enumerate(stream, start=1):
                values = row[lead:] if lead else row
                if not plain:
                    values = [f(self, None, row, name) if f else value
                              for f, name, value in zip(formatters, names, values, strict=True)]
                yield self._dated_units(list(values), plan, dated) if plan else values
                if progress is not None and i % 1000 == 0:
                    progress(i)

        return rows

    # Kinds of exported columns (adminapp.exports.cells) where the column's type does not say it, e.g.
    # {"benefit_value": "number"} for money with thousands separators. By default: a date column is a date
    # cell, a date-time a date-time in Vietnam time, an integer a number without separators (years, scores),
    # a string text (phones and codes keep their leading zeros), a formatted column by its value.
    column_export_kinds: dict[str, str] = {}

    def get_export_kinds(self, columns=None) -> list[str]:
        columns = self.get_export_columns() if columns is None else columns
        mapper = sa_inspect(self.model)
        formatters = self.column_formatters_export or {}
        kinds = []
        for name, _ in columns:
            if name in self.column_export_kinds:
                kinds.append(self.column_export_kinds[name])
            elif name in formatters:
                kinds.append(cells.AUTO)
            elif name in mapper.column_attrs:
                kinds.append(cells.kind_of_type(mapper.column_attrs[name].columns[0].type))
            elif name in mapper.relationships and not mapper.relationships[name].uselist:
                kinds.append(cells.TEXT)
            else:
                kinds.append(cells.AUTO)
        return kinds

    def get_export_name(self, export_type: str = "csv") -> str:
        """The list's name and the time of the export in Vietnam time (what the sheet's subtitle says)."""
        stamp = formatting.to_local(clock.now()).strftime("%Y-%m-%d_%H-%M-%S")
        return f"{self.name}_{stamp}.{export_type}"

    def get_export_value(self, model, name):
        value = super().get_export_value(model, name)
        if isinstance(value, (list, tuple, set)):
            value = ", ".join(str(v) for v in value)
        elif hasattr(value, "__html__"):
            value = str(value)
        elif value is not None and not isinstance(value, (str, int, float, bool, date, datetime)):
            value = str(value)
        return value


# The execution options of a statement holding a search: planned for its words each time, never prepared (a
# prepared statement's generic plan takes every LIKE pattern for rare: adminapp/prepared.py)
SEARCH_STATEMENT = {UNPREPARED: True}


def _columns_of(table, clauses, always=()) -> list:
    """The columns of `table` that `clauses` read (anywhere in them, subqueries included), with `always`, in
    the table's order."""
    names = set(always)
    for clause in clauses:
        for element in visitors.iterate(clause):
            if isinstance(element, sa.Column) and element.table is table:
                names.add(element.name)
    return [c for c in table.c if c.name in names]


def search_condition(model, term: str):
    """Rows whose folded search_text contains the folded `term` (diacritic-free substring, LIKE semantics).
    On SQLite a model with an FTS5 trigram table (`__fts_table__`, migration 0016) is searched through it;
    elsewhere (PostgreSQL: the GIN trigram index, migration 0006) search_text LIKE directly. Same rows.
    A term shorter than a trigram ("lo", "an") has nothing to look up: it is checked on the rows the
    other terms found (a plain LIKE), not by reading the whole FTS table."""
    pattern = like_pattern(term)
    fts = getattr(model, "__fts_table__", None)
    if fts and len(fold(term)) >= 3 and db.session.get_bind().dialect.name == "sqlite":
        table = sa_table(fts, sa_column("rowid"), sa_column("search_text"))
        # FTS5 serves LIKE from its index only without an ESCAPE clause: use one only when the term holds
        # a LIKE wildcard to escape (then the FTS table is scanned, still the same rows)
        plain = not any(ch in fold(term) for ch in "%_\\")
        like = table.c.search_text.like(f"%{fold(term)}%") if plain else table.c.search_text.like(pattern, escape="\\")
        return model.id.in_(db.select(table.c.rowid).where(like))
    return model.search_text.like(pattern, escape="\\")


def _search_parts(model, search: str):
    """(the FTS5 table or None, its conditions, the other conditions) of search_terms_condition."""
    terms = search.split()
    fts = getattr(model, "__fts_table__", None)
    dialect = db.session.get_bind().dialect.name
    if fts and dialect == "postgresql":
        return None, [], _pg_search_conditions(model, terms)
    if not (fts and dialect == "sqlite"):
        return None, [], [search_condition(model, t) for t in terms]
    indexed = [t for t in terms if len(fold(t)) >= 3 and not any(ch in fold(t) for ch in "%_\\")]
    rest = [search_condition(model, t) for t in terms if t not in indexed]
    if not indexed:
        return None, [], rest
    table = sa_table(fts, sa_column("rowid"), sa_column("search_text"))
    # the index finds the rows holding the rarest trigrams of each word; the whole words are checked on the
    # table (adminapp/fts.py): a LIKE on the FTS table read every trigram's list, "000" in a million rows
    words = list(dict.fromkeys(fold(t) for t in indexed))
    match = table.c.search_text.match(fts_plan.match_expression(f"{fts}_vocab", words))
    return table, [match], [model.search_text.like(f"%{w}%") for w in words] + rest


def _pg_index_words(terms: list[str]) -> list[str]:
    """The folded words of a search that the PostgreSQL trigram index is given (3 letters or more, no wildcard)."""
    return list(dict.fromkeys(fold(t) for t in terms if len(fold(t)) >= 3 and not any(c in fold(t) for c in "%_\\")))


def _pg_search_conditions(model, terms: list[str]) -> list:
    """PostgreSQL: the words as search_condition, but the trigram index is given only two rare trigrams of them
    (adminapp/fts.py) as LIKE '%tri%', and each word of 3 letters or more is checked whole on the rows it finds
    (strpos: the same substring test, which the index does not take). Reading every trigram of every word,
    the index took 15-19 ms of "cai tien lo hoi" or "nguyen van an" at 1M rows. Same rows: a row holding a
    word holds its trigrams."""
    words = _pg_index_words(terms)
    if not words:
        return [search_condition(model, t) for t in terms]
    out = [model.search_text.like(f"%{g}%") for g in fts_plan.pg_index_trigrams(model.__table__, words)]
    out += [db.func.strpos(model.search_text, w) > 0 for w in words]
    return out + [search_condition(model, t) for t in terms if fold(t) not in words]


def search_terms_condition(model, search: str):
    """Rows containing every word of `search` (each a folded substring, as search_condition). On SQLite with
    an FTS5 table, the words of 3 letters or more are ONE lookup of the trigram index, which intersects them
    itself: a lookup per word made SQLite build one set of row ids per word ("cai", "tien", "hoi": a third of
    the table each), 350 ms at 250,000 rows against 11 ms. The lookup is by the rarest trigrams of each word
    (adminapp/fts.py); the whole words, shorter words and typed wildcards are checked on the rows it found."""
    table, indexed, rest = _search_parts(model, search)
    if table is None:
        return db.and_(db.true(), *rest)
    return db.and_(model.id.in_(db.select(table.c.rowid).where(*indexed)), *rest)


class CappedCount(int):
    """A count that stopped at the cap: as a number it is the cap (the pager's pages), shown as
    "hơn 10.000" (Vietnamese thousands separator)."""

    capped = True

    def __str__(self) -> str:
        return "hơn " + f"{int(self):,}".replace(",", ".")

    __html__ = __str__


def _unique_not_null(column) -> bool:
    """Is `column` (an ORDER BY term's column) unique and non-null on its own, so that it has no ties?"""
    table = getattr(column, "table", None)
    if table is None or getattr(column, "nullable", True) or not hasattr(table, "indexes"):
        return False
    if getattr(column, "unique", False) or getattr(column, "primary_key", False):
        return True
    return any(idx.unique and [c.key for c in idx.columns] == [column.key] for idx in table.indexes)


def _comparable(value):
    if value is None or value == "":
        return None
    if isinstance(value, (list, tuple, set)):
        return frozenset(_comparable(v) for v in value)
    if hasattr(value, "__table__"):
        return (type(value).__name__, getattr(value, "id", None))
    return value


def _same_value(stored, submitted) -> bool:
    return _comparable(stored) == _comparable(submitted)


def _shown(value) -> str:
    if value is None or value == "" or value == []:
        return "(trống)"
    if isinstance(value, (list, tuple, set)):
        return ", ".join(str(v) for v in value)
    text = cells.cell_text(value)  # Có/Không, dd/mm/yyyy, Vietnam time: as exports show them
    return text if len(text) <= 120 else text[:119] + "…"


def _changed_fields(model) -> list[str]:
    state = sa_inspect(model)
    return sorted(
        attr.key for attr in state.attrs
        if attr.key not in {"search_text", "version", "password_hash"} and attr.history.has_changes()
    )


EXPORT_MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": tabular.CSV_MIMETYPE,
}


def background_export(endpoint: str, export_type: str, query_string: str, *, title: str | None = None,
                      rows_total: int | None = None):
    """Create the current user's export job, start it (queue or thread) and show its progress page."""
    job = jobs.request_export(current_user, endpoint, export_type, query_string, title=title, rows_total=rows_total)
    db.session.commit()
    jobs.start(job.id)
    if rows_total:
        flash(f"Danh sách có {formatting.format_int(rows_total)} dòng: tệp đang được chuẩn bị dưới nền, trang này "
              "tự cập nhật tiến độ; khi xong, bấm “Tải về”.", "info")
    else:
        flash("Đang chuẩn bị tệp xuất dưới nền; trang này tự cập nhật tiến độ.", "info")
    return redirect(url_for("exports.details_view", id=job.id))


def write_export_file(view, export_type: str, headers, rows, path: str | None = None) -> str:
    """Write rows in constant memory to `path` (a new temporary file if None); returns the path."""
    if path is None:
        fd, path = tempfile.mkstemp(suffix="." + export_type)
        os.close(fd)
    if export_type == "xlsx":
        tabular.write_xlsx(path, headers, rows, title=view.export_title or str(view.name),
                           subtitle=f"Đơn vị: {current_user.unit.name} – xuất ngày "
                                    f"{formatting.format_datetime(clock.now())}",
                           kinds=view.get_export_kinds())
    else:
        with open(path, "w", encoding="utf-8", newline="") as fh:
            tabular.write_csv(fh, headers, rows)
    return path


def send_temp_file(writer, suffix: str, mimetype: str, download_name: str):
    """Write a download to a temporary file with `writer(path)` (constant memory), send it as an attachment,
    and remove the file once the response is done."""
    fd, path = tempfile.mkstemp(suffix=suffix)
    os.close(fd)

    @after_this_request
    def _cleanup(response):
        try:
            os.unlink(path)
        except OSError:
            pass
        return response

    writer(path)
    return send_download(path, mimetype, download_name)


def send_download(source, mimetype: str, download_name: str):
    """send_file as an attachment. The ASCII fallback name (for clients without RFC 6266 filename*) is
    transliterated ("Đơn vị" -> "Don vi"), not stripped as Werkzeug does ("on vi")."""
    response = send_file(source, mimetype=mimetype, as_attachment=True, download_name=download_name)
    if not download_name.isascii():
        fallback = unidecode(download_name).replace('"', "").replace("\\", "") or "tep"
        response.headers.set("Content-Disposition", "attachment", filename=fallback,
                             **{"filename*": f"UTF-8''{quote(download_name, safe='')}"})
    return response

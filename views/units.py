"""Units (Đơn vị): the directory tree, indented, with its path as breadcrumb."""
from __future__ import annotations

from flask import g, request
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, FilterEqual, IntEqualFilter
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import inspect as sa_inspect
from wtforms import SelectField
from wtforms.validators import DataRequired, NumberRange, Optional

from adminapp import access, directory, field_rules, labels, unit_history
from adminapp.extensions import db
from models import Unit, UnitVersion
from views.base import ScopedModelView
from views.filters import UnitTextFilter


def _breadcrumb(unit: Unit) -> str:
    names = g.get("unit_names", {})
    codes = [c for c in unit.path.strip("/").split("/")[:-1]]
    return " › ".join(names.get(c, c) for c in codes)


def _former_title(model) -> str:
    return unit_history.former_title(model, g.get("unit_former", {}).get(model.id) or [])


def _closed_note(model) -> Markup:
    """"Đã sáp nhập vào …" (or "Hết hiệu lực từ …") for a unit no longer valid today."""
    if model.valid_to is None or model.valid_to >= unit_history.today():
        return Markup("")
    successor = g.get("unit_successors", {}).get(model.id)
    if successor is None and "unit_successors" not in g:
        successor = unit_history.successors([model.id]).get(model.id)
    if successor is not None:
        return Markup(' <span class="badge text-bg-secondary unit-closed">đã sáp nhập vào {}</span>').format(
            successor.name)
    if "valid_to" in field_rules.hidden_fields(current_user, "unit"):  # a field rule hides the date
        return Markup(' <span class="badge text-bg-secondary unit-closed">đã hết hiệu lực</span>')
    return Markup(' <span class="badge text-bg-secondary unit-closed">hết hiệu lực từ {:%d/%m/%Y}</span>').format(
        model.valid_to)


def _name_formatter(view, context, model, name):  # noqa: ARG001
    base_level = current_user.unit.level if not access.is_global(current_user) else 0
    indent = max(0, model.level - base_level) * 1.25
    crumb = _breadcrumb(model)
    title = _former_title(model)
    label = Markup('<span title="Tên cũ: {}">{}</span>').format(title, model.name) if title else model.name
    html = Markup('<span class="unit-tree-indent" style="width:{}em"></span>{}').format(indent, label)
    html += _closed_note(model)
    if crumb:
        html += Markup('<div class="breadcrumb-path" style="margin-left:{}em">{}</div>').format(indent, crumb)
    return html


def _name_history(unit: Unit) -> Markup:
    versions = db.session.execute(db.select(UnitVersion).where(UnitVersion.unit_id == unit.id)
                                  .order_by(UnitVersion.valid_from)).scalars().all()
    items = Markup("").join(
        Markup("<li>{}: {}{}</li>").format(
            unit_history.period_label(v) or "từ trước đến nay", v.name,
            Markup(" <small class=\"text-muted\">(thuộc {})</small>").format(
                unit_history.name_at(v.parent_id, v.valid_from if v.valid_from != unit_history.SINCE_EVER
                                     else v.valid_to)) if v.parent_id else "")
        for v in versions)
    return Markup('<ul class="mb-0">{}</ul>').format(items)


class UnitView(ScopedModelView):
    view_permission = "unit.view"
    create_permission = "unit.manage"
    edit_permission = "unit.manage"
    delete_permission = None  # units are deactivated, never deleted (records keep their unit)

    column_list = ["name", "code", "level", "kind", "default_quota", "active"]
    column_details_list = ["name", "short_name", "code", "official_code", "level", "kind", "parent", "path",
                           "default_quota", "sort_order", "active", "valid_from", "valid_to", "successor",
                           "name_history", "created_at"]
    column_export_list = ["code", "name", "short_name", "level", "kind", "parent", "default_quota", "active"]
    column_labels = {
        "name": "Tên đơn vị", "short_name": "Tên viết tắt", "code": "Mã", "level": "Cấp", "kind": "Loại",
        "parent": "Đơn vị cấp trên", "path": "Đường dẫn", "default_quota": "Chỉ tiêu mặc định",
        "sort_order": "Thứ tự", "active": "Đang hoạt động", "valid_from": "Hiệu lực từ",
        "valid_to": "Hiệu lực đến", "created_at": "Ngày tạo", "official_code": "Mã tỉnh/thành (chính thức)",
        "successor": "Đã sáp nhập vào", "name_history": "Tên và đơn vị cấp trên qua các thời kỳ",
    }
    column_default_sort = "path"
    column_sortable_list = ["name", "code", "level", "path"]
    column_formatters = {
        "name": _name_formatter,
        "kind": lambda v, c, m, n: labels.UNIT_KINDS.get(m.kind, m.kind),
        "level": lambda v, c, m, n: m.level,
    }
    column_formatters_detail = {
        "kind": lambda v, c, m, n: labels.UNIT_KINDS.get(m.kind, m.kind),
        "successor": lambda v, c, m, n: getattr(unit_history.successors([m.id]).get(m.id), "name", ""),
        "name_history": lambda v, c, m, n: _name_history(m),
    }
    column_formatters_export = {"kind": lambda v, c, m, n: labels.UNIT_KINDS.get(m.kind, m.kind)}
    export_from_columns = True
    column_filters = [
        # an integer filter: a text value compared with the integer column fails on PostgreSQL (500)
        IntEqualFilter(Unit.level, "Cấp", options=[(str(k), v) for k, v in labels.LEVELS.items()]),
        FilterEqual(Unit.kind, "Loại", options=list(labels.UNIT_KINDS.items())),
        UnitTextFilter(Unit.parent_id, "Đơn vị cấp trên"),
        BooleanEqualFilter(Unit.active, "Đang hoạt động"),
    ]
    form_columns = ["code", "name", "short_name", "kind", "parent", "sort_order", "default_quota", "active",
                    "valid_from", "valid_to"]
    form_overrides = {"kind": SelectField}
    form_args = {
        "kind": {"label": "Loại", "choices": list(labels.UNIT_KINDS.items()), "validators": [DataRequired()]},
        "parent": {"label": "Đơn vị cấp trên"},
        "code": {"label": "Mã", "description": "Mã ổn định, không dấu, không đổi sau khi tạo."},
        "default_quota": {"validators": [Optional(), NumberRange(min=0, max=1000)]},
        "sort_order": {"validators": [Optional(), NumberRange(min=0, max=1_000_000)]},
    }
    form_widget_args = {"code": {"maxlength": 64}}
    form_ajax_refs = {"parent": {"fields": ["search_text"], "placeholder": "Gõ tên hoặc mã đơn vị (không cần dấu)",
                                 "minimum_input_length": 0}}
    export_title = "DANH MỤC ĐƠN VỊ"

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        if kwargs.get("execute", True) and rows:
            codes = {c for u in rows for c in u.path.strip("/").split("/")}
            label = Unit.name if "short_name" in self._hidden() else db.func.coalesce(Unit.short_name, Unit.name)
            g.unit_names, g.unit_former = unit_history.names_and_former(codes, [u.id for u in rows], label)
            g.unit_successors = unit_history.successors([u.id for u in rows if u.valid_to is not None])
        return count, rows

    @property
    def can_create(self):
        return access.offers(current_user, "unit.create")

    def row_allowed(self, action: str, row) -> bool:
        return access.offers(current_user, "unit.edit", row) if action == "edit" else True

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method == "GET":
            form.parent.data = current_user.unit
            form.kind.data = "grassroots"
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form.code.render_kw = {"readonly": True}
        return form

    def check_change(self, form, model, is_created):
        if is_created:
            directory.prepare_new_unit(current_user, model)
            return
        state = sa_inspect(model)
        code_hist = state.attrs.code.history
        if code_hist.has_changes():
            raise directory.DirectoryError("Không được đổi mã đơn vị sau khi tạo.")
        parent_hist = state.attrs.parent.history
        old_parent = parent_hist.deleted[0] if parent_hist.deleted else model.parent
        directory.check_unit_edit(current_user, old_parent)
        if parent_hist.has_changes():
            new_parent = model.parent
            model.parent = old_parent
            directory.move_unit(actor=current_user, unit=model, new_parent=new_parent)

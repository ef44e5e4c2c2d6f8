"""Units (Đơn vị): the directory tree, indented, with its path as breadcrumb."""
from __future__ import annotations

from flask import g, request
from flask_admin.contrib.sqla.filters import BooleanEqualFilter, FilterEqual, IntEqualFilter
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import inspect as sa_inspect
from wtforms import SelectField
from wtforms.validators import DataRequired, NumberRange, Optional

from adminapp import access, directory, labels
from adminapp.extensions import db
from models import Unit
from views.base import ScopedModelView
from views.filters import UnitTextFilter


def _breadcrumb(unit: Unit) -> str:
    names = g.get("unit_names", {})
    codes = [c for c in unit.path.strip("/").split("/")[:-1]]
    return " › ".join(names.get(c, c) for c in codes)


def _name_formatter(view, context, model, name):  # noqa: ARG001
    base_level = current_user.unit.level if not access.is_global(current_user) else 0
    indent = max(0, model.level - base_level) * 1.25
    crumb = _breadcrumb(model)
    html = Markup('<span class="unit-tree-indent" style="width:{}em"></span>{}').format(indent, model.name)
    if crumb:
        html += Markup('<div class="breadcrumb-path" style="margin-left:{}em">{}</div>').format(indent, crumb)
    return html


class UnitView(ScopedModelView):
    view_permission = "unit.view"
    create_permission = "unit.manage"
    edit_permission = "unit.manage"
    delete_permission = None  # units are deactivated, never deleted (records keep their unit)

    column_list = ["name", "code", "level", "kind", "default_quota", "active"]
    column_details_list = ["name", "short_name", "code", "level", "kind", "parent", "path", "default_quota",
                           "sort_order", "active", "valid_from", "valid_to", "created_at"]
    column_export_list = ["code", "name", "short_name", "level", "kind", "parent", "default_quota", "active"]
    column_labels = {
        "name": "Tên đơn vị", "short_name": "Tên viết tắt", "code": "Mã", "level": "Cấp", "kind": "Loại",
        "parent": "Đơn vị cấp trên", "path": "Đường dẫn", "default_quota": "Chỉ tiêu mặc định",
        "sort_order": "Thứ tự", "active": "Đang hoạt động", "valid_from": "Hiệu lực từ",
        "valid_to": "Hiệu lực đến", "created_at": "Ngày tạo",
    }
    column_default_sort = "path"
    column_sortable_list = ["name", "code", "level", "path"]
    column_formatters = {
        "name": _name_formatter,
        "kind": lambda v, c, m, n: labels.UNIT_KINDS.get(m.kind, m.kind),
        "level": lambda v, c, m, n: m.level,
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
            g.unit_names = dict(db.session.execute(db.select(Unit.code, label).where(Unit.code.in_(codes))).all())
        return count, rows

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

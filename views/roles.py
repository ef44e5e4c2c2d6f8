"""Roles (Vai trò): named permission sets, managed by the system administrator."""
from __future__ import annotations

from markupsafe import Markup, escape
from wtforms import Field, SelectMultipleField, widgets
from wtforms.validators import DataRequired, Length, Regexp

from adminapp import access, field_rules
from adminapp.extensions import db
from models import user_role
from views.base import ScopedModelView


class _OptionCheckbox(widgets.CheckboxInput):
    """A checkbox of the list without the HTML `required` attribute: WTForms copies the field's
    DataRequired flag onto every option, and the browser then refused to submit unless *all*
    permissions were ticked. "At least one" is checked by the field's validator on the server."""

    def __call__(self, field, **kwargs):
        kwargs["required"] = False
        return super().__call__(field, **kwargs)


class CheckboxListField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = _OptionCheckbox()


class FieldRulesWidget:
    """A table per kind of record: each field with Được sửa / Chỉ xem / Ẩn (select named fr__kind__field)."""

    def __call__(self, field, **kwargs):  # noqa: ARG002
        rules = field.data or {}
        parts = ['<div class="field-rules">']
        for kind, (kind_label, fields) in field_rules.CATALOG.items():
            parts.append(f'<table class="table table-sm table-bordered w-auto"><caption>{escape(kind_label)}'
                         '</caption><thead><tr><th scope="col">Trường</th><th scope="col">Với vai trò này</th>'
                         '</tr></thead><tbody>')
            for name, text in fields.items():
                current = rules.get(kind, {}).get(name, field_rules.EDITABLE)
                sel_id = f"fr__{kind}__{name}"
                options = "".join(
                    f'<option value="{m}"{" selected" if m == current else ""}>{escape(lbl)}</option>'
                    for m, lbl in field_rules.MODES.items())
                parts.append(f'<tr><td><label for="{sel_id}" class="mb-0">{escape(text)}</label></td>'
                             f'<td><select class="form-control form-control-sm" id="{sel_id}" name="{sel_id}">'
                             f'{options}</select></td></tr>')
            parts.append("</tbody></table>")
        parts.append("</div>")
        return Markup("".join(parts))


class FieldRulesField(Field):
    """Field rules of a role (adminapp/field_rules.py), edited as one select per catalogued field."""

    widget = FieldRulesWidget()

    def process(self, formdata, data=None, extra_filters=None):  # noqa: ARG002
        self.process_errors = []
        self.object_data = data
        self.data = data or {}
        if formdata is not None and any(k.startswith("fr__") for k in formdata):
            rules: dict = {}
            for key in formdata:
                if key.startswith("fr__") and key.count("__") == 2:
                    _, kind, name = key.split("__")
                    rules.setdefault(kind, {})[name] = formdata.get(key)
            self.data = field_rules.validate(rules)

    def populate_obj(self, obj, name):
        setattr(obj, name, field_rules.validate(self.data))


def _rules_formatter(view, context, model, name):  # noqa: ARG001
    rows = [f"{field_rules.CATALOG[k][0]} – {field_rules.label(k, f)}: {field_rules.MODES[m]}"
            for k, fields in (model.field_rules or {}).items() if k in field_rules.CATALOG for f, m in fields.items()]
    return Markup("<br>").join(rows) if rows else "Mặc định (không giới hạn trường nào)"


def _permissions_formatter(view, context, model, name):  # noqa: ARG001
    return Markup("<br>").join(access.PERMISSIONS.get(p, p) for p in (model.permissions or []))


class RoleView(ScopedModelView):
    view_permission = "role.manage"
    create_permission = "role.manage"
    edit_permission = "role.manage"
    delete_permission = "role.manage"

    column_list = ["title", "name", "permissions", "is_system"]
    column_details_list = ["title", "name", "description", "permissions", "field_rules", "is_system"]
    column_labels = {"title": "Tên vai trò", "name": "Mã", "description": "Mô tả", "permissions": "Quyền",
                     "is_system": "Vai trò hệ thống", "field_rules": "Quy tắc trường dữ liệu"}
    column_formatters = {"permissions": _permissions_formatter}
    column_formatters_detail = {"permissions": _permissions_formatter, "field_rules": _rules_formatter}
    column_formatters_export = {
        "permissions": lambda v, c, m, n: ", ".join(access.PERMISSIONS.get(p, p) for p in (m.permissions or []))
    }
    column_default_sort = "id"
    form_columns = ["title", "name", "description", "permissions", "field_rules"]
    form_overrides = {"permissions": CheckboxListField, "field_rules": FieldRulesField}
    form_args = {
        "permissions": {"label": "Quyền", "choices": list(access.PERMISSIONS.items()),
                        "validators": [DataRequired(message="Chọn ít nhất một quyền.")]},
        "name": {"validators": [DataRequired(), Length(max=64),
                                Regexp(r"^[a-z0-9_.-]+$", message="Chỉ dùng chữ thường không dấu, số, dấu chấm, gạch.")]},
        "title": {"validators": [DataRequired(), Length(max=120)]},
        "field_rules": {"label": "Quy tắc trường dữ liệu (ẩn / chỉ xem theo vai trò)",
                        "description": "Mặc định mọi trường được sửa như hiện nay; chọn “Ẩn” hoặc “Chỉ xem” cho "
                                       "những trường vai trò này không được thấy hoặc không được sửa."},
    }
    form_widget_args = {"permissions": {"class": "list-unstyled mb-0"}}  # not a bordered form-control box
    export_title = "DANH SÁCH VAI TRÒ"

    def on_model_delete(self, model):
        if model.is_system:
            raise ValueError("Không thể xóa vai trò có sẵn của hệ thống.")
        in_use = db.session.execute(db.select(user_role.c.user_id).where(user_role.c.role_id == model.id)).first()
        if in_use:
            raise ValueError("Vai trò đang được gán cho người dùng, không thể xóa.")
        super().on_model_delete(model)



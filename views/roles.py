"""Roles (Vai trò): named permission sets, managed by the system administrator."""
from __future__ import annotations

from markupsafe import Markup
from wtforms import SelectMultipleField, widgets
from wtforms.validators import DataRequired, Length, Regexp

from adminapp import access
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


def _permissions_formatter(view, context, model, name):  # noqa: ARG001
    return Markup("<br>").join(access.PERMISSIONS.get(p, p) for p in (model.permissions or []))


class RoleView(ScopedModelView):
    view_permission = "role.manage"
    create_permission = "role.manage"
    edit_permission = "role.manage"
    delete_permission = "role.manage"

    column_list = ["title", "name", "permissions", "is_system"]
    column_details_list = ["title", "name", "description", "permissions", "is_system"]
    column_labels = {"title": "Tên vai trò", "name": "Mã", "description": "Mô tả", "permissions": "Quyền",
                     "is_system": "Vai trò hệ thống"}
    column_formatters = {"permissions": _permissions_formatter}
    column_formatters_detail = {"permissions": _permissions_formatter}
    column_formatters_export = {
        "permissions": lambda v, c, m, n: ", ".join(access.PERMISSIONS.get(p, p) for p in (m.permissions or []))
    }
    column_default_sort = "id"
    form_columns = ["title", "name", "description", "permissions"]
    form_overrides = {"permissions": CheckboxListField}
    form_args = {
        "permissions": {"label": "Quyền", "choices": list(access.PERMISSIONS.items()),
                        "validators": [DataRequired(message="Chọn ít nhất một quyền.")]},
        "name": {"validators": [DataRequired(), Length(max=64),
                                Regexp(r"^[a-z0-9_.-]+$", message="Chỉ dùng chữ thường không dấu, số, dấu chấm, gạch.")]},
        "title": {"validators": [DataRequired(), Length(max=120)]},
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



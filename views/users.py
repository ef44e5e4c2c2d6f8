"""Users (Người dùng): accounts of the user's subtree; roles limited to what the manager holds."""
from __future__ import annotations

from flask_admin.contrib.sqla.filters import BooleanEqualFilter
from flask_login import current_user
from wtforms import PasswordField
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp

from adminapp import access, accounts
from models import Role, User
from views.base import ScopedModelView
from views.filters import UnitTextFilter


class UserView(ScopedModelView):
    view_permission = "user.view"
    create_permission = "user.manage"
    edit_permission = "user.manage"
    delete_permission = None  # accounts are deactivated: the audit trail points at them

    column_list = ["username", "full_name", "unit", "roles", "active", "last_login_at"]
    column_details_list = ["username", "full_name", "email", "phone", "unit", "roles", "active",
                           "last_login_at", "created_at"]
    column_export_list = ["username", "full_name", "email", "phone", "unit", "roles", "active", "last_login_at"]
    column_labels = {
        "username": "Tên đăng nhập", "full_name": "Họ và tên", "email": "Thư điện tử", "phone": "Điện thoại",
        "unit": "Đơn vị", "roles": "Vai trò", "active": "Đang hoạt động", "last_login_at": "Đăng nhập lần cuối",
        "created_at": "Ngày tạo", "new_password": "Mật khẩu mới",
    }
    column_default_sort = "username"
    # the last login is read from the sessions (a subquery per row): no index can return users in that order
    column_sortable_list = ["username", "full_name"]
    column_select_related_list = [User.unit]
    column_filters = [
        UnitTextFilter(User.unit_id, "Đơn vị"),
        BooleanEqualFilter(User.active, "Đang hoạt động"),
    ]
    form_columns = ["username", "full_name", "email", "phone", "unit", "roles", "active", "new_password"]
    form_extra_fields = {"new_password": PasswordField("Mật khẩu mới")}
    form_ajax_refs = {"unit": {"fields": ["search_text"], "placeholder": "Gõ tên hoặc mã đơn vị (không cần dấu)",
                               "minimum_input_length": 0}}
    form_args = {
        "username": {"validators": [DataRequired(), Length(max=64),
                                    Regexp(r"^[A-Za-z0-9._-]+$", message="Chỉ dùng chữ không dấu, số, dấu chấm, gạch.")]},
        "full_name": {"validators": [DataRequired(), Length(max=160)]},
        "email": {"validators": [Optional(), Email(message="Địa chỉ thư điện tử không hợp lệ."), Length(max=254)]},
        "phone": {"validators": [Optional(), Length(max=20)]},
        "unit": {"validators": [DataRequired()]},
    }
    form_widget_args = {"new_password": {"autocomplete": "new-password"}}
    export_title = "DANH SÁCH NGƯỜI DÙNG"

    def _rescope_fields(self, form):
        form = super()._rescope_fields(form)
        if hasattr(form, "roles"):
            allowed = [r.id for r in Role.query.all() if access.can_assign_role(current_user, r)]
            form.roles.query = Role.query.filter(Role.id.in_(allowed)).order_by(Role.id)
        return form

    def check_change(self, form, model, is_created):
        access.require(current_user, "user.manage", model)  # the chosen unit is in scope
        for role in model.roles:
            if not access.can_assign_role(current_user, role):
                raise access.PermissionDenied(f"Bạn không thể gán vai trò “{role.title}”.")
        if model.id == current_user.id and not model.active:
            raise ValueError("Bạn không thể tự khóa tài khoản của mình.")
        model.username = (model.username or "").strip().lower()
        password = form.new_password.data
        if is_created and not password:
            raise ValueError("Cần đặt mật khẩu cho tài khoản mới.")
        if password:
            try:
                accounts.set_password(model, password)
            except accounts.AccountError as e:
                raise ValueError(str(e)) from None
        if not is_created:
            # a reset password, a deactivation or new roles end every session of the account, on every instance
            accounts.end_sessions_after_change(model, password_reset=bool(password))

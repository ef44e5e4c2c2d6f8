"""Login and password forms."""
from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from forms.base import VnForm

__all__ = ["ChangePasswordForm", "LoginForm", "VnForm"]


class LoginForm(VnForm):
    username = StringField("Tên đăng nhập", validators=[DataRequired(), Length(max=64)])
    password = PasswordField("Mật khẩu", validators=[DataRequired(), Length(max=256)])


class ChangePasswordForm(VnForm):
    current_password = PasswordField("Mật khẩu hiện tại", validators=[DataRequired()])
    new_password = PasswordField("Mật khẩu mới", validators=[DataRequired(), Length(min=8, max=256)])
    confirm = PasswordField(
        "Nhập lại mật khẩu mới",
        validators=[DataRequired(), EqualTo("new_password", message="Hai mật khẩu mới không khớp.")],
    )

"""Forms of the initiatives programme: the public submission form, tracking, and officers' small forms.

The forms parse and bound what the browser sends (lengths, types); the rules
(window, units of the programme, limits per programme, phone) live in
adminapp.workflow.initiatives, which reports errors by field name.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from adminapp import labels
from forms.base import VnForm
from forms.fields import VnDateField

_DATE_FORMATS = ("%d/%m/%Y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y")


def parse_vn_date(raw: str | None) -> date | None:
    """dd/mm/yyyy (or the browser's yyyy-mm-dd) -> date, else None."""
    raw = (raw or "").strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(raw, fmt).date()
        except ValueError:
            continue
    return None


def parse_money(raw: str | None) -> str:
    """"150.000.000 đ" -> "150000000" (validation of the number is the service's)."""
    return re.sub(r"[\s.,_đĐ]|VND|vnd", "", raw or "")


class PublicInitiativeForm(VnForm):
    author_name = StringField("Họ và tên", validators=[DataRequired(message="Cần nhập họ và tên."), Length(max=160)],
                              render_kw={"maxlength": 160, "placeholder": "Ví dụ: Nguyễn Văn A", "autocomplete": "name"})
    birth_year = StringField("Năm sinh", validators=[DataRequired(message="Cần nhập năm sinh."), Length(max=4)],
                             render_kw={"maxlength": 4, "inputmode": "numeric", "placeholder": "Ví dụ: 1985"})
    position = StringField("Chức vụ", validators=[Optional(), Length(max=160)], render_kw={"maxlength": 160})
    phone = StringField("Số điện thoại", validators=[DataRequired(message="Cần nhập số điện thoại."), Length(max=20)],
                        render_kw={"maxlength": 20, "inputmode": "tel", "placeholder": "0912 345 678",
                                   "autocomplete": "tel"})
    level1_unit_id = SelectField("Đơn vị", validate_choice=False,
                                 validators=[DataRequired(message="Vui lòng chọn đơn vị.")])
    unit_id = SelectField("Đơn vị trực thuộc", validate_choice=False, validators=[Optional()])
    group = RadioField("Nhóm", choices=list(labels.INITIATIVE_GROUPS.items()), validate_choice=False,
                       validators=[DataRequired(message="Vui lòng chọn nhóm.")])
    title = StringField("Tên sáng kiến", validators=[DataRequired(message="Cần nhập tên sáng kiến."), Length(max=300)],
                        render_kw={"maxlength": 300})
    field = SelectField("Lĩnh vực", validate_choice=False, validators=[DataRequired(message="Vui lòng chọn lĩnh vực.")])
    description = TextAreaField("Tóm tắt nội dung sáng kiến",
                                validators=[DataRequired(message="Cần nhập mô tả sáng kiến.")],
                                render_kw={"rows": 8})
    application_date = StringField("Thời gian áp dụng (ngày bắt đầu áp dụng)",
                                   validators=[DataRequired(message="Cần nhập ngày bắt đầu áp dụng."),
                                               Length(max=10)],
                                   render_kw={"maxlength": 10, "placeholder": "dd/mm/yyyy", "autocomplete": "off",
                                              "data-app-date": "1", "inputmode": "numeric"})
    effectiveness = TextAreaField("Hiệu quả sáng kiến", validators=[Optional(), Length(max=2000)],
                                  render_kw={"rows": 3, "maxlength": 2000})
    benefit_value = StringField("Giá trị làm lợi (đồng)", validators=[Optional(), Length(max=25)],
                                render_kw={"maxlength": 25, "inputmode": "numeric", "placeholder": "Ví dụ: 150.000.000"})
    scope = TextAreaField("Phạm vi ứng dụng", validators=[Optional(), Length(max=1000)],
                          render_kw={"rows": 2, "maxlength": 1000})
    awards = TextAreaField("Các danh hiệu thi đua, hình thức khen thưởng cá nhân trong 03 năm gần nhất",
                           validators=[Optional(), Length(max=1000)], render_kw={"rows": 2, "maxlength": 1000})
    is_secret = BooleanField("Sáng kiến có bí mật công nghệ (công khai chỉ hiển thị tên sáng kiến, hiệu quả và "
                             "khen thưởng)")
    # Honeypot: hidden from people; a bot that fills it is refused silently.
    website = StringField("Để trống ô này", validators=[Optional()])

    def service_data(self) -> dict:
        """What the service validates: raw strings, a parsed date (or None), the money without separators."""
        return {
            "author_name": self.author_name.data, "birth_year": self.birth_year.data,
            "position": self.position.data, "phone": self.phone.data,
            "level1_unit_id": self.level1_unit_id.data, "unit_id": self.unit_id.data,
            "group": self.group.data, "title": self.title.data, "field": self.field.data,
            "description": self.description.data,
            # a typed text that is no date goes as text: the service says it is not a date (not "missing")
            "application_date": parse_vn_date(self.application_date.data) or (self.application_date.data or None),
            "effectiveness": self.effectiveness.data, "benefit_value": parse_money(self.benefit_value.data),
            "scope": self.scope.data, "awards": self.awards.data, "is_secret": bool(self.is_secret.data),
        }


class TrackingForm(VnForm):
    code = StringField("Mã tra cứu", validators=[DataRequired(message="Cần nhập mã tra cứu."), Length(max=16)],
                       render_kw={"maxlength": 16, "autocomplete": "off"})
    phone = StringField("Số điện thoại đã dùng khi nộp",
                        validators=[DataRequired(message="Cần nhập số điện thoại."), Length(max=20)],
                        render_kw={"maxlength": 20, "inputmode": "tel"})


class DossierForm(VnForm):
    letter_number = StringField("Số Tờ trình", validators=[Optional(), Length(max=64)])
    letter_date = VnDateField("Ngày Tờ trình", validators=[Optional()])
    signer = StringField("Người ký", validators=[Optional(), Length(max=160)])
    signer_title = StringField("Chức vụ người ký (ví dụ: PHÓ CHỦ TỊCH)", validators=[Optional(), Length(max=120)])
    place = StringField("Địa danh (ví dụ: Hà Nội)", validators=[Optional(), Length(max=120)])
    letter_file = FileField("Tệp Tờ trình (PDF, DOC, DOCX, ODT, ảnh JPG, PNG)")
    version = HiddenField()

"""Forms of the campaigns workflow (Phong trào): campaign, participant row, reason, import."""
from flask_wtf.file import FileField
from wtforms import BooleanField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from adminapp import labels
from forms.auth import VnForm
from forms.fields import VnDateField


def _choices(mapping: dict) -> list[SelectChoice]:
    return [SelectChoice(k, v) for k, v in mapping.items()]




class CampaignForm(VnForm):
    name = StringField("Tên phong trào", validators=[DataRequired(), Length(max=500)])
    launch_level = SelectField("Cấp phát động", choices=_choices(labels.LAUNCH_LEVELS))
    kind = SelectField("Loại phong trào", choices=_choices(labels.CAMPAIGN_KINDS))
    start_date = VnDateField("Ngày bắt đầu", validators=[DataRequired()])
    end_date = VnDateField("Ngày kết thúc", validators=[DataRequired()])
    description = TextAreaField("Diễn giải", validators=[Optional(), Length(max=20000)], render_kw={"rows": 4})
    registration_deadline = VnDateField("Hạn đăng ký", validators=[Optional()])
    dossier_deadline = VnDateField("Hạn nộp hồ sơ", validators=[Optional()])
    registration_deadline_policy = SelectField("Danh sách gửi sau hạn đăng ký",
                                               choices=_choices(labels.DEADLINE_POLICIES), default="late")
    for_individuals = BooleanField("Cá nhân")
    for_collectives = BooleanField("Tập thể")
    links = TextAreaField("Thêm liên kết (mỗi dòng một địa chỉ http:// hoặc https://)",
                          validators=[Optional(), Length(max=20000)], render_kw={"rows": 2})
    attachments = FileField("Thêm tệp (PDF, DOC, DOCX, XLS, XLSX, ODT, PNG, JPG)",
                            render_kw={"multiple": True})
    version = HiddenField()

    def values(self) -> dict:
        return {k: getattr(self, k).data for k in (
            "name", "launch_level", "kind", "start_date", "end_date", "description", "registration_deadline",
            "dossier_deadline", "for_individuals", "for_collectives", "registration_deadline_policy")}


class ParticipantForm(VnForm):
    kind = SelectField("Đối tượng", choices=_choices(labels.PARTICIPANT_KINDS))
    full_name = StringField("Họ và tên / Tên tập thể", validators=[DataRequired(), Length(max=255)])
    birth_year = IntegerField("Năm sinh", validators=[Optional(), NumberRange(min=1900, max=2100)])
    position = StringField("Chức vụ", validators=[Optional(), Length(max=255)])
    unit_name = StringField("Đơn vị công tác", validators=[Optional(), Length(max=255)])


class ImportForm(VnForm):
    file = FileField("Tệp Excel (.xlsx) theo mẫu")


class LinkForm(VnForm):
    url = StringField("Địa chỉ liên kết", validators=[DataRequired(), Length(max=2000)])
    title = StringField("Tiêu đề", validators=[Optional(), Length(max=255)])

"""Text typed decomposed (NFD: Unikey "Unicode tổ hợp", macOS), precomposed (NFC) or mixed is stored in NFC,
and every length limit counts the letters a user sees (adminapp/text.py, forms/unicode.py)."""
from __future__ import annotations

import unicodedata

import pytest
from freezegun import freeze_time

from adminapp.extensions import db
from models import Campaign, CampaignRole, Initiative, Participant, Registration
from tests.campaigns.conftest import make_campaign, registration_of  # noqa: F401 (fixtures)
from tests.campaigns.test_campaign_pages import page, post
from tests.conftest import csrf_from
from tests.initiatives.conftest import make_programme, programme, submit  # noqa: F401 (fixtures)


def nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def mixed(text: str) -> str:
    """Every other word decomposed."""
    return " ".join(nfd(w) if i % 2 else w for i, w in enumerate(text.split(" ")))


FORMS = {"nfc": lambda t: t, "nfd": nfd, "mixed": mixed}


def is_nfc(value) -> bool:
    return value is None or unicodedata.is_normalized("NFC", value)


def test_helpers():
    from adminapp.text import nfc, visible_length

    word = "Nguyễn Thị Hường"
    assert nfd(word) != word and nfc(nfd(word)) == word and nfc(mixed(word)) == word
    assert visible_length(nfd("ệ" * 1000)) == 1000 and len(nfd("ệ" * 1000)) == 3000
    assert nfc("a\r\nb") == "a\nb" and nfc(None) is None and nfc(5) == 5


@pytest.mark.parametrize("form", FORMS)
def test_campaign_form_and_participant_rows(form, login_as, unit, registration_of):  # noqa: F811
    t = FORMS[form]
    province = login_as("hanoi.officer")
    roles = {r.code: r.id for r in db.session.execute(db.select(CampaignRole)).scalars()}
    name, description = "Thi đua “Lao động giỏi, lao động sáng tạo”", "Theo Chỉ thị của Chủ tịch Ủy ban nhân dân."
    r = post(province, "/admin/campaigns/new/", {
        "name": t(name), "launch_level": "province", "kind": "regular", "start_date": "01/01/2021",
        "end_date": "31/12/2021", "description": t(description), "for_individuals": "y",
        "unit_id": [str(unit("01-002").id)], "role_id": [str(roles["lead"])], "submit": "save_launch"},
        status=200)
    assert "Đã lưu và phát động" in r.get_data(as_text=True)
    campaign = db.session.execute(db.select(Campaign)).scalar_one()
    assert campaign.name == name and campaign.description == description

    reg = registration_of(campaign, "01-002")
    hoankiem = login_as("hoankiem.officer")
    reg_url = f"/admin/campaign/registration/{reg.id}"
    post(hoankiem, f"{reg_url}/participants/add",
         {"kind": "individual", "full_name": t("Nguyễn Thị Hường"), "birth_year": "1988",
          "position": t("Trưởng phòng Kế toán"), "unit_name": t("Phòng Tài vụ – Điện lực")},
         form_url=reg_url, status=200)
    p = db.session.execute(db.select(Participant)).scalar_one()
    assert (p.full_name, p.position, p.unit_name) == ("Nguyễn Thị Hường", "Trưởng phòng Kế toán",
                                                      "Phòng Tài vụ – Điện lực")
    post(hoankiem, f"{reg_url}/action", {"action": "send"}, form_url=reg_url, status=200)
    post(province, f"{reg_url}/action", {"action": "reject", "reason": t("Thiếu chức vụ của thành viên")},
         form_url=reg_url, status=200)
    db.session.expire_all()
    assert db.session.get(Registration, reg.id).last_reason == "Thiếu chức vụ của thành viên"


def test_campaign_name_limit_counts_letters(login_as, unit):
    province = login_as("hanoi.officer")
    roles = {r.code: r.id for r in db.session.execute(db.select(CampaignRole)).scalars()}

    def create(name):
        return post(province, "/admin/campaigns/new/", {
            "name": name, "launch_level": "province", "kind": "regular", "start_date": "01/01/2021",
            "end_date": "31/12/2021", "for_individuals": "y", "unit_id": [str(unit("01-002").id)],
            "role_id": [str(roles["lead"])], "submit": "save"})

    assert create(nfd("ệ" * 501)).status_code == 400  # 1503 code points typed, 501 letters: too long
    assert create(nfd("ệ" * 500)).status_code == 200
    assert db.session.execute(db.select(Campaign.name)).scalar_one() == "ệ" * 500


@pytest.mark.parametrize("form", FORMS)
def test_public_initiative_form(form, client, unit, programme):  # noqa: F811
    from tests.initiatives.test_public import URL, form_data

    t = FORMS[form]
    texts = {"author_name": "Nguyễn Văn Ước", "position": "Kỹ sư điện", "title": "Cải tiến quy trình kiểm tra công tơ",
             "description": "ệ" * 1000, "effectiveness": "Giảm 30% thời gian", "scope": "Toàn công ty Điện lực",
             "awards": "Lao động tiên tiến 2019"}
    with freeze_time("2021-04-01 03:00:00"):
        token = csrf_from(client.get(URL).get_data(as_text=True))
        r = client.post(URL, data={**form_data(unit, **{k: t(v) for k, v in texts.items()}), "csrf_token": token})
    assert r.status_code == 303, r.get_data(as_text=True)[:2000]
    ini = db.session.execute(db.select(Initiative)).scalar_one()
    for name, value in texts.items():
        assert getattr(ini, name) == value, name


def test_initiative_reject_reason(submit):  # noqa: F811
    ini = submit()
    from adminapp.workflow import initiatives as svc
    from models import User

    officer = db.session.execute(db.select(User).where(User.username == "cdcs.officer")).scalar_one()
    svc.apply(officer, ini, "reject", reason=nfd("Không đạt yêu cầu về hiệu quả"))
    db.session.commit()
    assert ini.reject_reason == "Không đạt yêu cầu về hiệu quả"


@pytest.mark.parametrize("form", FORMS)
def test_flask_admin_model_form(form, login_as):
    t = FORMS[form]
    admin = login_as("admin")
    html = page(admin, "/admin/campaign_roles/new/")
    r = admin.post("/admin/campaign_roles/new/", data={
        "name": t("Phối hợp thực hiện"), "code": "phoi-hop", "sort_order": "9", "active": "y",
        "csrf_token": csrf_from(html)})
    assert r.status_code == 302, r.get_data(as_text=True)[:2000]
    role = db.session.execute(db.select(CampaignRole).where(CampaignRole.code == "phoi-hop")).scalar_one()
    assert role.name == "Phối hợp thực hiện"


def test_wtforms_filter_on_every_text_field(ctx):
    """Every text field of the main forms gets NFC before its validators; passwords are left as typed."""
    from werkzeug.datastructures import MultiDict
    from wtforms.fields import PasswordField, StringField

    from forms.auth import ChangePasswordForm, LoginForm
    from forms.campaigns import CampaignForm, LinkForm, ParticipantForm
    from forms.initiative import DossierForm, PublicInitiativeForm, TrackingForm
    from views.base import AdminForm

    class AdminLike(AdminForm):
        title = StringField("Tiêu đề")

    for cls in (LoginForm, ChangePasswordForm, CampaignForm, ParticipantForm, LinkForm, PublicInitiativeForm,
                TrackingForm, DossierForm, AdminLike):
        with ctx.test_request_context(method="POST"):
            probe = cls(meta={"csrf": False})
            names = [f.name for f in probe if isinstance(f, StringField)]
            data = MultiDict({n: nfd("Điện lực Hoàn Kiếm ệ") for n in names})
            form = cls(formdata=data, meta={"csrf": False})
            for f in form:
                if isinstance(f, PasswordField):
                    assert f.data == nfd("Điện lực Hoàn Kiếm ệ"), (cls, f.name)
                elif isinstance(f, StringField) and f.name != "csrf_token":
                    assert f.data == "Điện lực Hoàn Kiếm ệ", (cls, f.name)

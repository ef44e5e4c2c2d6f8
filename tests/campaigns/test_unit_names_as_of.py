"""Campaign records keep their names (issue 11): after the 2025 renames, the 2021 campaign list, registration
list, consolidated registration list and history diffs print the units as named in 2021; list pages show
today's name with the former one on hover."""
from __future__ import annotations

import csv
import io
from datetime import date

import openpyxl
from freezegun import freeze_time

from adminapp import directory
from adminapp.exports import registrations as reg_export
from adminapp.extensions import db
from adminapp.workflow import campaigns as svc
from adminapp.workflow import registrations as regs

OLD_HANOI, NEW_HANOI = "Liên đoàn Lao động thành phố Hà Nội", "Liên đoàn Lao động Thủ đô Hà Nội"
OLD_HK, NEW_HK = "Liên đoàn Lao động quận Hoàn Kiếm", "Công đoàn phường Hoàn Kiếm"
E = date(2025, 7, 1)


def _csv(response) -> list[list[str]]:
    assert response.status_code == 200, response.status_code
    return list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def _rename(user, unit):
    directory.rename_unit(actor=user("admin"), unit=unit("01"), name=NEW_HANOI, effective=E)
    directory.rename_unit(actor=user("admin"), unit=unit("01-002"), name=NEW_HK, effective=E)
    db.session.commit()


def _sent_2021(make_campaign, registration_of, fill, user):
    with freeze_time("2021-01-05 03:00:00"):
        campaign = make_campaign()
    reg = fill(registration_of(campaign, "01-002"))
    with freeze_time("2021-02-01 03:00:00"):
        regs.apply(user("hoankiem.officer"), reg.id, "send")
        db.session.commit()
    return campaign, reg


def test_2021_campaign_and_registration_exports_print_2021_names(make_campaign, registration_of, fill, user,
                                                                  unit, login_as):
    campaign, reg = _sent_2021(make_campaign, registration_of, fill, user)
    with freeze_time("2026-02-01 03:00:00"):  # a campaign of 2026, under today's names
        new = make_campaign(name="Thi đua năm 2026", start_date=date(2026, 1, 1), end_date=date(2026, 12, 31),
                            registration_deadline=date(2026, 3, 31), dossier_deadline=date(2026, 11, 30))
    _rename(user, unit)

    c = login_as("hanoi.officer")
    rows = _csv(c.get("/admin/campaigns/export/csv/"))
    owner = {r[0]: r[1] for r in rows[1:]}
    assert owner[campaign.name] == OLD_HANOI and owner[new.name] == NEW_HANOI
    rows = _csv(c.get("/admin/registrations/export/csv/"))
    by_campaign = {(r[0], r[1]) for r in rows[1:]}
    assert (campaign.name, OLD_HK) in by_campaign  # sent in 2021
    assert (new.name, NEW_HK) in by_campaign  # not sent: named as on its creation, in 2026
    assert not any(NEW_HK == r[1] for r in rows[1:] if r[0] == campaign.name)

    # the consolidated list: rows and subtitle
    values = list(reg_export.consolidated_rows(campaign))
    assert {v[1] for v in values} == {OLD_HK}
    assert reg_export.subtitle(campaign, False).endswith("Đơn vị phát động: " + OLD_HANOI)
    r = c.get(f"/admin/campaign/{campaign.id}/consolidated/xlsx")
    assert r.status_code == 200
    ws = openpyxl.load_workbook(io.BytesIO(r.data)).active
    text = "\n".join(str(cell.value) for row in ws.iter_rows() for cell in row if cell.value)
    assert OLD_HK in text and OLD_HANOI in text and NEW_HK not in text and NEW_HANOI not in text

    # the list pages: today's name, the 2021 name on hover
    html = c.get("/admin/registrations/").get_data(as_text=True)
    assert f'title="Tên cũ: {OLD_HK} (đến 30/06/2025)">{NEW_HK}</span>' in html
    html = login_as("hoankiem.officer").get("/admin/received_campaigns/").get_data(as_text=True)
    assert f'title="Tên cũ: {OLD_HANOI} (đến 30/06/2025)">{NEW_HANOI}</span>' in html


def test_history_diffs_name_units_as_on_the_revision_day(make_campaign, user, unit, login_as):
    with freeze_time("2021-01-05 03:00:00"):
        campaign = make_campaign(units=("01-001",), launch=False)
        svc.add_participating_unit(actor=user("hanoi.officer"), campaign=campaign, unit=unit("01-002"),
                                   role=svc.default_role())
        db.session.commit()
    _rename(user, unit)
    with freeze_time("2026-01-05 03:00:00"):
        svc.remove_participating_unit(actor=user("hanoi.officer"), campaign=campaign,
                                      campaign_unit=next(cu for cu in campaign.units
                                                         if cu.unit_id == unit("01-002").id))
        db.session.commit()

    c = login_as("hanoi.officer")
    html = c.get(f"/admin/history/campaign/{campaign.id}/").get_data(as_text=True)
    assert OLD_HK in html  # the 2021 revision's participating units, as named in 2021
    assert NEW_HK in html  # the 2026 revision's, as named in 2026
    from models import Revision

    revs = db.session.execute(db.select(Revision.id).where(Revision.object_type == "campaign",
                                                           Revision.object_id == campaign.id)
                              .order_by(Revision.id)).scalars().all()
    html = c.get(f"/admin/history/campaign/{campaign.id}/diff?a={revs[0]}&b={revs[-1]}").get_data(as_text=True)
    assert OLD_HANOI in html and NEW_HANOI in html  # the owner: 2021 name on the left, today's on the right

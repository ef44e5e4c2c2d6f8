"""The seed's programme (004: "75 nghìn sáng kiến, vượt khó, phát triển") as demo data.

`flask --app wsgi sang-kien demo` loads it (idempotent) with its submission window
moved around today so the public form is open; `--original-dates` keeps 2021's.
"""
from __future__ import annotations

from datetime import date, timedelta

from adminapp import clock, reference
from adminapp.workflow import programmes
from models import Programme

NAME = "75 nghìn sáng kiến, vượt khó, phát triển"
SLUG = "75-nghin-sang-kien"
DESCRIPTION = (
    "Đoàn viên, CNVCLĐ tự nhập sáng kiến của mình. Sáng kiến có thể được nghiên cứu, đề xuất trước "
    "nhưng phải bắt đầu triển khai thực tế trong thời gian áp dụng. Phần mô tả tối đa 1000 ký tự "
    "(có thể soạn sẵn và dán vào)."
)


def ensure_demo_programme(original_dates: bool = False) -> tuple[Programme, bool]:
    existing = programmes.get_by_slug(SLUG)
    if existing is not None:
        return existing, False
    if original_dates:
        dates = dict(submission_opens=date(2021, 3, 10), submission_closes=date(2021, 4, 20),
                     application_from=date(2021, 2, 1), application_to=date(2021, 5, 31),
                     dossier_deadline=date(2021, 4, 22))
    else:
        today = clock.today_vn()
        dates = dict(submission_opens=today - timedelta(days=10), submission_closes=today + timedelta(days=30),
                     application_from=today - timedelta(days=60), application_to=today + timedelta(days=90),
                     dossier_deadline=today + timedelta(days=32))
    root = reference.get_unit(reference.ROOT[0])
    if root is None:
        raise LookupError("reference units missing")
    programme = programmes.create_programme(None, owner=root, name=NAME, slug=SLUG, description=DESCRIPTION, **dates)
    return programme, True

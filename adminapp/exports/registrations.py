"""Danh sách tổng hợp đăng ký: every registered participant of one campaign (XLSX or CSV).

Printable as it is: title row, campaign name and dates, Vietnamese headings, frozen and repeated
header, landscape, fit to width (adminapp.exports.tabular). Streamed from a Core select. Each registering
unit is named as it was on the day its list was sent (adminapp.unit_history, in batches), the launching unit as
on the campaign's start: a 2021 list keeps its 2021 names after the 2025 reorganisation.
"""
from __future__ import annotations

from sqlalchemy import func, select

from adminapp import formatting, labels, unit_history
from adminapp.exports import tabular
from adminapp.extensions import db
from models import Participant, Registration, Unit

TITLE = "DANH SÁCH TỔNG HỢP ĐĂNG KÝ"
HEADERS = ["TT", "Đơn vị đăng ký", "Đối tượng", "Họ và tên / Tên tập thể", "Năm sinh", "Chức vụ",
           "Đơn vị công tác", "Trạng thái danh sách", "Ngày gửi", "Nộp muộn"]
WIDTHS = [6, 36, 12, 32, 10, 24, 32, 16, 12, 11]
KINDS = ["int", "text", "text", "text", "int", "text", "text", "text", "date", "text"]


def _statement(campaign, approved_only: bool):
    stmt = (
        select(Unit.name, Participant.kind, Participant.full_name, Participant.birth_year, Participant.position,
               Participant.unit_name, Registration.status, Registration.sent_at, Registration.late,
               Registration.unit_id, Registration.created_at.label("registered_at"))
        .join(Registration, Participant.registration_id == Registration.id)
        .join(Unit, Registration.unit_id == Unit.id)
        .where(Registration.campaign_id == campaign.id)
        .order_by(Unit.path, Participant.sort_order, Participant.id)
    )
    if approved_only:
        stmt = stmt.where(Registration.status == "approved")
    else:
        stmt = stmt.where(Registration.status != "not_sent")  # only lists that were sent up
    return stmt


def count_rows(campaign, approved_only: bool = False) -> int:
    stmt = _statement(campaign, approved_only).order_by(None)
    return db.session.execute(select(func.count()).select_from(stmt.subquery())).scalar_one()


def consolidated_rows(campaign, approved_only: bool = False, progress=None):
    stmt = _statement(campaign, approved_only)
    stream = unit_history.rows_with_names(db.session.execute(stmt.execution_options(yield_per=500)),
                                          lambda row: [(row.unit_id, row.sent_at or row.registered_at)])
    for n, (row, (dated,)) in enumerate(stream, start=1):
        yield (n, dated or row.name, labels.PARTICIPANT_KINDS.get(row.kind, row.kind), row.full_name, row.birth_year,
               row.position, row.unit_name, labels.REGISTRATION_STATUSES.get(row.status, row.status), row.sent_at,
               "Nộp muộn" if row.late else "")
        if progress is not None and n % 1000 == 0:
            progress(n)


def subtitle(campaign, approved_only: bool) -> str:
    text = (f"Phong trào: {campaign.name} ({formatting.format_date(campaign.start_date)} – "
            f"{formatting.format_date(campaign.end_date)}) – Đơn vị phát động: "
            f"{unit_history.name_at(campaign.owner_unit_id, campaign.start_date, cache={})}")
    return text + (" – Chỉ các danh sách đã duyệt" if approved_only else "")


def write_xlsx(path, campaign, approved_only: bool = False, progress=None) -> int:
    return tabular.write_xlsx(path, HEADERS, consolidated_rows(campaign, approved_only, progress), title=TITLE,
                              subtitle=subtitle(campaign, approved_only), sheet_name="Tổng hợp đăng ký",
                              widths=WIDTHS, kinds=KINDS, closing={"place": None, "title": None, "name": None})


def write_csv(fh, campaign, approved_only: bool = False, progress=None) -> int:
    return tabular.write_csv(fh, HEADERS, consolidated_rows(campaign, approved_only, progress))

"""Tệp xuất: background exports of the current user, their progress and download links."""
from __future__ import annotations

from flask import abort
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup

from adminapp import access, formatting, labels
from adminapp.extensions import db
from models import ExportJob, utcnow
from views.base import EXPORT_MIMETYPES, ScopedModelView, send_download


def _progress(view, context, model, name):  # noqa: ARG001
    if model.rows_total is None:
        return "—"
    return f"{formatting.format_int(model.rows_done)}/{formatting.format_int(model.rows_total)}"


def _download(view, context, model, name):  # noqa: ARG001
    if model.status != "done":
        return labels.EXPORT_JOB_STATUSES.get(model.status, model.status)
    url = view.get_url(".download", job_id=model.id)
    return Markup('<a class="btn btn-sm btn-primary" href="{}">Tải về</a>').format(url)


class ExportJobView(ScopedModelView):
    view_permission = "export"
    export_permission = None
    details_template = "admin/export_job_details.html"

    column_list = ["created_at", "title", "export_type", "status", "progress", "size", "expires_at", "download"]
    column_details_list = ["created_at", "title", "export_type", "status", "progress", "size", "finished_at",
                           "expires_at", "error", "download"]
    column_labels = {"created_at": "Thời gian yêu cầu", "title": "Danh sách", "export_type": "Định dạng",
                     "status": "Trạng thái", "progress": "Tiến độ (dòng)", "size": "Dung lượng (byte)",
                     "finished_at": "Hoàn thành lúc", "expires_at": "Hết hạn lúc", "error": "Lỗi",
                     "download": "Tệp"}
    column_formatters = {
        "status": lambda v, c, m, n: labels.EXPORT_JOB_STATUSES.get(m.status, m.status),
        "export_type": lambda v, c, m, n: m.export_type.upper(),
        "progress": _progress,
        "download": _download,
    }
    column_formatters_detail = column_formatters
    column_default_sort = ("created_at", True)
    column_sortable_list = ["created_at"]

    @expose("/<int:job_id>/download")
    def download(self, job_id: int):
        job = db.session.get(ExportJob, job_id)
        if job is None or not access.can(current_user, "export", job) or job.status != "done":
            abort(404)
        if job.expires_at is not None and job.expires_at < utcnow():
            abort(404)
        data = db.session.execute(db.select(ExportJob.content).where(ExportJob.id == job.id)).scalar_one()
        import io

        return send_download(io.BytesIO(data), EXPORT_MIMETYPES[job.export_type],
                             job.filename or f"xuat.{job.export_type}")

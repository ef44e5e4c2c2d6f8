"""Initiative programmes (Chương trình sáng kiến): settings, quotas, QR print page, dossier, statistics, summary.

Settings are changed by the owner unit only; every other page works for the
user's own unit in the programme's tree (quotas of its direct subordinates,
its dossier, statistics of its subtree). Rules live in adminapp.workflow.
"""
from __future__ import annotations

import io
from collections import Counter
from urllib.parse import urlencode

from flask import abort, current_app, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy import inspect as sa_inspect
from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, NumberRange, Optional

from adminapp import access, clock, field_rules, formatting, jobs, labels, params, versioning
from adminapp.exports import initiative_summary, tabular
from adminapp.extensions import db
from adminapp.workflow import deadlines
from adminapp.workflow import dossiers as dossier_service
from adminapp.workflow import programmes as service
from models import Dossier, Initiative, Programme, Unit
from views.base import EXPORT_MIMETYPES, ScopedModelView, background_export, send_download, send_temp_file


def _name_formatter(view, context, model, name):  # noqa: ARG001
    return Markup('<a href="{}">{}</a>').format(url_for("programmes.overview", pid=model.id), model.name)


class ProgrammeView(ScopedModelView):
    view_permission = "initiative.view"
    create_permission = "programme.manage"
    edit_permission = "programme.manage"
    delete_permission = None  # a programme others submitted to is archived (status), never deleted
    audit_object_type = "programme"
    can_view_details = False
    extra_css = ["/static/initiatives.css"]

    column_list = ["name", "owner_unit", "submission_opens", "submission_closes", "dossier_deadline", "status"]
    column_export_list = ["name", "slug", "owner_unit", "submission_opens", "submission_closes",
                          "application_from", "application_to", "dossier_deadline", "dossier_deadline_policy",
                          "description_limit", "status"]
    column_labels = {
        "name": "Tên chương trình", "slug": "Đường dẫn rút gọn", "owner_unit": "Đơn vị phát động",
        "description": "Hướng dẫn", "submission_opens": "Mở nhận từ ngày", "submission_closes": "Đóng nhận sau ngày",
        "application_from": "Áp dụng từ ngày", "application_to": "Áp dụng đến ngày",
        "dossier_deadline": "Hạn nộp hồ sơ", "description_limit": "Giới hạn mô tả (ký tự)",
        "dossier_deadline_policy": "Hồ sơ gửi sau hạn",
        "requires_moderation": "Ban tổ chức thông qua sáng kiến trước khi cơ sở thẩm định",
        "mask_secrets_in_summary": "Che sáng kiến bí mật công nghệ trong Bảng tổng hợp tóm tắt sáng kiến",
        "default_quota": "Chỉ tiêu mặc định mỗi đơn vị cấp 1", "status": "Trạng thái",
        "fields_text": "Các lĩnh vực (mỗi dòng một lĩnh vực)",
    }
    column_formatters = {
        "name": _name_formatter,
        "status": lambda v, c, m, n: labels.PROGRAMME_STATUSES.get(m.status, m.status),
    }
    column_formatters_export = {"status": lambda v, c, m, n: labels.PROGRAMME_STATUSES.get(m.status, m.status),
                                "dossier_deadline_policy": lambda v, c, m, n: labels.DEADLINE_POLICIES.get(
                                    m.dossier_deadline_policy, m.dossier_deadline_policy)}
    export_from_columns = True
    column_default_sort = ("id", True)
    column_select_related_list = [Programme.owner_unit]
    form_columns = ["name", "slug", "description", "submission_opens", "submission_closes", "application_from",
                    "application_to", "dossier_deadline", "dossier_deadline_policy", "fields_text", "description_limit",
                    "default_quota", "requires_moderation", "mask_secrets_in_summary", "status"]
    form_extra_fields = {"fields_text": TextAreaField("Các lĩnh vực (mỗi dòng một lĩnh vực)")}
    form_overrides = {"status": SelectField, "dossier_deadline_policy": SelectField}
    form_args = {
        "name": {"validators": [DataRequired()]},
        "slug": {"description": "Để trống để tạo tự động. Đường dẫn công khai: /sang-kien/<đường dẫn>/",
                 "validators": [Optional()]},
        "status": {"choices": list(labels.PROGRAMME_STATUSES.items())},
        "submission_opens": {"validators": [DataRequired()]},
        "submission_closes": {"validators": [DataRequired()],
                              "description": "Biểu mẫu tự đóng sau 24:00 ngày này (giờ Việt Nam)."},
        "application_from": {"validators": [DataRequired()]},
        "application_to": {"validators": [DataRequired()]},
        "dossier_deadline": {"validators": [Optional()],
                             "description": "Hết 24:00:00 ngày này (giờ Việt Nam). Đơn vị phát động gia hạn được ở "
                                            "trang hồ sơ xét chọn."},
        "dossier_deadline_policy": {"choices": list(labels.DEADLINE_POLICIES.items()), "default": "refuse",
                                    "description": "Được hiển thị cho các đơn vị trước khi gửi hồ sơ."},
        "description_limit": {"validators": [Optional(), NumberRange(min=1, max=service.MAX_DESCRIPTION_LIMIT)]},
        "default_quota": {"validators": [Optional(), NumberRange(min=0, max=1000)]},
    }
    export_title = "DANH SÁCH CHƯƠNG TRÌNH SÁNG KIẾN"

    # ----------------------------------------------------------------- settings

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method == "GET":
            form.fields_text.data = "\n".join(labels.DEFAULT_INITIATIVE_FIELDS)
            form.description_limit.data = form.description_limit.data or 1000
            form.default_quota.data = 4 if form.default_quota.data is None else form.default_quota.data
            form.status.data = form.status.data or "published"
        return form

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        form.slug.render_kw = {"readonly": True}
        form.slug.description = "Không đổi sau khi tạo: mã QR và đường dẫn đã phát hành phải luôn dùng được."
        if request.method == "GET" and obj is not None:
            form.fields_text.data = "\n".join(obj.fields or [])
        return form

    def on_model_change(self, form, model, is_created):
        model.fields = [line.strip() for line in (form.fields_text.data or "").splitlines() if line.strip()]
        super().on_model_change(form, model, is_created)
        if is_created:
            service.init_quotas(model)

    def check_change(self, form, model, is_created):
        if is_created:
            service.prepare_new_programme(current_user, model)
            return
        if not access.can_manage_programme(current_user, model):
            raise access.PermissionDenied("Chỉ đơn vị phát động mới sửa được chương trình.")
        history = sa_inspect(model).attrs.requires_moderation.history
        if history.has_changes():
            service.check_moderation_change(model, bool(history.deleted[0]) if history.deleted else False)
        if sa_inspect(model).attrs.slug.history.has_changes():
            raise service.ProgrammeError(
                "Không được đổi đường dẫn rút gọn sau khi tạo (mã QR và đường dẫn đã phát hành sẽ hỏng)."
            )
        service.validate_settings(model)

    @property
    def can_create(self):
        return access.offers(current_user, "programme.create")

    def row_allowed(self, action: str, row) -> bool:
        if action in ("edit", "delete"):
            return access.offers(current_user, "programme.manage", row)
        return True

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        """Only the owner unit opens the settings form (others get 403, out of scope 404)."""
        programme = self._programme(params.parse_id(request.args.get("id")))
        if not access.can_manage_programme(current_user, programme):
            abort(403)
        return super().edit_view()

    # ----------------------------------------------------------------- helpers

    def _programme(self, pid: int) -> Programme:
        if pid is None or params.parse_id(pid) is None:
            abort(404)
        programme = db.session.execute(
            access.scope(current_user, Programme, select(Programme)).where(Programme.id == pid)
        ).scalar_one_or_none()
        if programme is None:
            abort(404)
        return programme

    def _unit_arg(self, programme: Programme) -> Unit:
        """?unit=<id>: a unit of the user's subtree inside the programme's tree (default: the user's unit)."""
        raw = request.args.get("unit")
        if not raw:
            return current_user.unit
        unit_id = params.parse_id(raw)
        unit = db.session.get(Unit, unit_id) if unit_id else None
        if unit is None or not access.unit_in_subtree(current_user, unit):
            abort(404)
        return unit

    # ----------------------------------------------------------------- overview and QR

    @expose("/<int:pid>/")
    def overview(self, pid):
        programme = self._programme(pid)
        unit = current_user.unit
        in_tree = service.in_programme_tree(programme, unit)
        line = service.quota_line(programme, unit) if in_tree and unit.id != programme.owner_unit_id else None
        return self.render(
            "initiatives/programme.html", programme=programme, line=line, in_tree=in_tree,
            state=service.window_state(programme), can_manage=access.can_manage_programme(current_user, programme),
            public_url=url_for("public.form", slug=programme.slug, _external=True), hidden=self._hidden(),
        )

    @expose("/<int:pid>/qr")
    def qr(self, pid):
        programme = self._programme(pid)
        return self.render("initiatives/qr.html", programme=programme,
                           public_url=url_for("public.form", slug=programme.slug, _external=True))

    # ----------------------------------------------------------------- quotas

    @expose("/<int:pid>/quotas", methods=["GET", "POST"])
    def quotas(self, pid):
        programme = self._programme(pid)
        unit = current_user.unit
        if not service.in_programme_tree(programme, unit):
            abort(404)
        can_allot = access.has_permission(current_user, "programme.manage")
        lines = service.subordinate_lines(programme, unit)
        if request.method == "POST":
            if not can_allot:
                abort(403)
            allotments, bad = {}, []
            for line in lines:
                raw = (request.form.get(f"quota_{line.unit.id}") or "").strip()
                if raw == "":
                    continue
                try:
                    allotments[line.unit.id] = int(raw)
                except ValueError:
                    bad.append(line.unit.name)
            if bad:
                flash("Chỉ tiêu phải là số nguyên: " + ", ".join(bad), "error")
            else:
                try:
                    changed = service.allot_quotas(current_user, programme, allotments)
                except (service.ProgrammeError, access.PermissionDenied) as e:
                    db.session.rollback()
                    flash(getattr(e, "message", None) or str(e), "error")
                else:
                    db.session.commit()
                    flash(f"Đã lưu phân bổ chỉ tiêu ({changed} đơn vị thay đổi).", "success")
                    return redirect(url_for(".quotas", pid=pid))
        own = None if unit.id == programme.owner_unit_id else service.quota_line(programme, unit)
        allotted = sum(line.quota or 0 for line in lines)
        return self.render("initiatives/quotas.html", programme=programme, own=own, lines=lines,
                           allotted=allotted, can_allot=can_allot)

    # ----------------------------------------------------------------- dossier and summary table

    @expose("/<int:pid>/dossier", methods=["GET", "POST"])
    def dossier(self, pid):
        from forms.initiative import DossierForm

        programme = self._programme(pid)
        unit = self._unit_arg(programme)
        if not service.in_programme_tree(programme, unit):
            abort(404)
        dossier = dossier_service.get_or_new(programme, unit)
        own = access.can_manage_dossier(current_user, unit)
        form = DossierForm(obj=dossier)
        status = 200
        if request.method == "GET":
            form.version.data = str(dossier.version) if dossier.id is not None else ""
        if request.method == "POST":
            if not own:
                abort(403)
            expected = versioning.parse_version(form.version.data)
            try:
                if request.form.get("do") == "send":
                    dossier_service.send_dossier(current_user, dossier, expected_version=expected)
                    message = "Đã gửi hồ sơ lên cấp trên."
                elif form.validate():
                    upload = form.letter_file.data
                    has_file = bool(upload and upload.filename)
                    dossier_service.update_dossier(
                        current_user, dossier, letter_number=form.letter_number.data,
                        letter_date=form.letter_date.data, signer=form.signer.data,
                        signer_title=form.signer_title.data, place=form.place.data,
                        file_name=upload.filename if has_file else None,
                        file_data=upload.read() if has_file else None,
                        max_mb=current_app.config.get("MAX_UPLOAD_MB", 20), expected_version=expected,
                    )
                    message = "Đã lưu hồ sơ."
                else:
                    raise dossier_service.DossierError("Thông tin hồ sơ chưa hợp lệ.")
            except (dossier_service.DossierError, access.PermissionDenied) as e:
                db.session.rollback()
                status = 409 if str(e) == dossier_service.DOSSIER_CONFLICT else 400
                flash(getattr(e, "message", None) or str(e), "error")
                dossier = dossier_service.get_or_new(programme, unit)  # what is stored now (typed values kept)
            else:
                db.session.commit()
                flash(message, "success")
                return redirect(url_for(".dossier", pid=pid, unit=unit.id))
        return self._render_dossier(programme, unit, dossier, form, own, status)

    def _render_dossier(self, programme, unit, dossier, form, own, status=200):
        rows = dossier_service.summary_initiatives(programme, unit)
        late = request.args.get("late", "")
        stmt = (select(Unit, Dossier)
                .outerjoin(Dossier, (Dossier.unit_id == Unit.id) & (Dossier.programme_id == programme.id))
                .where(Unit.parent_id == unit.id, Unit.active.is_(True)).order_by(Unit.sort_order, Unit.name))
        if late in labels.LATE_CHOICES:
            stmt = stmt.where(Dossier.sent_at.is_not(None), Dossier.late.is_(late == "1"))
        subordinate = db.session.execute(stmt).all()
        mine = deadlines.unit_deadline(programme, unit.id)
        return self.render("initiatives/dossier.html", programme=programme, unit=unit, dossier=dossier, form=form,
                           checks=dossier_service.checks(dossier), rows=rows, own=own, subordinate=subordinate,
                           statuses=labels.INITIATIVE_STATUSES, late=late, late_choices=labels.LATE_CHOICES,
                           mask=lambda ini, field, value: access.initiative_value(current_user, ini, field, value),
                           deadline={"mine": mine, "common": deadlines.common_deadline(programme),
                                     "text": deadlines.policy_text("dossier", mine,
                                                                   programme.dossier_deadline_policy),
                                     "extensions": deadlines.extensions(programme),
                                     "can_extend": access.can_manage_programme(current_user, programme)
                                     and unit.id == programme.owner_unit_id and bool(programme.dossier_deadline)}
                           ), status

    @expose("/<int:pid>/extend", methods=["POST"])
    def extend_deadline(self, pid):
        """Gia hạn nộp hồ sơ for every unit or one unit directly below the owner, with a reason."""
        from forms.initiative import DossierForm

        programme = self._programme(pid)
        try:
            unit = deadlines.extension_unit(programme, params.parse_id(request.form.get("unit_id")))
            result = deadlines.extend(current_user, programme, unit=unit, reason=request.form.get("reason"),
                                      new_date=formatting.parse_vn_date(request.form.get("new_date")))
            db.session.commit()
            flash(result.message(), "success")
        except (deadlines.DeadlineError, access.PermissionDenied) as exc:
            db.session.rollback()
            flash(exc.message, "error")
            owner = programme.owner_unit
            dossier = dossier_service.get_or_new(programme, owner)
            return self._render_dossier(programme, owner, dossier, DossierForm(obj=dossier),
                                        access.can_manage_dossier(current_user, owner),
                                        403 if isinstance(exc, access.PermissionDenied) else 400)
        return redirect(url_for(".dossier", pid=pid, unit=programme.owner_unit_id))

    @expose("/<int:pid>/dossier/file")
    def dossier_file(self, pid):
        programme = self._programme(pid)
        unit = self._unit_arg(programme)
        dossier = dossier_service.get_or_new(programme, unit)
        if not dossier.file_data:
            abort(404)
        return send_download(io.BytesIO(dossier.file_data), dossier.file_mime or "application/octet-stream",
                             dossier.file_name or "to-trinh")

    @expose("/<int:pid>/summary.xlsx")
    def summary(self, pid):
        """The summary table of the unit's dossier: in the request, or a background job when a queue is set."""
        programme, unit = self._summary_args(pid)
        if jobs.enabled():
            query = urlencode({"pid": programme.id, "unit": unit.id})
            return background_export(jobs.DOC_PREFIX + "summary", "xlsx", query,
                                     title=f"Tổng hợp tóm tắt sáng kiến – {unit.name}")
        return send_temp_file(lambda path: self._write_summary(programme, unit, path), ".xlsx",
                              EXPORT_MIMETYPES["xlsx"], f"tong-hop-tom-tat-sang-kien-{unit.code}.xlsx")

    def _summary_args(self, pid):
        if not access.has_permission(current_user, "export"):
            abort(403)
        programme = self._programme(pid)
        return programme, self._unit_arg(programme)

    def _write_summary(self, programme, unit, path) -> int:
        dossier = dossier_service.get_or_new(programme, unit)
        rows = dossier_service.summary_initiatives(programme, unit)
        return initiative_summary.write_summary(path, rows, dossier=dossier, unit=unit, programme=programme,
                                                hidden=field_rules.hidden_fields(current_user, "initiative"),
                                                masked=lambda ini: access.summary_masked(programme, ini))

    # ----------------------------------------------------------------- statistics

    def _stats(self, programme: Programme) -> dict:
        user = current_user
        base = select(Initiative).where(Initiative.programme_id == programme.id)
        base = access.scope(user, Initiative, base).subquery()
        by = {}
        for key, column, names in (("status", base.c.status, labels.INITIATIVE_STATUSES),
                                   ("group", base.c.group, labels.INITIATIVE_GROUPS),
                                   ("field", base.c.field, None)):
            rows = db.session.execute(select(column, func.count()).group_by(column).order_by(func.count().desc())).all()
            by[key] = [((names or {}).get(v, v), n) for v, n in rows]
        # By unit: each direct subordinate of the user's unit (whole subtree counted), plus the unit itself.
        per_unit = db.session.execute(
            select(Unit.path, func.count()).select_from(base).join(Unit, Unit.id == base.c.unit_id).group_by(Unit.path)
        ).all()
        anchor = user.unit if not access.is_global(user) else programme.owner_unit
        depth = len(access.ancestor_codes(anchor))
        counter: Counter = Counter()
        for path, n in per_unit:
            codes = [c for c in path.strip("/").split("/") if c]
            counter[codes[depth] if len(codes) > depth else anchor.code] += n
        names = dict(db.session.execute(select(Unit.code, Unit.name).where(Unit.code.in_(list(counter)))).all())
        by["unit"] = [(names.get(code, code), n) for code, n in counter.most_common()]
        by["total"] = sum(n for _, n in by["status"])
        return by

    @expose("/<int:pid>/stats")
    def stats(self, pid):
        programme = self._programme(pid)
        return self.render("initiatives/stats.html", programme=programme, stats=self._stats(programme),
                           sections=STAT_SECTIONS)

    @expose("/<int:pid>/stats.xlsx")
    def stats_export(self, pid):
        if not access.has_permission(current_user, "export"):
            abort(403)
        programme = self._programme(pid)
        stats = self._stats(programme)
        rows = [[title, label, n] for key, title in STAT_SECTIONS for label, n in stats[key]]
        buf = io.BytesIO()
        tabular.write_xlsx(buf, ["Thống kê theo", "Giá trị", "Số sáng kiến"], rows,
                           title=f"THỐNG KÊ SÁNG KIẾN – {programme.name}",
                           subtitle=f"Đơn vị: {current_user.unit.name} – ngày {clock.today_vn().strftime('%d/%m/%Y')}",
                           widths=[22, 60, 14])
        buf.seek(0)
        return send_file(buf, as_attachment=True, download_name=f"thong-ke-sang-kien-{programme.id}.xlsx",
                         mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


STAT_SECTIONS = [("unit", "Đơn vị"), ("field", "Lĩnh vực"), ("group", "Nhóm"), ("status", "Trạng thái")]


@jobs.document("summary")
def _summary_job(export_type, path, progress):  # noqa: ARG001 - a few dozen rows: no progress to report
    """Background job: the summary table, rebuilt as the user (scope and field rules as in the request)."""
    view = jobs.find_view("programmes")
    programme, unit = view._summary_args(request.args.get("pid", type=params.arg_id))
    return f"tong-hop-tom-tat-sang-kien-{unit.code}.xlsx", view._write_summary(programme, unit, path)

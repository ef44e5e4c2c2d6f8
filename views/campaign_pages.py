"""Pages of one campaign: details, files and links, participating units, the registration review page
(Tổng hợp / Chưa gửi / Chờ duyệt / Từ chối / Đã duyệt), a unit's participant list, the consolidated list.

Every object is loaded through the access scope: out of scope answers 404, like a missing id.
"""
from __future__ import annotations

import io
from urllib.parse import urlencode

from flask import abort, current_app, flash, redirect, request, send_file, session, url_for
from flask_admin import BaseView, expose
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, undefer
from sqlalchemy.orm.exc import StaleDataError

from adminapp import access, clock, field_rules, formatting, jobs, labels, params, uploads, versioning
from adminapp.exports import registrations as reg_export
from adminapp.exports import tabular
from adminapp.extensions import db
from adminapp.imports import participants as importer
from adminapp.imports import preview as import_preview
from adminapp.text import like_pattern
from adminapp.workflow import campaigns as svc
from adminapp.workflow import deadlines
from adminapp.workflow import registrations as regsvc
from forms.campaigns import ImportForm, LinkForm, ParticipantForm
from models import Campaign, CampaignAttachment, CampaignLink, CampaignUnit, Participant, Registration, Unit
from views.base import CONFLICT_MESSAGE, background_export, send_download, send_temp_file

REVIEW_PAGE_SIZE = 100
REVIEW_PAGE_SIZES = (50, 100, 200, 500)  # 500 at once: a national campaign's pending lists, approved in bulk
TABS = [("all", "Tổng hợp"), ("not_sent", "Chưa gửi"), ("pending", "Chờ duyệt"), ("rejected", "Từ chối"),
        ("approved", "Đã duyệt")]
SERVICE_ERRORS = (svc.CampaignError, deadlines.DeadlineError, access.PermissionDenied, StaleDataError,
                  IntegrityError)
LATE_FILTERS = {"1": "Nộp muộn", "0": "Đúng hạn"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _scoped_one(model, obj_id, *options):
    stmt = access.scope(current_user, model, select(model).where(model.id == obj_id))
    for opt in options:
        stmt = stmt.options(opt)
    obj = db.session.execute(stmt).scalar_one_or_none()
    if obj is None:
        abort(404)
    return obj


def _message(exc) -> str:
    """Vietnamese text of a refused operation; a concurrent edit (version or unique clash) reads as a conflict."""
    return getattr(exc, "message", None) or CONFLICT_MESSAGE


def _fail(exc) -> None:
    db.session.rollback()
    flash(_message(exc), "error")


class CampaignPages(BaseView):
    def is_visible(self):
        return False

    def is_accessible(self):
        return current_user.is_authenticated and access.has_permission(current_user, "campaign.view")

    def inaccessible_callback(self, name, **kwargs):  # noqa: ARG002
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path))
        abort(403)

    @expose("/")
    def index(self):
        return redirect(url_for("campaigns.index_view"))

    def _campaign(self, campaign_id: int) -> Campaign:
        return _scoped_one(Campaign, campaign_id)

    def _owner_side(self, campaign: Campaign) -> bool:
        return access.unit_in_subtree(current_user, campaign.owner_unit)

    # ----------------------------------------------------------------- details

    @expose("/<int:campaign_id>/")
    def detail(self, campaign_id):
        campaign = self._campaign(campaign_id)
        if svc.mark_opened(user=current_user, campaign=campaign):
            db.session.commit()
        return self._render_detail(campaign)

    def _render_detail(self, campaign: Campaign, status: int = 200):
        my_reg = svc.own_registration(current_user, campaign)
        can_manage = access.can_manage_campaign(current_user, campaign)
        counts = {}
        if self._owner_side(campaign):
            counts = dict(db.session.execute(select(Registration.status, func.count())
                                             .where(Registration.campaign_id == campaign.id)
                                             .group_by(Registration.status)).all())
        html = self.render("campaigns/detail.html", campaign=campaign, my_reg=my_reg, can_manage=can_manage,
                           owner_side=self._owner_side(campaign), counts=counts, roles=svc.active_roles(),
                           units=svc.candidate_units(campaign.owner_unit) if can_manage else [],
                           link_form=LinkForm(), fmt=formatting,
                           hidden=field_rules.hidden_fields(current_user, "campaign"),
                           deadline=_deadline_view(campaign, my_reg))
        db.session.commit()
        return html, status

    @expose("/<int:campaign_id>/extend", methods=("POST",))
    def extend_deadline(self, campaign_id):
        """Gia hạn đăng ký: for every unit or one participating unit, with a reason (the launching unit)."""
        campaign = self._campaign(campaign_id)
        try:
            unit = deadlines.extension_unit(campaign, params.parse_id(request.form.get("unit_id")))
            new_date = formatting.parse_vn_date(request.form.get("new_date"))
            result = deadlines.extend(current_user, campaign, new_date=new_date, unit=unit,
                                      reason=request.form.get("reason"))
            db.session.commit()
            flash(result.message(), "success")
        except SERVICE_ERRORS as exc:
            _fail(exc)
            return self._render_detail(self._campaign(campaign_id), 403 if isinstance(
                exc, access.PermissionDenied) else 400)
        return redirect(url_for("campaign.detail", campaign_id=campaign.id))

    def _manage(self, campaign_id: int, fn, success: str, target: str = "detail"):
        campaign = self._campaign(campaign_id)
        try:
            fn(campaign)
            db.session.commit()
            flash(success.format(name=campaign.name), "success")
        except SERVICE_ERRORS as exc:
            _fail(exc)
        if target == "list" and campaign.status == "draft" and db.session.get(Campaign, campaign_id) is None:
            return redirect(url_for("campaigns.index_view"))
        return redirect(url_for("campaign.detail", campaign_id=campaign_id))

    @expose("/<int:campaign_id>/launch", methods=("POST",))
    def launch(self, campaign_id):
        return self._manage(campaign_id, lambda c: svc.launch_campaign(actor=current_user, campaign=c),
                            "Đã phát động phong trào “{name}”.")

    @expose("/<int:campaign_id>/archive", methods=("POST",))
    def archive(self, campaign_id):
        return self._manage(campaign_id, lambda c: svc.archive_campaign(actor=current_user, campaign=c),
                            "Đã kết thúc phong trào “{name}”.")

    @expose("/<int:campaign_id>/delete", methods=("POST",))
    def delete(self, campaign_id):
        campaign = self._campaign(campaign_id)
        try:
            svc.delete_campaign(actor=current_user, campaign=campaign)
            db.session.commit()
            flash("Đã xóa bản nháp phong trào.", "success")
            return redirect(url_for("campaigns.index_view"))
        except SERVICE_ERRORS as exc:
            _fail(exc)
            return redirect(url_for("campaign.detail", campaign_id=campaign_id))

    @expose("/<int:campaign_id>/units/add", methods=("POST",))
    def add_unit(self, campaign_id):
        def _do(c):
            unit_id = request.form.get("unit_id", type=params.arg_id)
            unit = db.session.get(Unit, unit_id) if unit_id else None
            role = next((r for r in svc.active_roles() if r.id == request.form.get("role_id", type=params.arg_id)),
                        None)
            if unit is None:
                raise svc.CampaignError("Vui lòng chọn đơn vị tham gia.")
            svc.add_participating_unit(actor=current_user, campaign=c, unit=unit, role=role)
        return self._manage(campaign_id, _do, "Đã thêm đơn vị tham gia.")

    @expose("/<int:campaign_id>/units/<int:cu_id>/remove", methods=("POST",))
    def remove_unit(self, campaign_id, cu_id):
        def _do(c):
            cu = next((x for x in c.units if x.id == cu_id), None)
            if cu is None:
                abort(404)
            svc.remove_participating_unit(actor=current_user, campaign=c, campaign_unit=cu)
        return self._manage(campaign_id, _do, "Đã bỏ đơn vị khỏi phong trào.")

    # ----------------------------------------------------------------- files and links

    @expose("/<int:campaign_id>/attachments/add", methods=("POST",))
    def add_attachment(self, campaign_id):
        def _do(c):
            files = [f for f in request.files.getlist("attachments") if f and f.filename]
            if not files:
                raise svc.CampaignError("Vui lòng chọn tệp cần đính kèm.")
            for f in files:
                svc.add_attachment(actor=current_user, campaign=c, filename=f.filename, data=f.read(),
                                   max_mb=current_app.config.get("MAX_UPLOAD_MB", 20))
        return self._manage(campaign_id, _do, "Đã thêm tệp đính kèm.")

    @expose("/attachment/<int:attachment_id>")
    def download(self, attachment_id):
        att = _scoped_one(CampaignAttachment, attachment_id, undefer(CampaignAttachment.data))
        if att.removed_at is not None:
            abort(404)  # removed from the campaign: kept only for its history
        safe_type = att.content_type if "/" in att.content_type else "application/octet-stream"
        return send_download(io.BytesIO(att.data), safe_type, att.filename)

    @expose("/attachment/<int:attachment_id>/remove", methods=("POST",))
    def remove_attachment(self, attachment_id):
        att = _scoped_one(CampaignAttachment, attachment_id)
        if att.removed_at is not None:
            abort(404)
        return self._manage(att.campaign_id, lambda c: svc.remove_attachment(actor=current_user, attachment=att),
                            "Đã xóa tệp đính kèm.")

    @expose("/<int:campaign_id>/links/add", methods=("POST",))
    def add_link(self, campaign_id):
        return self._manage(campaign_id, lambda c: svc.add_link(actor=current_user, campaign=c,
                                                                url=request.form.get("url"),
                                                                title=request.form.get("title")),
                            "Đã thêm liên kết.")

    @expose("/link/<int:link_id>/remove", methods=("POST",))
    def remove_link(self, link_id):
        link = _scoped_one(CampaignLink, link_id)
        return self._manage(link.campaign_id, lambda c: svc.remove_link(actor=current_user, link=link),
                            "Đã xóa liên kết.")

    # ----------------------------------------------------------------- review page

    def _registration_query(self, campaign: Campaign, tab: str, q: str, role_id: int | None, late: str = ""):
        stmt = (access.scope(current_user, Registration, select(Registration, CampaignUnit, Unit))
                .join(Unit, Registration.unit_id == Unit.id)
                .join(CampaignUnit, (CampaignUnit.campaign_id == Registration.campaign_id)
                      & (CampaignUnit.unit_id == Registration.unit_id), isouter=True)
                .where(Registration.campaign_id == campaign.id))
        if tab in labels.REGISTRATION_STATUSES:
            stmt = stmt.where(Registration.status == tab)
        for term in (q or "").split():
            stmt = stmt.where(Unit.search_text.like(like_pattern(term), escape="\\"))
        if role_id:
            stmt = stmt.where(CampaignUnit.role_id == role_id)
        if late in LATE_FILTERS:
            stmt = stmt.where(Registration.late.is_(late == "1"))
        return stmt.options(joinedload(CampaignUnit.role)).order_by(Unit.path, Registration.id)

    def _review_args(self):
        tab = request.args.get("tab", "all")
        late = request.args.get("late", "")
        return (tab if tab in dict(TABS) else "all"), request.args.get("q", "").strip(), \
            request.args.get("role", type=params.arg_id), (late if late in LATE_FILTERS else "")

    @expose("/<int:campaign_id>/registrations")
    def registrations(self, campaign_id):
        campaign = self._campaign(campaign_id)
        if campaign.status == "draft":
            flash("Phong trào chưa phát động nên chưa có danh sách đăng ký.", "warning")
            return redirect(url_for("campaign.detail", campaign_id=campaign_id))
        tab, q, role_id, late = self._review_args()
        base = access.scope(current_user, Registration, select(Registration.status, func.count())
                            .where(Registration.campaign_id == campaign.id).group_by(Registration.status))
        counts = dict(db.session.execute(base).all())
        counts["all"] = sum(counts.values())
        page_size = params.clamp(request.args.get("page_size"), REVIEW_PAGE_SIZE, 1, max(REVIEW_PAGE_SIZES))
        page_size = page_size if page_size in REVIEW_PAGE_SIZES else REVIEW_PAGE_SIZE
        stmt = self._registration_query(campaign, tab, q, role_id, late)
        total = (counts.get(tab, 0) if not q and not role_id and not late else
                 db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one())
        pages = max(1, -(-total // page_size))
        page = params.clamp(request.args.get("page"), 0, 0, pages - 1)
        rows = db.session.execute(stmt.limit(page_size).offset(page * page_size)).all()
        ids = [r.Registration.id for r in rows]
        sizes = dict(db.session.execute(
            select(Participant.registration_id, func.count()).where(Participant.registration_id.in_(ids))
            .group_by(Participant.registration_id)).all()) if ids else {}
        return self.render("campaigns/registrations.html", campaign=campaign, tabs=TABS, tab=tab, q=q,
                           role_id=role_id, late=late, late_filters=LATE_FILTERS, counts=counts, rows=rows, sizes=sizes, roles=svc.active_roles(),
                           can_review=any(access.can_review_registration(current_user, r.Registration)
                                          for r in rows),
                           page=page, pages=pages, total=total, page_size=page_size, page_sizes=REVIEW_PAGE_SIZES,
                           fmt=formatting, late_count=db.session.execute(access.scope(
                               current_user, Registration, select(func.count()).select_from(Registration)
                               .where(Registration.campaign_id == campaign.id, Registration.late.is_(True)))
                           ).scalar_one(), kept_reason=session.pop(f"kept_reason:{campaign.id}", ""))

    @expose("/<int:campaign_id>/registrations/action", methods=("POST",))
    def registrations_action(self, campaign_id):
        campaign = self._campaign(campaign_id)
        action = request.form.get("action", "")
        ids = params.parse_ids(request.form.getlist("rowid"))
        back = url_for("campaign.registrations", campaign_id=campaign.id, tab=request.form.get("tab", "all"),
                       q=request.form.get("q") or None)
        reason = request.form.get("reason") or ""
        keep = f"kept_reason:{campaign.id}"  # what was typed survives the redirect back after an error
        if action not in ("approve", "reject", "revoke"):
            flash("Thao tác không hợp lệ.", "error")
            session[keep] = reason[:2000]
            return redirect(back)
        if not ids:
            flash("Chưa chọn danh sách nào.", "warning")
            session[keep] = reason[:2000]
            return redirect(back)
        try:
            result = regsvc.apply_bulk(current_user, ids, action, reason, campaign_id=campaign.id)
            db.session.commit()
            flash(result.message(regsvc.BULK_VERBS[action]), "success" if not result.skipped else "warning")
        except SERVICE_ERRORS as exc:
            _fail(exc)
            session[keep] = reason[:2000]
        return redirect(back)

    @expose("/<int:campaign_id>/registrations/export/<fmt>")
    def registrations_export(self, campaign_id, fmt):
        """The review page's list as shown (tab, search, role): in the request, or as a background job when a
        queue is configured or the list is large."""
        campaign, stmt = self._review_export_query(campaign_id, fmt)
        total = db.session.execute(select(func.count()).select_from(stmt.order_by(None).subquery())).scalar_one()
        if jobs.enabled() or total > current_app.config["EXPORT_SYNC_MAX_ROWS"]:
            return background_export(jobs.DOC_PREFIX + "review", fmt, _job_query(campaign),
                                     title=f"Danh sách đăng ký theo đơn vị – {campaign.name}", rows_total=total)
        return send_temp_file(lambda p: self._write_review(campaign, stmt, fmt, p), "." + fmt, MIMETYPES[fmt],
                              f"dang-ky-phong-trao-{campaign.id}.{fmt}")

    def _review_export_query(self, campaign_id, fmt):
        campaign = self._campaign(campaign_id)
        if fmt not in ("xlsx", "csv") or not access.has_permission(current_user, "export"):
            abort(404)
        tab, q, role_id, late = self._review_args()
        return campaign, self._registration_query(campaign, tab, q, role_id, late)

    def _write_review(self, campaign, stmt, fmt, path, progress=None) -> int:
        tab = self._review_args()[0]
        headers = ["TT", "Đơn vị", "Vai trò", "Trạng thái", "Số thành viên", "Ngày gửi", "Nộp muộn", "Lý do"]
        sizes = dict(db.session.execute(
            select(Participant.registration_id, func.count()).join(Registration)
            .where(Registration.campaign_id == campaign.id).group_by(Participant.registration_id)).all())

        def rows():
            for n, r in enumerate(db.session.execute(stmt), start=1):
                reg = r.Registration
                yield (n, r.Unit.name, r.CampaignUnit.role.name if r.CampaignUnit else "",
                       regsvc.display_status(reg), sizes.get(reg.id, 0), reg.sent_at,
                       deadlines.LATE_LABEL if reg.late else "", reg.last_reason)
                if progress is not None and n % 1000 == 0:
                    progress(n)

        if fmt == "xlsx":
            return tabular.write_xlsx(path, headers, rows(), title="DANH SÁCH ĐĂNG KÝ THEO ĐƠN VỊ",
                                      subtitle=f"Phong trào: {campaign.name} – {dict(TABS)[tab]}",
                                      kinds=["int", "text", "text", "text", "number", "date", "text", "text"])
        return _write_csv(path, headers, rows())

    @expose("/<int:campaign_id>/consolidated/<fmt>")
    def consolidated(self, campaign_id, fmt):
        """Danh sách tổng hợp đăng ký: for the launching side only (units never see each other's lists). A
        background job when a queue is configured or the list is large."""
        campaign, approved = self._consolidated_args(campaign_id, fmt)
        total = reg_export.count_rows(campaign, approved)
        if jobs.enabled() or total > current_app.config["EXPORT_SYNC_MAX_ROWS"]:
            return background_export(jobs.DOC_PREFIX + "consolidated", fmt, _job_query(campaign),
                                     title=f"Danh sách tổng hợp đăng ký – {campaign.name}", rows_total=total)
        return send_temp_file(lambda p: _write_consolidated(campaign, approved, fmt, p), "." + fmt, MIMETYPES[fmt],
                              f"danh-sach-tong-hop-dang-ky-{campaign.id}.{fmt}")

    def _consolidated_args(self, campaign_id, fmt):
        campaign = self._campaign(campaign_id)
        if fmt not in ("xlsx", "csv") or not self._owner_side(campaign):
            abort(404)
        if not access.has_permission(current_user, "export"):
            abort(403)
        return campaign, request.args.get("approved") == "1"

    # ----------------------------------------------------------------- one registration

    def _registration(self, registration_id: int) -> Registration:
        reg = _scoped_one(Registration, registration_id)
        if reg.campaign.status == "draft":
            abort(404)
        return reg

    def _render_registration(self, reg: Registration, status: int = 200, import_errors=None, form=None,
                             edit_forms=None, kept_reason=None):
        html = self.render(
            "campaigns/registration.html", reg=reg, campaign=reg.campaign,
            editable=regsvc.is_editable_by_sender(reg) and access.can_submit_registration(current_user, reg),
            can_submit=access.can_submit_registration(current_user, reg),
            can_review=access.can_review_registration(current_user, reg),
            form=form or ParticipantForm(formdata=None), import_form=ImportForm(formdata=None),
            import_errors=import_errors or [], fmt=formatting, transitions=regsvc.TRANSITIONS,
            deadline=_deadline_view(reg.campaign, reg),
            can_send=regsvc.can_send_now(reg) and reg.campaign.status == "launched",
            send_text=regsvc.send_label(reg), status_text=regsvc.display_status(reg),
            edit_form=lambda p: (edit_forms or {}).get(p.id) or ParticipantForm(formdata=None, obj=p,
                                                                                 prefix=f"p{p.id}"),
            edit_open=set(edit_forms or {}), kept_reason=kept_reason or "")
        return html, status

    @expose("/registration/<int:registration_id>")
    def registration(self, registration_id):
        reg = self._registration(registration_id)
        if reg.unit_id == current_user.unit_id and svc.mark_opened(user=current_user, campaign=reg.campaign):
            db.session.commit()
        return self._render_registration(reg)

    @expose("/registration/<int:registration_id>/action", methods=("POST",))
    def registration_action(self, registration_id):
        reg = self._registration(registration_id)
        action = request.form.get("action", "")
        try:
            regsvc.apply(current_user, reg.id, action, request.form.get("reason"),
                         expected_version=versioning.parse_version(request.form.get("version")))
            db.session.commit()
            verb = labels.REGISTRATION_ACTIONS.get(action, action)
            flash(f"{verb}: danh sách của {reg.unit.name} chuyển sang “{regsvc.display_status(reg)}”.",
                  "success")
        except SERVICE_ERRORS as exc:
            _fail(exc)
            return self._render_registration(self._registration(registration_id), 409,
                                             kept_reason=request.form.get("reason"))
        return redirect(url_for("campaign.registration", registration_id=reg.id))

    @expose("/registration/<int:registration_id>/participants/add", methods=("POST",))
    def add_participant(self, registration_id):
        reg = self._registration(registration_id)
        form = ParticipantForm()
        if not form.validate_on_submit():
            for name, msgs in form.errors.items():
                for msg in msgs:
                    flash(f"{form[name].label.text}: {msg}", "error")
            return self._render_registration(reg, 400, form=form)
        data = regsvc.ParticipantData(kind=form.kind.data, full_name=form.full_name.data,
                                      birth_year=form.birth_year.data, position=form.position.data,
                                      unit_name=form.unit_name.data)
        try:
            regsvc.add_participants(actor=current_user, registration=reg, rows=[data])
            db.session.commit()
            flash(f"Đã thêm “{data.full_name}” vào danh sách.", "success")
        except SERVICE_ERRORS as exc:
            _fail(exc)
            return self._render_registration(self._registration(registration_id), 400, form=form)
        return redirect(url_for("campaign.registration", registration_id=reg.id))

    @expose("/registration/<int:registration_id>/participants/<int:participant_id>/edit", methods=("POST",))
    def edit_participant(self, registration_id, participant_id):
        reg = self._registration(registration_id)
        form = ParticipantForm(prefix=f"p{participant_id}")
        if form.validate_on_submit():
            data = regsvc.ParticipantData(kind=form.kind.data, full_name=form.full_name.data,
                                          birth_year=form.birth_year.data, position=form.position.data,
                                          unit_name=form.unit_name.data)
            try:
                regsvc.update_participant(actor=current_user, registration=reg, participant_id=participant_id,
                                          data=data)
                db.session.commit()
                flash(f"Đã sửa thành viên “{data.full_name}”.", "success")
                return redirect(url_for("campaign.registration", registration_id=reg.id))
            except SERVICE_ERRORS as exc:
                _fail(exc)
                reg = self._registration(registration_id)
        else:
            for name, msgs in form.errors.items():
                for msg in msgs:
                    flash(f"{form[name].label.text}: {msg}", "error")
        # the row's form opens again with what was typed, its errors beside the fields
        return self._render_registration(reg, 400, edit_forms={participant_id: form})

    @expose("/registration/<int:registration_id>/participants/<int:participant_id>/remove", methods=("POST",))
    def remove_participant(self, registration_id, participant_id):
        reg = self._registration(registration_id)
        try:
            regsvc.remove_participant(actor=current_user, registration=reg, participant_id=participant_id)
            db.session.commit()
            flash("Đã xóa thành viên khỏi danh sách.", "success")
        except SERVICE_ERRORS as exc:
            _fail(exc)
        return redirect(url_for("campaign.registration", registration_id=reg.id))

    @expose("/registration/<int:registration_id>/import", methods=("POST",))
    def import_participants(self, registration_id):
        reg = self._registration(registration_id)
        storage = request.files.get("file")
        if not storage or not storage.filename:
            return self._render_registration(reg, 400, import_errors=["Vui lòng chọn tệp Excel (.xlsx)."])
        data = storage.read()
        try:
            uploads.check_upload(storage.filename, data, current_app.config.get("MAX_UPLOAD_MB", 20),
                                 kinds=importer.UPLOAD_KINDS)
        except uploads.UploadError as exc:
            return self._render_registration(reg, 400, import_errors=[exc.message])
        _, errors = importer.parse(data, reg.campaign)
        if errors:  # the rows with errors, at once: nothing kept, nothing to confirm
            return self._render_registration(reg, 400, import_errors=errors)
        try:
            preview = import_preview.create(current_user, reg, storage.filename, data)
            db.session.commit()
        except SERVICE_ERRORS as exc:
            db.session.rollback()
            return self._render_registration(self._registration(registration_id), 400,
                                             import_errors=getattr(exc, "errors", [_message(exc)]))
        return redirect(url_for("campaign.import_preview_page", registration_id=reg.id, token=preview.token))

    @expose("/registration/<int:registration_id>/import/<token>")
    def import_preview_page(self, registration_id, token):
        """The dry run: new rows, changed rows with the fields that differ, rows with errors."""
        reg = self._registration(registration_id)
        try:
            preview = import_preview.get(current_user, reg, token)
        except import_preview.PreviewError as exc:
            flash(exc.message, "error")
            return self._render_registration(reg, 404)
        plan = import_preview.plan(reg, preview.data)
        return self.render("campaigns/import_preview.html", reg=reg, campaign=reg.campaign, preview=preview,
                           plan=plan, labels=labels, expired=preview.expires_at <= clock.naive_utc()), \
            (400 if plan.errors else 200)

    @expose("/registration/<int:registration_id>/import/<token>/<any(confirm, cancel):what>", methods=("POST",))
    def import_preview_decide(self, registration_id, token, what):
        reg = self._registration(registration_id)
        try:
            if what == "confirm":
                plan = import_preview.confirm(current_user, reg, token)
                db.session.commit()
                flash(f"Đã nhập từ tệp: thêm {len(plan.new)} thành viên, cập nhật {len(plan.changed)} thành viên.",
                      "success")
            else:
                import_preview.cancel(current_user, reg, token)
                db.session.commit()
                flash("Đã hủy nhập tệp; danh sách không thay đổi.", "info")
        except SERVICE_ERRORS as exc:
            db.session.rollback()
            return self._render_registration(self._registration(registration_id), 409,
                                             import_errors=getattr(exc, "errors", [_message(exc)]))
        return redirect(url_for("campaign.registration", registration_id=reg.id))

    @expose("/import-template.xlsx")
    def import_template(self):
        return send_file(io.BytesIO(importer.template_bytes()), mimetype=XLSX, as_attachment=True,
                         download_name="mau-danh-sach-thanh-vien.xlsx")


def _deadline_view(campaign: Campaign, reg: Registration | None) -> dict:
    """What a page shows about the registration deadline: the rule (before a unit acts), the unit's own
    deadline with its extensions, and whether it has passed."""
    common = deadlines.common_deadline(campaign)
    mine = deadlines.unit_deadline(campaign, reg.unit_id) if reg is not None else common
    return {"policy": labels.DEADLINE_POLICIES.get(campaign.registration_deadline_policy, ""),
            "text": deadlines.policy_text("registration", mine, campaign.registration_deadline_policy),
            "mine": mine, "common": common, "past": deadlines.is_past(mine),
            "refused": deadlines.is_past(mine) and campaign.registration_deadline_policy == "refuse",
            "extensions": deadlines.extensions(campaign)}


def _write_csv(path, headers, rows) -> int:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        return tabular.write_csv(fh, headers, rows)


MIMETYPES = {"xlsx": XLSX, "csv": tabular.CSV_MIMETYPE}


def _write_consolidated(campaign, approved: bool, fmt: str, path: str, progress=None) -> int:
    if fmt == "xlsx":
        return reg_export.write_xlsx(path, campaign, approved, progress=progress)
    with open(path, "w", encoding="utf-8", newline="") as fh:
        return reg_export.write_csv(fh, campaign, approved, progress=progress)


def _job_query(campaign) -> str:
    """The request's own arguments (tab, search, role, approved) and the campaign, for the background job."""
    args = [(k, v) for k, v in request.args.items(multi=True) if k != "campaign"]
    return urlencode([("campaign", str(campaign.id)), *args])


def _view():
    view = jobs.find_view("campaign")
    if view is None:
        raise PermissionError("Trang phong trào không còn.")
    return view


@jobs.document("review")
def _review_job(fmt, path, progress):
    """Background job: the review page's export, rebuilt as the user from the request's arguments."""
    campaign, stmt = _view()._review_export_query(request.args.get("campaign", type=params.arg_id), fmt)
    count = _view()._write_review(campaign, stmt, fmt, path, progress)
    return f"dang-ky-phong-trao-{campaign.id}.{fmt}", count


@jobs.document("consolidated")
def _consolidated_job(fmt, path, progress):
    campaign, approved = _view()._consolidated_args(request.args.get("campaign", type=params.arg_id), fmt)
    count = _write_consolidated(campaign, approved, fmt, path, progress)
    return f"danh-sach-tong-hop-dang-ky-{campaign.id}.{fmt}", count

"""Campaigns (issue 3): Phong trào lists (Phát động / Phong trào được phát động), the campaign form,
and the registration list. Pages of one campaign live in views/campaign_pages.py.

Views stay thin: they parse the request, call one service of adminapp.workflow, commit or roll back.
"""
from __future__ import annotations

from datetime import date

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, DateBetweenFilter, FilterEqual
from flask_admin.contrib.sqla.tools import get_query_for_ids
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import exists, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from adminapp import access, field_rules, formatting, labels, params
from adminapp.extensions import db
from adminapp.text import fold, like_pattern
from adminapp.workflow import campaigns as svc
from adminapp.workflow.registrations import status_label
from forms.campaigns import CampaignForm
from models import Campaign, CampaignRole, Registration, Unit
from views.base import CONFLICT_MESSAGE, ScopedModelView
from views.filters import UnitTextFilter

CATEGORY = "Phong trào"
REG_STATES = list(labels.REGISTRATION_STATUSES)


# --------------------------------------------------------------------------- filters


class YearFilter(BaseSQLAFilter):
    """Campaigns running at some point of the given year."""

    def validate(self, value):
        return params.parse_int(value, lo=1900, hi=2200) is not None

    def apply(self, query, value, alias=None):  # noqa: ARG002
        y = params.parse_int(value)
        return query.filter(Campaign.start_date <= date(y, 12, 31), Campaign.end_date >= date(y, 1, 1))

    def operation(self):
        return "là"


class UnreadFilter(BaseSQLAFilter):
    """Received campaigns that my unit has (not) opened yet."""

    def __init__(self, column, name):
        super().__init__(column, name, options=[("1", "Chưa xem"), ("0", "Đã xem")])

    def apply(self, query, value, alias=None):  # noqa: ARG002
        cond = exists().where(Registration.campaign_id == Campaign.id, Registration.unit_id == current_user.unit_id,
                              Registration.read_at.is_(None))
        return query.filter(cond if value == "1" else ~cond)

    def operation(self):
        return "là"


class CampaignTextFilter(BaseSQLAFilter):
    def apply(self, query, value, alias=None):  # noqa: ARG002
        ids = select(Campaign.id).where(Campaign.search_text.like(like_pattern(value), escape="\\"))
        return query.filter(self.column.in_(ids))

    def operation(self):
        return "chứa"


def _filters():
    return [
        FilterEqual(Campaign.kind, "Loại phong trào", options=list(labels.CAMPAIGN_KINDS.items())),
        FilterEqual(Campaign.launch_level, "Cấp phát động", options=list(labels.LAUNCH_LEVELS.items())),
        FilterEqual(Campaign.status, "Trạng thái", options=list(labels.CAMPAIGN_STATUSES.items())),
        UnitTextFilter(Campaign.owner_unit_id, "Đơn vị phát động"),
        YearFilter(Campaign.start_date, "Năm"),
        DateBetweenFilter(Campaign.start_date, "Ngày bắt đầu"),
        DateBetweenFilter(Campaign.end_date, "Ngày kết thúc"),
    ]


# --------------------------------------------------------------------------- formatters


def _name(view, context, model, name):  # noqa: ARG001
    link = Markup('<a href="{}">{}</a>').format(url_for("campaign.detail", campaign_id=model.id), model.name)
    if model.id in g.get("campaign_unread", set()):
        link += Markup(' <span class="badge badge-danger">Mới</span>')
    return link


def _counts(view, context, model, name):  # noqa: ARG001
    counts = g.get("campaign_counts", {}).get(model.id, {})
    if model.status == "draft":
        return ""
    parts = [Markup('<a href="{}">{}: {}</a>').format(
        url_for("campaign.registrations", campaign_id=model.id, tab=s), status_label(s), counts.get(s, 0))
        for s in REG_STATES]
    return Markup("<br>").join(parts)


def _dossier_deadline(view, context, model, name):  # noqa: ARG001
    """Seed 000: the consolidated list (Danh sách tổng hợp đăng ký) opens from the Hạn nộp hồ sơ column."""
    text = formatting.format_date(model.dossier_deadline)
    if model.status == "draft":
        return text
    return Markup('{}<br><a href="{}" class="small">Danh sách tổng hợp đăng ký</a>').format(
        text, url_for("campaign.consolidated", campaign_id=model.id, fmt="xlsx"))


def _my_status(view, context, model, name):  # noqa: ARG001
    status = g.get("campaign_my_status", {}).get(model.id)
    return status_label(status) if status else ""


COMMON_LABELS = {
    "name": "Tên phong trào", "owner_unit": "Đơn vị phát động", "launch_level": "Cấp phát động",
    "kind": "Loại phong trào", "start_date": "Ngày bắt đầu", "end_date": "Ngày kết thúc",
    "registration_deadline": "Hạn đăng ký", "dossier_deadline": "Hạn nộp hồ sơ", "status": "Trạng thái",
    "registration_counts": "Đăng ký theo trạng thái", "my_status": "Danh sách của đơn vị",
    "for_individuals": "Cá nhân", "for_collectives": "Tập thể", "launched_at": "Ngày phát động",
}
LABEL_FORMATTERS = {
    "kind": lambda v, c, m, n: labels.CAMPAIGN_KINDS.get(m.kind, m.kind),
    "launch_level": lambda v, c, m, n: labels.LAUNCH_LEVELS.get(m.launch_level, m.launch_level),
    "status": lambda v, c, m, n: labels.CAMPAIGN_STATUSES.get(m.status, m.status),
}


class CampaignListBase(ScopedModelView):
    view_permission = "campaign.view"
    field_rule_kind = "campaign"
    audit_object_type = "campaign"
    column_labels = COMMON_LABELS
    column_default_sort = ("created_at", True)
    column_sortable_list = ["name", "start_date", "end_date", "registration_deadline", "dossier_deadline"]
    column_select_related_list = [Campaign.owner_unit]
    column_export_list = ["name", "owner_unit", "launch_level", "kind", "start_date", "end_date",
                          "registration_deadline", "dossier_deadline", "status"]
    column_formatters_export = dict(LABEL_FORMATTERS)
    export_unit_dates = {"owner_unit": ("start_date", "created_at")}  # named as on the campaign's start (issue 11)
    can_view_details = False
    list_template = "campaigns/list.html"

    def __init__(self, *args, **kwargs):
        self.column_filters = _filters() + self.extra_filters()
        super().__init__(Campaign, *args, **kwargs)

    def extra_filters(self):
        return []

    def restrict(self, query):
        return query

    def get_query(self):
        return self.restrict(super().get_query())

    def get_count_query(self):
        return self.restrict(super().get_count_query())

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        if kwargs.get("execute", True) and rows:
            self.annotate([c.id for c in rows])
        return count, rows

    def annotate(self, ids):
        """One grouped query per page (no N+1) for the computed columns."""

    @expose("/details/")
    def details_view(self):
        return redirect(url_for("campaign.detail", campaign_id=self.get_one(request.args.get("id")).id))


class LaunchedCampaignView(CampaignListBase):
    """Phát động: campaigns of my unit, drafts included."""

    create_permission = edit_permission = delete_permission = "campaign.launch"
    column_list = ["name", "launch_level", "kind", "start_date", "end_date", "registration_deadline",
                   "dossier_deadline", "status", "registration_counts"]
    column_formatters = dict(LABEL_FORMATTERS, name=_name, registration_counts=_counts,
                             dossier_deadline=_dossier_deadline)
    export_title = "DANH SÁCH PHONG TRÀO THI ĐUA ĐÃ PHÁT ĐỘNG"

    def restrict(self, query):
        return query.filter(Campaign.owner_unit_id == current_user.unit_id)

    def annotate(self, ids):
        counts: dict[int, dict[str, int]] = {}
        for cid, status, n in db.session.execute(
            select(Registration.campaign_id, Registration.status, func.count())
            .where(Registration.campaign_id.in_(ids)).group_by(Registration.campaign_id, Registration.status)
        ):
            counts.setdefault(cid, {})[status] = n
        g.campaign_counts = counts

    def can_manage(self, campaign) -> bool:
        return access.offers(current_user, "campaign.manage", campaign)

    def is_visible(self):
        """The "Phát động" menu only for a unit with units below it to launch to (access.offers)."""
        return access.offers(current_user, "campaign.menu")

    @property
    def can_create(self):
        return access.offers(current_user, "campaign.create")

    def row_allowed(self, action: str, row) -> bool:
        return self.can_manage(row) if action in ("edit", "delete") else True

    # ------------------------------------------------------------- create / edit: our own form

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        if not self.can_create:
            abort(403)
        return campaign_form_page(self, None)

    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        # The list shows my unit's campaigns, but the edit follows the one access rule (the detail page's
        # "Sửa"): whoever may manage the campaign (its unit, or an administrator above it) opens it.
        pk = params.parse_id(request.args.get("id"))
        campaign = db.session.get(Campaign, pk) if pk is not None else None
        if campaign is None or not access.in_scope(current_user, campaign) or not self.can_manage(campaign):
            abort(404)  # not among the campaigns this user may edit (the detail page shows no "Sửa" then)
        return campaign_form_page(self, campaign)

    def delete_model(self, model):
        try:
            svc.delete_campaign(actor=current_user, campaign=model)
            db.session.commit()
            return True
        except (svc.CampaignError, access.PermissionDenied) as exc:
            db.session.rollback()
            flash(exc.message, "error")
            return False

    # ------------------------------------------------------------- bulk actions

    def _selected(self, ids):
        # Flask-Admin passes the ids as strings: PostgreSQL refuses integer = varchar.
        return get_query_for_ids(self.get_query(), self.model, params.parse_ids(ids)).all()

    @action("launch", "Phát động", "Phát động các phong trào đã chọn xuống đơn vị tham gia?")
    def action_launch(self, ids):
        result = svc.launch_many(actor=current_user, campaigns=self._selected(ids))
        db.session.commit()
        flash(result.message("phát động"), "success" if not result.skipped else "warning")

    @action("archive", "Kết thúc (lưu trữ)", "Kết thúc các phong trào đã chọn?")
    def action_archive(self, ids):
        result = svc.BulkResult()
        for c in self._selected(ids):
            try:
                with db.session.begin_nested():
                    svc.archive_campaign(actor=current_user, campaign=c)
                result.changed.append(c.id)
            except (svc.CampaignError, access.PermissionDenied) as exc:
                result.skipped.append((c.id, c.name, exc.message))
        db.session.commit()
        flash(result.message("kết thúc"), "success" if not result.skipped else "warning")

    def is_action_allowed(self, name):
        if name in ("launch", "archive"):
            return access.offers(current_user, "campaign.create")
        return super().is_action_allowed(name)


class ReceivedCampaignView(CampaignListBase):
    """Phong trào được phát động: campaigns launched to my unit, with an unread marker."""

    column_list = ["name", "owner_unit", "launch_level", "kind", "start_date", "end_date", "registration_deadline",
                   "dossier_deadline", "status", "my_status"]
    column_formatters = dict(LABEL_FORMATTERS, name=_name, my_status=_my_status)
    export_title = "DANH SÁCH PHONG TRÀO ĐƯỢC PHÁT ĐỘNG"

    def extra_filters(self):
        return [UnreadFilter(Campaign.id, "Đã xem")]

    def restrict(self, query):
        mine = exists().where(Registration.campaign_id == Campaign.id, Registration.unit_id == current_user.unit_id)
        return query.filter(Campaign.status != "draft", mine)

    def annotate(self, ids):
        rows = db.session.execute(
            select(Registration.campaign_id, Registration.status, Registration.read_at)
            .where(Registration.campaign_id.in_(ids), Registration.unit_id == current_user.unit_id)
        ).all()
        g.campaign_my_status = {cid: status for cid, status, _ in rows}
        g.campaign_unread = {cid for cid, _, read_at in rows if read_at is None}


# --------------------------------------------------------------------------- registrations (all in scope)


class LateFilter(BaseSQLAFilter):
    """Nộp muộn / Đúng hạn (a boolean column as the people say it)."""

    def __init__(self, column, name):
        super().__init__(column, name, options=list(labels.LATE_CHOICES.items()))

    def apply(self, query, value, alias=None):  # noqa: ARG002
        return query.filter(self.column.is_(value == "1"))

    def operation(self):
        return "là"


def _reg_campaign(view, context, model, name):  # noqa: ARG001
    return Markup('<a href="{}">{}</a>').format(url_for("campaign.registration", registration_id=model.id),
                                                model.campaign.name)


class RegistrationView(ScopedModelView):
    """Danh sách đăng ký: every registration in my scope (mine and those I review)."""

    view_permission = "campaign.view"
    can_view_details = False
    column_list = ["campaign", "unit", "status", "sent_at", "late", "reviewed_at", "last_reason"]
    column_export_list = column_list
    column_labels = {"campaign": "Phong trào", "unit": "Đơn vị", "status": "Trạng thái", "sent_at": "Ngày gửi",
                     "late": "Nộp muộn",
                     "reviewed_at": "Ngày duyệt", "last_reason": "Lý do (từ chối / hủy phê duyệt)"}
    column_formatters = {"campaign": _reg_campaign,
                         "status": lambda v, c, m, n: status_label(m.status, m.reopened),
                         "late": lambda v, c, m, n: Markup('<span class="badge badge-warning late-mark">Nộp muộn</span>')
                         if m.late else ""}
    column_formatters_export = {"campaign": lambda v, c, m, n: m.campaign.name,
                                "status": lambda v, c, m, n: status_label(m.status, m.reopened),
                                "late": lambda v, c, m, n: "Nộp muộn" if m.late else ""}
    export_unit_dates = {"unit": ("sent_at", "created_at")}  # named as on the day the list was sent (issue 11)
    column_default_sort = ("id", True)
    column_sortable_list = ["status", "sent_at", "reviewed_at"]  # each an index walk (models.Registration)
    column_select_related_list = [Registration.campaign, Registration.unit]
    column_filters = [
        FilterEqual(Registration.status, "Trạng thái", options=list(labels.REGISTRATION_STATUSES.items())),
        CampaignTextFilter(Registration.campaign_id, "Phong trào"),
        UnitTextFilter(Registration.unit_id, "Đơn vị"),
        LateFilter(Registration.late, "Hạn gửi"),
    ]
    export_title = "DANH SÁCH ĐĂNG KÝ THAM GIA PHONG TRÀO"

    # The lists of launched campaigns: "not one of the (few) draft campaigns", a list read once per statement
    # and probed per row; as a correlated EXISTS each row looked its campaign up, also every row a deep page
    # skips (page 986: 1.5× page 1). "draft" is written into the statement, not bound: a prepared statement's
    # generic plan (adminapp/prepared.py) guessed wrong about `status = $1`.
    NOT_DRAFT = Registration.campaign_id.not_in(
        db.select(Campaign.id).where(Campaign.status == db.literal_column("'draft'")))

    def get_query(self):
        return super().get_query().filter(self.NOT_DRAFT)

    def get_count_query(self):
        return super().get_count_query().filter(self.NOT_DRAFT)


class CampaignRoleView(ScopedModelView):
    """Vai trò của đơn vị trong phong trào: data, editable (deactivated, never deleted)."""

    view_permission = "campaign.view"
    create_permission = edit_permission = "role.manage"
    delete_permission = None
    can_view_details = False
    column_list = ["name", "code", "sort_order", "active"]
    column_labels = {"name": "Tên vai trò", "code": "Mã", "sort_order": "Thứ tự", "active": "Đang dùng"}
    column_default_sort = "sort_order"
    form_columns = ["name", "code", "sort_order", "active"]
    export_title = "VAI TRÒ CỦA ĐƠN VỊ TRONG PHONG TRÀO"


# --------------------------------------------------------------------------- the campaign form


def _unit_rows(owner: Unit):
    """Pairs (unit, role) posted by the form rows; errors for a unit outside the owner's subtree."""
    candidates = {u.id: u for u in svc.candidate_units(owner)}
    roles = {r.id: r for r in svc.active_roles()}
    pairs, errors, raw, seen = [], [], [], set()
    for unit_id, role_id in zip(request.form.getlist("unit_id"), request.form.getlist("role_id"), strict=False):
        if not unit_id or unit_id in seen:  # a unit chosen twice is one participating unit
            continue
        seen.add(unit_id)
        raw.append((unit_id, role_id))
        try:
            unit, role = candidates.get(int(unit_id)), roles.get(int(role_id))
        except ValueError:
            unit = role = None
        if unit is None:
            errors.append("Chỉ chọn được đơn vị trực thuộc đơn vị phát động.")
        elif role is None:
            errors.append(f"Vui lòng chọn vai trò của đơn vị “{unit.name}”.")
        else:
            pairs.append((unit, role))
    return pairs, errors, raw


def _add_files_and_links(campaign: Campaign, form: CampaignForm, max_mb: int) -> None:
    for storage in request.files.getlist("attachments"):
        if storage and storage.filename:
            svc.add_attachment(actor=current_user, campaign=campaign, filename=storage.filename,
                               data=storage.read(), max_mb=max_mb)
    for line in (form.links.data or "").splitlines():
        if line.strip():
            svc.add_link(actor=current_user, campaign=campaign, url=line.strip())


def campaign_form_page(view, campaign: Campaign | None):
    from flask import current_app

    owner = campaign.owner_unit if campaign is not None else current_user.unit
    form = CampaignForm(obj=campaign) if request.method == "GET" else CampaignForm()
    if request.method == "GET":
        form.links.data = ""
        if campaign is None:
            form.for_individuals.data = True
            # the launch level follows the owner's place in the tree (0 national, 1 province, 2 district, …)
            form.launch_level.data = ("national", "province", "district")[owner.level] if owner.level < 3 \
                else "grassroots"
        else:
            form.version.data = str(campaign.version)
    is_new = campaign is None
    errors: list[str] = []
    raw_rows = [(str(cu.unit_id), str(cu.role_id)) for cu in campaign.units] if campaign is not None else []
    restricted = field_rules.restricted(current_user, "campaign")
    if request.method == "POST":
        pairs, errors, raw_rows = _unit_rows(owner)
        launch = request.form.get("submit") == "save_launch"
        for name in restricted:
            if name in request.form:  # read-only or hidden for this role, posted anyway: refused
                errors.append(field_rules.ReadOnlyField(field_rules.label("campaign", name)).message)
            elif campaign is not None:  # not on the form: the stored value stays
                form[name].data = getattr(campaign, name)
        if form.validate_on_submit() and not errors:
            try:
                if campaign is None:
                    campaign = svc.create_campaign(actor=current_user, units=pairs, **form.values())
                else:
                    expected = params.parse_int(form.version.data, lo=1)
                    svc.update_campaign(actor=current_user, campaign=campaign, expected_version=expected,
                                        **form.values())
                    svc.sync_participating_units(actor=current_user, campaign=campaign, pairs=pairs)
                _add_files_and_links(campaign, form, current_app.config.get("MAX_UPLOAD_MB", 20))
                if launch:
                    svc.launch_campaign(actor=current_user, campaign=campaign)
                db.session.commit()
                flash(f"Đã lưu{' và phát động' if launch else ''} phong trào “{campaign.name}”.", "success")
                return redirect(url_for("campaign.detail", campaign_id=campaign.id))
            except svc.CampaignConflict:
                db.session.rollback()
                errors = [view.conflict_message(form, db.session.get(Campaign, campaign.id))]
            except (svc.CampaignError, access.PermissionDenied) as exc:
                db.session.rollback()
                errors = getattr(exc, "errors", [exc.message])
            except (StaleDataError, IntegrityError):
                db.session.rollback()
                errors = [CONFLICT_MESSAGE]
            if is_new:
                campaign = None  # the rolled-back draft does not exist
        else:
            errors = errors + [f"{form[name].label.text}: {msg}" for name, msgs in form.errors.items()
                               for msg in msgs]
    units = svc.candidate_units(owner)
    by_id = {str(u.id): u for u in units}
    # every chosen unit is one row (no limit); rows of units no longer candidates are dropped with the others
    chosen = [(by_id[uid], rid) for uid, rid in raw_rows if uid in by_id]
    candidates = [{"id": u.id, "code": u.code, "name": u.name, "kind": u.kind, "level": u.level,
                   "parent": u.parent_id, "fold": fold(f"{u.code} {u.name} {u.short_name or ''}")} for u in units]
    kinds = sorted({u.kind for u in units}, key=lambda k: list(labels.UNIT_KINDS).index(k)
                   if k in labels.UNIT_KINDS else 99)
    levels = sorted({u.level for u in units})
    html = view.render("campaigns/form.html", form=form, campaign=campaign, errors=errors, chosen=chosen,
                       restricted=restricted, units=units, candidates=candidates, kinds=kinds, levels=levels,
                       roles=svc.active_roles(), owner=owner,
                       default_role_id=svc.default_role().id, formatting=formatting, labels=labels)
    if request.method == "POST":
        db.session.commit()  # default roles may have been seeded lazily
        return html, 400
    db.session.commit()
    return html


def register(admin) -> None:
    """Add the campaign views to `admin` (menu "Phong trào")."""
    from views.campaign_dashboard import register_panels
    from views.campaign_pages import CampaignPages

    admin.add_view(LaunchedCampaignView(name="Phát động", endpoint="campaigns", category=CATEGORY))
    admin.add_view(ReceivedCampaignView(name="Phong trào được phát động", endpoint="received_campaigns",
                                        category=CATEGORY))
    admin.add_view(RegistrationView(Registration, name="Danh sách đăng ký", endpoint="registrations",
                                    category=CATEGORY))
    admin.add_view(CampaignRoleView(CampaignRole, name="Vai trò đơn vị trong phong trào", endpoint="campaign_roles",
                                    category=CATEGORY))
    admin.add_view(CampaignPages(name="Phong trào thi đua", endpoint="campaign", url="/admin/campaign"))
    register_panels()



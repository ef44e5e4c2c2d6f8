"""Initiatives programme (issue 4): the officers' list of initiatives, scoped to their subtree.

Every review action (row or bulk) goes through adminapp.workflow.initiatives;
this module parses the request, commits or rolls back, and reports what
changed and what was skipped, and why.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import (
    BooleanEqualFilter,
    DateTimeBetweenFilter,
    FilterEqual,
    FilterLike,
    IntEqualFilter,
)
from flask_admin.helpers import get_redirect_target
from flask_login import current_user
from markupsafe import Markup

from adminapp import access, labels, params
from adminapp.extensions import db
from adminapp.formatting import format_vnd
from adminapp.text import like_pattern
from adminapp.workflow import initiatives as service
from adminapp.workflow import programmes as programme_service
from models import AuditEvent, Initiative, Programme
from views.base import ScopedModelView
from views.filters import UnitTextFilter


def _programme_options():
    """The programmes the user sees (evaluated per request, see InitiativeView._get_filter_groups)."""
    if current_user is None or not getattr(current_user, "is_authenticated", False):
        return []
    return [(str(row.id), row.name) for row in programme_service.visible_programmes(current_user)]


def _status_formatter(view, context, model, name):  # noqa: ARG001
    css = {"honoured": "success", "rejected": "danger", "nominated": "info", "selected": "primary",
           "appraised": "secondary", "submitted": "light"}.get(model.status, "light")
    return Markup('<span class="badge badge-{}">{}</span>').format(
        css, labels.INITIATIVE_STATUSES.get(model.status, model.status))


def _flags_formatter(view, context, model, name):  # noqa: ARG001
    parts = []
    if model.is_secret:
        parts.append(Markup('<span class="badge badge-dark secret-mark">Bí mật công nghệ</span>'))
    if model.is_duplicate:
        parts.append(Markup('<span class="badge badge-warning">Trùng</span>'))
    if model.complaint_open:
        parts.append(Markup('<span class="badge badge-danger">Khiếu nại</span>'))
    if model.dispute_open:
        parts.append(Markup('<span class="badge badge-danger">Tranh chấp</span>'))
    return Markup(" ").join(parts)


def _parse_score(raw) -> int | None:
    raw = (raw or "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise service.TransitionNotAllowed("Điểm thẩm định phải là số nguyên từ 0 đến 100.") from None


SECRET_NOMINATED = ("Sáng kiến này là bí mật công nghệ: cấp trên nhận đề xuất được xem đầy đủ để xét chọn; "
                    "công khai chỉ hiển thị tên sáng kiến, hiệu quả và khen thưởng.")


class InitiativeView(ScopedModelView):
    view_permission = "initiative.view"
    create_permission = None  # initiatives come from the public form
    edit_permission = None  # and change only through review actions
    delete_permission = None
    audit_object_type = "initiative"

    extra_css = ["/static/initiatives.css"]
    list_template = "initiatives/list.html"
    details_template = "initiatives/details.html"
    column_list = ["tracking_code", "title", "author_name", "unit", "holder_unit", "field", "group", "status",
                   "score", "flags", "created_at"]
    column_details_list = ["programme", "tracking_code", "status", "holder_unit", "nominated_by_unit", "author_name",
                           "birth_year", "position", "phone", "level1_unit", "unit", "group", "title", "field",
                           "description", "application_date", "effectiveness", "benefit_value", "scope", "awards",
                           "score", "opinion", "reject_reason", "is_duplicate", "complaint_open", "dispute_open",
                           "is_secret", "created_at"]
    column_export_list = ["tracking_code", "programme", "title", "author_name", "birth_year", "position", "phone",
                          "level1_unit", "unit", "holder_unit", "group", "field", "description", "application_date",
                          "effectiveness", "benefit_value", "scope", "awards", "status", "score", "opinion",
                          "reject_reason", "is_duplicate", "is_secret", "created_at"]
    column_labels = {
        "programme": "Chương trình", "tracking_code": "Mã tra cứu", "title": "Tên sáng kiến",
        "author_name": "Tác giả", "birth_year": "Năm sinh", "position": "Chức vụ", "phone": "Điện thoại",
        "unit": "Đơn vị công tác", "level1_unit": "Đơn vị (cấp tỉnh/ngành)", "holder_unit": "Đang ở cấp",
        "nominated_by_unit": "Đơn vị đề xuất", "group": "Nhóm", "field": "Lĩnh vực",
        "description": "Tóm tắt nội dung", "application_date": "Ngày bắt đầu áp dụng",
        "effectiveness": "Hiệu quả", "benefit_value": "Giá trị làm lợi", "scope": "Phạm vi ứng dụng",
        "awards": "Danh hiệu, khen thưởng 03 năm", "status": "Trạng thái", "score": "Điểm",
        "opinion": "Ý kiến thẩm định", "reject_reason": "Lý do không đạt", "is_duplicate": "Trùng",
        "complaint_open": "Đang khiếu nại", "dispute_open": "Đang tranh chấp quyền tác giả",
        "flags": "Lưu ý", "created_at": "Ngày nộp", "is_secret": "Bí mật công nghệ",
    }
    column_formatters = {
        "status": _status_formatter,
        "group": lambda v, c, m, n: labels.INITIATIVE_GROUPS.get(m.group, m.group),
        "benefit_value": lambda v, c, m, n: format_vnd(m.benefit_value),
        "flags": _flags_formatter,
    }
    column_formatters_detail = {
        "status": _status_formatter,
        "group": lambda v, c, m, n: labels.INITIATIVE_GROUPS.get(m.group, m.group),
        "benefit_value": lambda v, c, m, n: format_vnd(m.benefit_value),
    }
    column_formatters_export = {
        "status": lambda v, c, m, n: labels.INITIATIVE_STATUSES.get(m.status, m.status),
        "group": lambda v, c, m, n: labels.INITIATIVE_GROUPS.get(m.group, m.group),
    }
    column_default_sort = ("id", True)
    column_sortable_list = ["tracking_code", "title", "status", "score", "created_at"]
    column_select_related_list = [Initiative.unit, Initiative.holder_unit]
    column_filters = [
        IntEqualFilter(Initiative.programme_id, "Chương trình", options=_programme_options),
        FilterEqual(Initiative.status, "Trạng thái", options=list(labels.INITIATIVE_STATUSES.items())),
        FilterLike(Initiative.field, "Lĩnh vực"),
        FilterEqual(Initiative.group, "Nhóm", options=list(labels.INITIATIVE_GROUPS.items())),
        UnitTextFilter(Initiative.unit_id, "Đơn vị công tác"),
        UnitTextFilter(Initiative.holder_unit_id, "Đang ở cấp"),
        DateTimeBetweenFilter(Initiative.created_at, "Ngày nộp"),
        BooleanEqualFilter(Initiative.is_duplicate, "Trùng"),
        BooleanEqualFilter(Initiative.complaint_open, "Đang khiếu nại"),
        BooleanEqualFilter(Initiative.dispute_open, "Đang tranh chấp quyền tác giả"),
        BooleanEqualFilter(Initiative.is_secret, "Bí mật công nghệ"),
    ]
    export_title = "DANH SÁCH SÁNG KIẾN"
    column_export_kinds = {"benefit_value": "number"}  # money, with thousands separators
    export_from_columns = True
    # printed as named on the day the initiative was submitted (issue 11)
    export_unit_dates = {"level1_unit": ("created_at",), "unit": ("created_at",), "holder_unit": ("created_at",)}

    # ----------------------------------------------------------------- technology secrets (one rule: access)

    def _get_list_value(self, context, model, name, column_formatters, column_type_formatters):
        """Every list cell, detail row and ORM export value passes the masking rule of adminapp.access."""
        if name not in access.SECRET_SHOWN and model.is_secret and access.secret_masked(current_user, model):
            return access.SECRET_MASK
        return super()._get_list_value(context, model, name, column_formatters, column_type_formatters)

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """A masked secret answers a search only by what it shows (its title, its tracking code): typing its
        author's name or phone must not find it."""
        query, count_query, joins, count_joins = super()._apply_search(query, count_query, joins, count_joins,
                                                                        search)
        # every word on a shown field: one condition for the whole search (one masking rule to evaluate, not
        # one per word)
        shown = db.and_(db.true(), *[Initiative.title_folded.like(like_pattern(term), escape="\\")
                          | db.func.lower(Initiative.tracking_code).like(like_pattern(term), escape="\\")
                          for term in search.split()])
        cond = ~access.secret_masked_sql(current_user) | shown
        query = query.filter(cond)
        if count_query is not None:
            count_query = count_query.filter(cond)
        return query, count_query, joins, count_joins

    def _apply_filters(self, query, count_query, joins, count_joins, filters):
        """A masked secret answers a filter only on what it shows: filtering by "Lĩnh vực", "Nhóm" or a flag
        that the rule hides must not find it (nor tell, by its absence, what its hidden value is)."""
        query, count_query, joins, count_joins = super()._apply_filters(query, count_query, joins, count_joins,
                                                                         filters)
        hidden = [idx for idx, _name, _value in filters
                  if not access.secret_shown(getattr(self._filters[idx].column, "key", None))]
        if hidden:
            masked = access.secret_masked_sql(current_user)
            query = query.filter(~masked)
            if count_query is not None:
                count_query = count_query.filter(~masked)
        return query, count_query, joins, count_joins

    def _export_select(self, query, columns):
        select = super()._export_select(query, columns)
        if select is None:
            return None
        return select.add_columns(access.secret_masked_sql(current_user).label("secret_masked"))

    def _column_rows(self, select, names):
        rows_of = super()._column_rows(select, [*names, "secret_masked"])
        masked = [i for i, name in enumerate(names) if name not in access.SECRET_SHOWN]

        def rows(progress=None):
            for row in rows_of(progress):
                row = list(row)
                if row.pop():
                    for i in masked:
                        row[i] = access.SECRET_MASK
                yield row

        return rows

    @expose("/secret/", methods=["POST"])
    def secret_view(self):
        obj = self.get_one(params.parse_id(request.form.get("id")))  # scoped: out of scope is 404
        try:
            changed = service.set_secret(current_user, obj, secret=request.form.get("secret") == "1",
                                         reason=request.form.get("reason"))
        except (service.InitiativeError, access.PermissionDenied) as e:
            db.session.rollback()
            flash(e.message, "error")
            return redirect(url_for(".details_view", id=obj.id))
        db.session.commit()
        if changed:
            flash("Đã đánh dấu bí mật công nghệ: ngoài các đơn vị xét sáng kiến này chỉ hiển thị tên, hiệu quả và "
                  "khen thưởng." if obj.is_secret else "Đã bỏ đánh dấu bí mật công nghệ.", "success")
        return redirect(url_for(".details_view", id=obj.id))

    def get_one(self, id):
        # Ids beyond the INTEGER range (typed into a URL) are simply not found.
        if params.parse_id(id) is None:
            abort(404)
        return super().get_one(id)

    # ----------------------------------------------------------------- shown above the list

    def quota_lines(self):
        """"đã đề xuất 3/4" of the user's unit in each programme it takes part in."""
        return programme_service.quota_lines_for(current_user)

    # ----------------------------------------------------------------- bulk actions

    def _bulk(self, ids, name):
        wanted = {n for n in map(params.parse_id, ids) if n}
        rows = self.get_query().filter(Initiative.id.in_(wanted)).order_by(Initiative.id).all()  # scoped
        kwargs = {}
        try:
            if name in ("appraise", "select"):
                kwargs = {"score": _parse_score(request.form.get("score")),
                          "opinion": request.form.get("opinion")}
            elif name in ("reject", "block"):
                kwargs = {"reason": request.form.get("reason")}
            result = service.apply_bulk(current_user, rows, name, **kwargs)
        except (service.InitiativeError, access.PermissionDenied) as e:
            db.session.rollback()
            flash(e.message, "error")
            return
        db.session.commit()
        missing = len(set(map(str, ids))) - len(rows)  # out of scope or unknown ids
        message = result.message(name)
        if missing > 0:
            message += f" {missing} mục không tìm thấy hoặc ngoài phạm vi."
        flash(message, "success" if result.changed else "warning")

    @action("appraise", "Thẩm định")
    def action_appraise(self, ids):
        self._bulk(ids, "appraise")

    @action("select", "Xét chọn")
    def action_select(self, ids):
        self._bulk(ids, "select")

    @action("nominate", "Đề xuất lên cấp trên", "Đề xuất các sáng kiến đã chọn lên cấp trên?")
    def action_nominate(self, ids):
        self._bulk(ids, "nominate")

    @action("withdraw", "Rút đề xuất", "Rút đề xuất các sáng kiến đã chọn?")
    def action_withdraw(self, ids):
        self._bulk(ids, "withdraw")

    @action("reject", "Không đạt", "Đánh dấu Không đạt các sáng kiến đã chọn (cần nhập lý do)?")
    def action_reject(self, ids):
        self._bulk(ids, "reject")

    @action("honour", "Biểu dương", "Biểu dương các sáng kiến đã chọn?")
    def action_honour(self, ids):
        self._bulk(ids, "honour")

    @action("pass", "Thông qua (Ban tổ chức)", "Thông qua các sáng kiến đã chọn?")
    def action_pass(self, ids):
        self._bulk(ids, "pass")

    @action("block", "Không thông qua (Ban tổ chức)", "Không thông qua các sáng kiến đã chọn (cần nhập lý do)?")
    def action_block(self, ids):
        self._bulk(ids, "block")

    def is_action_allowed(self, name):
        """The list's action menu offers what this level may do (access.offers), not every permission's
        action: no "Biểu dương" below the programme's owner, no "Xét chọn" at a grassroots union."""
        if name in service.ACTION_PERMISSIONS:
            return access.offers(current_user, f"initiative.{name}")
        return super().is_action_allowed(name)

    # ----------------------------------------------------------------- one row

    @expose("/act/", methods=["POST"])
    def act_view(self):
        return_url = get_redirect_target() or self.get_url(".index_view")
        obj = self.get_one(params.parse_id(request.form.get("id")))  # scoped: out of scope is 404
        name = request.form.get("action")
        if name not in service.ACTION_PERMISSIONS:
            abort(400)
        try:
            kwargs = {}
            if name in ("appraise", "select"):
                kwargs = {"score": _parse_score(request.form.get("score")), "opinion": request.form.get("opinion")}
            elif name in ("reject", "block"):
                kwargs = {"reason": request.form.get("reason")}
            state = service.apply(current_user, obj, name, **kwargs)
        except (service.InitiativeError, access.PermissionDenied) as e:
            db.session.rollback()
            flash(e.message, "error")
        else:
            db.session.commit()
            flash(f"{labels.INITIATIVE_ACTIONS[name]}: sáng kiến {obj.tracking_code} chuyển sang "
                  f"“{labels.INITIATIVE_STATUSES[state]}”.", "success")
            if obj.is_secret and name == "nominate":
                flash(SECRET_NOMINATED, "info")
        return redirect(url_for(".details_view", id=obj.id, url=return_url))

    @expose("/flags/", methods=["POST"])
    def flags_view(self):
        obj = self.get_one(params.parse_id(request.form.get("id")))
        try:
            service.set_flags(current_user, obj, complaint_open=bool(request.form.get("complaint_open")),
                              dispute_open=bool(request.form.get("dispute_open")), reason=request.form.get("note"))
        except access.PermissionDenied as e:
            db.session.rollback()
            flash(e.message, "error")
        else:
            db.session.commit()
            flash("Đã cập nhật tình trạng khiếu nại, tranh chấp.", "success")
        return redirect(url_for(".details_view", id=obj.id))

    def render(self, template, **kwargs):
        if template == self.details_template and kwargs.get("model") is not None:
            model = kwargs["model"]
            kwargs["allowed_actions"] = service.allowed_actions(current_user, model)
            kwargs["history"] = db.session.execute(
                db.select(AuditEvent).where(AuditEvent.object_type == "initiative",
                                            AuditEvent.object_id == str(model.id)).order_by(AuditEvent.id)
            ).scalars().all()
            kwargs["can_flag"] = access.can(current_user, "initiative.appraise", model)
            kwargs["can_mark_secret"] = access.can_mark_secret(current_user, model)
            kwargs["secret_masked"] = access.secret_masked(current_user, model)
            kwargs["shows_actor"] = lambda unit: access.shows_actor(current_user, unit)
        return super().render(template, **kwargs)


def register(admin) -> None:
    """Add the initiative views to `admin`."""
    from views.dashboard import register_panel
    from views.initiative_programmes import ProgrammeView

    admin.add_view(ProgrammeView(Programme, name="Chương trình", endpoint="programmes", category="Sáng kiến"))
    admin.add_view(InitiativeView(Initiative, name="Danh sách sáng kiến", endpoint="initiatives",
                                  category="Sáng kiến"))
    register_panel(_dashboard_panel)


def _dashboard_panel(user):
    if not access.has_permission(user, "initiative.view"):
        return None
    waiting = db.session.execute(
        db.select(Initiative.status, db.func.count()).where(Initiative.holder_unit_id == user.unit_id,
                                                            Initiative.status.in_(("submitted", "nominated")))
        .group_by(Initiative.status)
    ).all()
    counts = dict(waiting)
    base = url_for("initiatives.index_view")
    return {
        "title": "Sáng kiến chờ đơn vị xử lý",
        "items": [
            ("Mới nộp, chờ thẩm định", counts.get("submitted", 0), base),
            ("Cấp dưới đề xuất, chờ xét chọn", counts.get("nominated", 0), base),
        ],
    }



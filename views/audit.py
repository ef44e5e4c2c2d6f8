"""Audit log (Nhật ký thao tác): read-only, append-only, scoped to the actor's unit subtree."""
from __future__ import annotations

from flask import g, url_for
from flask_admin.contrib.sqla.filters import BaseSQLAFilter, DateBetweenFilter, FilterEqual
from markupsafe import Markup
from sqlalchemy import select

from adminapp import labels, revisions, unit_history
from adminapp.text import like_pattern
from models import AuditEvent, User
from views.base import ScopedModelView
from views.filters import UnitTextFilter


class ActorFilter(BaseSQLAFilter):
    def apply(self, query, value, alias=None):  # noqa: ARG002
        ids = select(User.id).where(User.search_text.like(like_pattern(value), escape="\\"))
        return query.filter(AuditEvent.actor_id.in_(ids))

    def operation(self):
        return "chứa"


def _state(value) -> str:
    return labels.audit_states().get(value, value or "")


def _late(model) -> str:
    """"Nộp muộn" for a list or dossier sent after its deadline (the event's details say it)."""
    return (model.details or {}).get("late") or "" if isinstance(model.details, dict) else ""


def _states(view, context, model, name):  # noqa: ARG001
    """"Chờ duyệt → Đã duyệt" (one column, as people say it); "· Nộp muộn" for a late send."""
    if not model.from_state and not model.to_state:
        return ""
    late = _late(model)
    return f"{_state(model.from_state) or '—'} → {_state(model.to_state) or '—'}" + (f" · {late}" if late else "")


class LateFilter(BaseSQLAFilter):
    """Sends after their deadline (Nộp muộn) or on time."""

    def __init__(self, column, name):
        super().__init__(column, name, options=[("1", "Nộp muộn"), ("0", "Đúng hạn")])

    def apply(self, query, value, alias=None):  # noqa: ARG002
        late = AuditEvent.details["late"].as_string()
        if value == "1":
            return query.filter(late == "Nộp muộn")
        return query.filter(AuditEvent.action.in_(("registration.send", "dossier.send")),
                            (late.is_(None)) | (late != "Nộp muộn"))

    def operation(self):
        return "là"


def _linkable(rows) -> set:
    """(type, id) of the rows whose history page answers: the record is in scope, or it was deleted and left
    revisions in the user's subtree (views.history._record's rule); otherwise a link would be a 404."""
    from flask_login import current_user

    from adminapp import access
    from adminapp.extensions import db
    from models import Revision, Unit

    wanted: dict[str, set[int]] = {}
    for r in rows:
        if r.object_id and str(r.object_id).isdigit() and revisions.spec_for(r.object_type) is not None:
            wanted.setdefault(r.object_type, set()).add(int(r.object_id))
    linkable = set()
    for kind, ids in wanted.items():
        model = revisions.spec_for(kind).model
        # the same rule as the history page (views.history._record): in scope, or deleted with
        # revisions whose unit is in the user's subtree
        found = set(db.session.execute(access.scope(current_user, model, select(model.id).where(
            model.id.in_(ids)))).scalars())
        existing = set(db.session.execute(select(model.id).where(model.id.in_(ids))).scalars())
        for gone in ids - existing:
            last = db.session.execute(select(Revision).where(
                Revision.object_type == kind, Revision.object_id == gone)
                .order_by(Revision.id.desc()).limit(1)).scalar_one_or_none()
            unit = db.session.get(Unit, last.unit_id or last.actor_unit_id) if last is not None else None
            if last is not None and access.unit_in_subtree(current_user, unit):
                found.add(gone)
        linkable |= {(kind, i) for i in found}
    return linkable


def _record(view, context, model, name):  # noqa: ARG001
    kind = labels.OBJECT_TYPES.get(model.object_type, model.object_type)
    linkable = g.get("audit_linkable")
    if linkable is None:  # the details page: this one row
        linkable = _linkable([model])
    if model.object_id and str(model.object_id).isdigit() and revisions.spec_for(model.object_type) is not None \
            and (model.object_type, int(model.object_id)) in linkable:
        url = url_for("history.index", object_type=model.object_type, object_id=int(model.object_id))
        return Markup('<a href="{}" title="Lịch sử thay đổi của bản ghi">{} #{}</a>').format(url, kind, model.object_id)
    return f"{kind} #{model.object_id}" if model.object_id else kind


def _actor_unit(view, context, model, name):  # noqa: ARG001
    """The actor's unit as it was named on the event's day; today's name on hover when it changed since."""
    if model.actor_unit_id is None:
        return ""
    then = unit_history.name_at(model.actor_unit_id, model.created_at)
    now = model.actor_unit.name if model.actor_unit is not None else then
    if now == then:
        return then
    return Markup('<span title="Tên hiện nay: {}">{}</span>').format(now, then)


def _actor_unit_export(view, context, model, name):  # noqa: ARG001
    return unit_history.name_at(model.actor_unit_id, model.created_at)


class AuditView(ScopedModelView):
    view_permission = "audit.view"
    create_permission = edit_permission = delete_permission = None

    column_list = ["created_at", "actor", "actor_unit", "action", "record", "states", "reason", "ip"]
    column_details_list = ["created_at", "actor", "actor_unit", "action", "record", "from_state", "to_state",
                           "reason", "ip", "details"]
    column_export_list = ["created_at", "actor", "actor_unit", "action", "object_type", "object_id", "from_state",
                          "to_state", "late", "reason", "ip"]
    column_labels = {
        "created_at": "Thời gian", "actor": "Người thực hiện", "actor_unit": "Đơn vị", "action": "Thao tác",
        "object_type": "Đối tượng", "object_id": "Mã bản ghi", "from_state": "Trạng thái trước",
        "to_state": "Trạng thái sau", "reason": "Lý do", "ip": "Địa chỉ IP", "details": "Chi tiết",
        "record": "Bản ghi", "states": "Trạng thái", "late": "Nộp muộn",
    }
    column_formatters = {
        "action": lambda v, c, m, n: labels.AUDIT_ACTIONS.get(m.action, m.action),
        "object_type": lambda v, c, m, n: labels.OBJECT_TYPES.get(m.object_type, m.object_type),
        "from_state": lambda v, c, m, n: _state(m.from_state),
        "to_state": lambda v, c, m, n: _state(m.to_state),
        "record": _record,
        "states": _states,
        "actor_unit": _actor_unit,
        "late": lambda v, c, m, n: _late(m),
    }
    column_formatters_detail = column_formatters
    column_formatters_export = {**{k: f for k, f in column_formatters.items() if k not in ("record", "states")},
                                "actor_unit": _actor_unit_export}
    column_default_sort = ("created_at", True)
    column_sortable_list = ["created_at", "action"]
    column_select_related_list = [AuditEvent.actor, AuditEvent.actor_unit]
    column_filters = [
        ActorFilter(AuditEvent.actor_id, "Người thực hiện"),
        UnitTextFilter(AuditEvent.actor_unit_id, "Đơn vị"),
        FilterEqual(AuditEvent.action, "Thao tác", options=list(labels.AUDIT_ACTIONS.items())),
        FilterEqual(AuditEvent.object_type, "Loại bản ghi", options=list(labels.OBJECT_TYPES.items())),
        FilterEqual(AuditEvent.object_id, "Mã bản ghi"),
        DateBetweenFilter(AuditEvent.created_at, "Thời gian"),
        LateFilter(AuditEvent.details, "Hạn gửi"),
    ]
    export_title = "NHẬT KÝ THAO TÁC"

    def get_list(self, *args, **kwargs):
        """The history link of a row only where a history page answers (see _linkable)."""
        count, rows = super().get_list(*args, **kwargs)
        if kwargs.get("execute", True) and rows:
            g.audit_linkable = _linkable(rows)
        return count, rows

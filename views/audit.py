"""Audit log (Nhật ký thao tác): read-only, append-only, scoped to the actor's unit subtree."""
from __future__ import annotations

from flask_admin.contrib.sqla.filters import BaseSQLAFilter, DateBetweenFilter, FilterEqual
from sqlalchemy import select

from adminapp import labels
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


class AuditView(ScopedModelView):
    view_permission = "audit.view"
    create_permission = edit_permission = delete_permission = None

    column_list = ["created_at", "actor", "actor_unit", "action", "object_type", "object_id", "from_state",
                   "to_state", "reason", "ip"]
    column_details_list = column_list + ["details"]
    column_labels = {
        "created_at": "Thời gian", "actor": "Người thực hiện", "actor_unit": "Đơn vị", "action": "Thao tác",
        "object_type": "Đối tượng", "object_id": "Mã bản ghi", "from_state": "Trạng thái trước",
        "to_state": "Trạng thái sau", "reason": "Lý do", "ip": "Địa chỉ IP", "details": "Chi tiết",
    }
    column_formatters = {
        "action": lambda v, c, m, n: labels.AUDIT_ACTIONS.get(m.action, m.action),
        "object_type": lambda v, c, m, n: labels.OBJECT_TYPES.get(m.object_type, m.object_type),
    }
    column_formatters_export = column_formatters
    column_default_sort = ("created_at", True)
    column_sortable_list = ["created_at", "action"]
    column_select_related_list = [AuditEvent.actor, AuditEvent.actor_unit]
    column_filters = [
        ActorFilter(AuditEvent.actor_id, "Người thực hiện"),
        UnitTextFilter(AuditEvent.actor_unit_id, "Đơn vị"),
        FilterEqual(AuditEvent.action, "Thao tác", options=list(labels.AUDIT_ACTIONS.items())),
        DateBetweenFilter(AuditEvent.created_at, "Thời gian"),
    ]
    export_title = "NHẬT KÝ THAO TÁC"

"""Sắp xếp đơn vị: plan a reorganisation (merge, move, end a level, rename), preview it, run or schedule it.

System administrators only (any other user gets 404). The page builds one operation from plain fields, or takes a
whole plan as JSON (the format of `flask units reorganise`); adminapp/reorganisation.py does the work.
"""
from __future__ import annotations

import json
import re
from datetime import date, datetime

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user

from adminapp import access, labels, params, reorganisation
from adminapp.extensions import db
from models import Reorganisation

STATUSES = {"planned": "Chờ đến ngày hiệu lực", "applied": "Đã thực hiện", "cancelled": "Đã hủy",
            "failed": "Không thực hiện được", "applying": "Đang thực hiện"}
FIELDS = ("title", "effective_date", "op", "sources", "target", "unit", "parent", "under", "level", "name",
          "short_name", "new_code", "new_name", "new_short_name", "new_kind", "new_parent", "new_official_code",
          "plan_json")


def _codes(value: str) -> list[str]:
    return [c for c in re.split(r"[\s,;]+", value or "") if c]


def _day(value: str) -> date:
    value = (value or "").strip()
    for fmt in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return datetime.strptime(value, fmt).date()
        except ValueError:
            continue
    raise reorganisation.ReorganisationError("Ngày hiệu lực phải có dạng dd/mm/yyyy.")


def operations_from(form) -> list[dict]:
    raw = (form.get("plan_json") or "").strip()
    if raw:
        try:
            ops = json.loads(raw)
        except ValueError:
            raise reorganisation.ReorganisationError("Kế hoạch JSON không hợp lệ.") from None
        return ops.get("operations") if isinstance(ops, dict) else ops
    kind = form.get("op")
    if kind == "merge":
        op = {"op": "merge", "sources": _codes(form.get("sources"))}
        if (form.get("new_code") or "").strip():
            op["new"] = {"code": form["new_code"].strip(), "name": (form.get("new_name") or "").strip(),
                         "short_name": (form.get("new_short_name") or "").strip() or None,
                         "kind": form.get("new_kind") or "province_federation",
                         "parent": (form.get("new_parent") or "TLD").strip(),
                         "official_code": (form.get("new_official_code") or "").strip() or None}
        else:
            op["target"] = (form.get("target") or "").strip()
        return [op]
    if kind == "move":
        return [{"op": "move", "unit": (form.get("unit") or "").strip(), "parent": (form.get("parent") or "").strip()}]
    if kind == "end_level":
        op = {"op": "end_level", "parent": (form.get("parent") or "").strip()}
        if _codes(form.get("sources")):
            op["units"] = _codes(form.get("sources"))
        else:
            level = params.parse_int(form.get("level"), lo=0, hi=20)
            if level is None:
                raise reorganisation.ReorganisationError("Cấp kết thúc phải là một số (ví dụ 2).")
            op.update(under=(form.get("under") or form.get("parent") or "").strip(), level=level)
        return [op]
    if kind == "rename":
        return [{"op": "rename", "unit": (form.get("unit") or "").strip(), "name": (form.get("name") or "").strip(),
                 "short_name": (form.get("short_name") or "").strip() or None}]
    raise reorganisation.ReorganisationError("Hãy chọn loại thao tác.")


class ReorganisationView(BaseView):
    def is_visible(self):
        return access.is_global(current_user)

    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):  # noqa: ARG002
        return redirect(url_for("auth.login", next=request.full_path))

    def _require(self):
        if not access.is_global(current_user):
            abort(404)

    def _page(self, values=None, shown=None, status=200):
        plans = db.session.execute(db.select(Reorganisation).order_by(Reorganisation.id.desc()).limit(50)).scalars()
        return self.render("units/reorganise.html", plans=list(plans), values=values or {}, shown=shown,
                           statuses=STATUSES, ops=reorganisation.OP_LABELS, kinds=labels.UNIT_KINDS,
                           table_labels=reorganisation.TABLE_LABELS, moved_labels=reorganisation.MOVED_LABELS), status

    @expose("/")
    def index(self):
        self._require()
        return self._page()

    @expose("/preview", methods=("POST",))
    def preview(self):
        self._require()
        values = {k: request.form.get(k, "") for k in FIELDS}
        try:
            day = _day(values["effective_date"])
            shown = reorganisation.preview(current_user, operations_from(request.form), day)
        except (reorganisation.ReorganisationError, access.PermissionDenied) as e:
            db.session.rollback()
            flash(getattr(e, "message", None) or str(e), "error")
            return self._page(values, status=422)
        return self._page(values, shown)

    @expose("/run", methods=("POST",))
    def run(self):
        self._require()
        values = {k: request.form.get(k, "") for k in FIELDS}
        try:
            day = _day(values["effective_date"])
            reorg = reorganisation.plan(current_user, values["title"], operations_from(request.form), day)
            db.session.commit()
        except (reorganisation.ReorganisationError, access.PermissionDenied) as e:
            db.session.rollback()
            flash(getattr(e, "message", None) or str(e), "error")
            return self._page(values, status=422)
        if reorg.status == "applied":
            flash(f"Đã sắp xếp đơn vị theo kế hoạch “{reorg.title}”.", "success")
        else:
            flash(f"Đã lập kế hoạch “{reorg.title}”: tự thực hiện ngày {reorg.effective_date:%d/%m/%Y}.", "success")
        return redirect(url_for(".index"))

    @expose("/<int:rid>/cancel", methods=("POST",))
    def cancel(self, rid):
        self._require()
        reorg = db.session.get(Reorganisation, rid)
        if reorg is None:
            abort(404)
        try:
            reorganisation.cancel(current_user, reorg)
            db.session.commit()
            flash("Đã hủy kế hoạch.", "success")
        except reorganisation.ReorganisationError as e:
            db.session.rollback()
            flash(str(e), "error")
        return redirect(url_for(".index"))

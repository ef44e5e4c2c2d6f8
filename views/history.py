"""Lịch sử: the revisions of one record, a diff of any two, restore, and the history export (issue 12).

Revisions are in scope like their records: the record is loaded through the access scope (out of scope is
404, as everywhere); a deleted record's history follows the unit it belonged to. Restoring goes through
adminapp.revisions.restore, which calls the same services as an edit.
"""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError

from adminapp import access, field_rules, formatting, params, revision_specs, revisions, unit_history, versioning
from adminapp.exports import tabular
from adminapp.extensions import db
from models import Revision, Unit
from views.base import EXPORT_MIMETYPES, send_temp_file

ACTIONS = {"create": "Tạo mới", "update": "Sửa", "delete": "Xóa", "restore": "Khôi phục"}
PER_PAGE = 50
ERRORS = (revisions.RestoreError, access.PermissionDenied, versioning.VersionConflict, StaleDataError,
          IntegrityError, ValueError)


class HistoryView(BaseView):
    def is_visible(self):
        return False

    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):  # noqa: ARG002
        return redirect(url_for("auth.login", next=request.full_path))

    # ----------------------------------------------------------------- loading in scope

    def _record(self, object_type: str, object_id: int):
        """(spec, record or None) if the user may see this record's history, else 404."""
        spec = revisions.spec_for(object_type)
        if spec is None:
            abort(404)
        obj = db.session.execute(access.scope(current_user, spec.model,
                                              select(spec.model).where(spec.model.id == object_id))).scalar_one_or_none()
        if obj is not None:
            return spec, obj
        if db.session.get(spec.model, object_id) is not None:
            abort(404)  # exists, out of scope
        last = db.session.execute(select(Revision).where(Revision.object_type == object_type,
                                                         Revision.object_id == object_id)
                                  .order_by(Revision.id.desc()).limit(1)).scalar_one_or_none()
        unit = db.session.get(Unit, last.unit_id or last.actor_unit_id) if last is not None else None
        if last is None or not access.unit_in_subtree(current_user, unit):
            abort(404)
        return spec, None

    def _keys(self, spec, keys) -> list[str]:
        """The snapshot keys shown to this user: registered fields, minus those a field rule hides."""
        hidden = field_rules.hidden_fields(current_user, spec.object_type)
        return [k for k in revisions.visible_fields(spec, keys) if k.removesuffix("_id") not in hidden]

    def _rows(self, spec, revs):
        names = revision_specs.lookups(spec, [r.snapshot for r in revs] + [
            {k: v for k, (_, v) in (r.changes or {}).items()} for r in revs] + [
            {k: b for k, (b, _) in (r.changes or {}).items()} for r in revs], days=[r.created_at for r in revs])
        rows = []
        for rev in revs:
            names_then = revision_specs.as_of(names, rev.created_at)  # units as named on the revision's day
            changes = []
            for key in self._keys(spec, (rev.changes or {}).keys()):
                before, after = rev.changes[key]
                kind = spec.fields[key][1]
                changes.append((spec.fields[key][0], revisions.display(kind, before, names_then),
                                revisions.display(kind, after, names_then)))
            rows.append((rev, changes))
        return rows

    # ----------------------------------------------------------------- pages

    @expose("/")
    def root(self):
        return redirect(url_for("audit.index_view"))

    @expose("/<object_type>/<int:object_id>/")
    def index(self, object_type, object_id):
        spec, obj = self._record(object_type, object_id)
        page = params.clamp(request.args.get("page"), 0, 0, 100_000)
        revs, more = revisions.history(object_type, object_id, page=page, per_page=PER_PAGE)
        return self.render("history/index.html", spec=spec, obj=obj, object_type=object_type, object_id=object_id,
                           rows=self._rows(spec, revs), page=page, more=more, actions=ACTIONS, fmt=formatting,
                           can_restore=obj is not None and spec.can_restore(current_user, obj),
                           unit_name_at=unit_history.name_at)

    @expose("/<object_type>/<int:object_id>/diff")
    def diff(self, object_type, object_id):
        spec, obj = self._record(object_type, object_id)
        ids = [params.parse_id(request.args.get(k)) for k in ("a", "b")]
        revs = {r.id: r for r in db.session.execute(select(Revision).where(
            Revision.object_type == object_type, Revision.object_id == object_id, Revision.id.in_([i for i in ids if i])
        )).scalars()}
        if len(revs) != 2:
            flash("Hãy chọn hai phiên bản của bản ghi này để so sánh.", "error")
            return redirect(url_for(".index", object_type=object_type, object_id=object_id))
        older, newer = sorted(revs.values(), key=lambda r: r.id)
        a_state, b_state = revisions.state_at(older), revisions.state_at(newer)
        names = revision_specs.lookups(spec, [a_state, b_state], days=[older.created_at, newer.created_at])
        names_a, names_b = revision_specs.as_of(names, older.created_at), revision_specs.as_of(names, newer.created_at)
        keys = self._keys(spec, set(a_state) | set(b_state))
        lines = []
        for key in keys:
            kind = spec.fields[key][1]
            a, b = a_state.get(key), b_state.get(key)
            shown_a, shown_b = revisions.display(kind, a, names_a), revisions.display(kind, b, names_b)
            lines.append((spec.fields[key][0], shown_a, shown_b, a != b))
        return self.render("history/diff.html", spec=spec, obj=obj, object_type=object_type, object_id=object_id,
                           older=older, newer=newer, lines=lines, actions=ACTIONS, fmt=formatting,
                           unit_name_at=unit_history.name_at)

    @expose("/<object_type>/<int:object_id>/restore/<int:revision_id>", methods=("POST",))
    def restore(self, object_type, object_id, revision_id):
        spec, obj = self._record(object_type, object_id)
        rev = db.session.get(Revision, revision_id)
        if rev is None or rev.object_type != object_type or rev.object_id != object_id or obj is None:
            abort(404)
        if not spec.can_restore(current_user, obj):
            abort(403)
        try:
            revisions.restore(current_user, rev, versioning.parse_version(request.form.get("version")))
            db.session.commit()
            flash(f"Đã khôi phục phiên bản lúc {formatting.format_datetime(rev.created_at)} (thành một phiên bản "
                  "mới trong lịch sử).", "success")
        except ERRORS as exc:
            db.session.rollback()
            flash(getattr(exc, "message", None) or str(exc) or versioning.CONFLICT, "error")
            if isinstance(exc, StaleDataError | IntegrityError):
                flash(versioning.CONFLICT, "error")
        return redirect(url_for(".index", object_type=object_type, object_id=object_id))

    @expose("/<object_type>/<int:object_id>/export.xlsx")
    def export(self, object_type, object_id):
        if not access.has_permission(current_user, "export"):
            abort(403)
        spec, obj = self._record(object_type, object_id)
        revs, _ = revisions.history(object_type, object_id, per_page=100_000)
        rows = self._rows(spec, revs)
        headers = ["Thời điểm", "Người thực hiện", "Đơn vị", "Địa chỉ IP", "Thao tác", "Trường", "Trước", "Sau"]

        def lines():
            for rev, changes in rows:
                head = [rev.created_at, rev.actor.full_name if rev.actor else "Hệ thống",
                        unit_history.name_at(rev.actor_unit_id, rev.created_at), rev.ip or "", ACTIONS.get(rev.action, rev.action)]
                for label, before, after in changes or [("", "", "")]:
                    yield head + [label, before, after]

        title = f"LỊCH SỬ THAY ĐỔI – {spec.label.upper()} #{object_id}"
        return send_temp_file(lambda path: tabular.write_xlsx(path, headers, lines(), title=title,
                                                              subtitle=str(obj) if obj is not None else ""),
                              ".xlsx", EXPORT_MIMETYPES["xlsx"], f"lich-su-{object_type}-{object_id}.xlsx")

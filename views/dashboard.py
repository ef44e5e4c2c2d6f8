"""Home page (Trang chủ) for the user's unit. Workflows add panels with register_panel."""
from __future__ import annotations

from collections.abc import Callable

from flask import redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_login import current_user

from adminapp import access
from adminapp.extensions import db
from models import Unit

# Each panel: callable(user) -> dict(title=..., items=[(label, count, url)]) or None.
PANELS: list[Callable] = []


def register_panel(fn: Callable) -> Callable:
    PANELS.append(fn)
    return fn


class DashboardView(AdminIndexView):
    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):  # noqa: ARG002
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        user = current_user
        subunits = db.session.execute(
            db.select(db.func.count()).select_from(Unit).where(access.scope_condition(user, Unit))
        ).scalar_one()
        panels = [p for p in (panel(user) for panel in PANELS) if p]
        return self.render("admin/dashboard.html", subunits=subunits, panels=panels,
                           permissions=[access.PERMISSIONS[p] for p in sorted(access.permissions_of(user))])

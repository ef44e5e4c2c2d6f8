"""Flask-Admin views: one module per area, all built on views.base.ScopedModelView."""
from flask import Flask
from flask_admin import Admin
from flask_admin import babel as admin_babel
from flask_admin.theme import Bootstrap4Theme

from adminapp import csp_nonce, translations_path


class _ProjectAdminDomain(type(admin_babel.domain)):
    """Flask-Admin's `admin` domain read from our corrected catalog only.

    Flask-Babel merges catalogs with the later directory winning, and
    Flask-Admin lists its shipped catalog last, so an override catalog passed
    as `translations_path` would lose to the mistranslations it corrects.
    Our catalog is the shipped one with corrections
    (adminapp/translations/build_admin_catalog.py), so it is used alone.
    """

    @property
    def translation_directories(self):
        return [translations_path()]


admin_babel.domain.__class__ = _ProjectAdminDomain


def init_admin(app: Flask) -> Admin:
    from models import AuditEvent, ExportJob, Role, Unit, User
    from views import campaigns, initiatives
    from views.audit import AuditView
    from views.dashboard import DashboardView
    from views.exports import ExportJobView
    from views.history import HistoryView
    from views.roles import RoleView
    from views.units import UnitView
    from views.users import UserView

    admin = Admin(
        app,
        name="Thi đua – Khen thưởng",
        index_view=DashboardView(name="Trang chủ", url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/app_base.html", fluid=True),
        csp_nonce_generator=csp_nonce,  # inline <script> of Flask-Admin's templates carry the CSP nonce
    )
    campaigns.register(admin)
    initiatives.register(admin)
    from adminapp.workflow.registrations import display_status

    app.jinja_env.globals["status_of"] = display_status
    from views.base import cached_menu, list_cells_html, row_actions_html, row_checkbox_html, static_url

    app.jinja_env.globals["row_actions_html"] = row_actions_html  # admin/model/app_list.html
    app.jinja_env.globals["list_cells_html"] = list_cells_html  # admin/model/app_list.html
    app.jinja_env.globals["row_checkbox_html"] = row_checkbox_html  # admin/model/app_list.html
    app.jinja_env.globals["static_url"] = static_url  # admin/app_base.html
    app.jinja_env.globals["cached_menu"] = cached_menu  # admin/app_base.html
    from views.notifications import NotificationsView

    admin.add_view(NotificationsView(name="Thông báo", endpoint="notifications", url="/admin/notifications"))

    @app.context_processor
    def _notification_bell():
        def notification_unread() -> int:
            from flask_login import current_user

            from adminapp import notifications

            return notifications.bell_count(current_user) if current_user.is_authenticated else 0

        return {"notification_unread": notification_unread}
    admin.add_view(UnitView(Unit, name="Đơn vị", endpoint="units", category="Hệ thống"))
    admin.add_view(UserView(User, name="Người dùng", endpoint="users", category="Hệ thống"))
    admin.add_view(RoleView(Role, name="Vai trò", endpoint="roles", category="Hệ thống"))
    admin.add_view(AuditView(AuditEvent, name="Nhật ký thao tác", endpoint="audit", category="Hệ thống"))
    admin.add_view(ExportJobView(ExportJob, name="Tệp xuất", endpoint="exports", category="Hệ thống"))
    admin.add_view(HistoryView(name="Lịch sử", endpoint="history", url="/admin/history"))
    from views.reorganisations import ReorganisationView

    admin.add_view(ReorganisationView(name="Sắp xếp đơn vị", endpoint="reorganise", url="/admin/reorganise",
                                      category="Hệ thống"))
    return admin

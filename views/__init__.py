"""Flask-Admin views: one module per area, all built on views.base.ScopedModelView."""
from flask import Flask
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from adminapp import translations_path


def init_admin(app: Flask) -> Admin:
    from models import AuditEvent, Role, Unit, User
    from views import campaigns, initiatives
    from views.audit import AuditView
    from views.dashboard import DashboardView
    from views.roles import RoleView
    from views.units import UnitView
    from views.users import UserView

    admin = Admin(
        app,
        name="Thi đua – Khen thưởng",
        index_view=DashboardView(name="Trang chủ", url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/app_base.html", fluid=True),
        translations_path=translations_path(),
    )
    campaigns.register(admin)
    initiatives.register(admin)
    admin.add_view(UnitView(Unit, name="Đơn vị", endpoint="units", category="Hệ thống"))
    admin.add_view(UserView(User, name="Người dùng", endpoint="users", category="Hệ thống"))
    admin.add_view(RoleView(Role, name="Vai trò", endpoint="roles", category="Hệ thống"))
    admin.add_view(AuditView(AuditEvent, name="Nhật ký thao tác", endpoint="audit", category="Hệ thống"))
    return admin

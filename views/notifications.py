"""Thông báo: the bell's page. Each person sees and marks only their own notices, and switches e-mail."""
from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_login import current_user
from sqlalchemy import select

from adminapp import notifications, params
from adminapp.extensions import db
from models import Notification

PER_PAGE = 50


class NotificationsView(BaseView):
    def is_visible(self):
        return False  # reached from the bell in the navbar

    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):  # noqa: ARG002
        return redirect(url_for("auth.login", next=request.full_path))

    @expose("/")
    def index(self):
        page = params.clamp(request.args.get("page"), 0, 0, 10_000)
        only_unread = request.args.get("unread") == "1"
        query = select(Notification).where(Notification.user_id == current_user.id)
        if only_unread:
            query = query.where(Notification.read_at.is_(None))
        rows = list(db.session.execute(query.order_by(Notification.id.desc()).offset(page * PER_PAGE)
                                       .limit(PER_PAGE + 1)).scalars())
        return self.render("notifications/index.html", rows=rows[:PER_PAGE], more=len(rows) > PER_PAGE, page=page,
                           only_unread=only_unread, unread=notifications.unread_count(current_user),
                           kinds=notifications.KINDS)

    @expose("/read", methods=("POST",))
    def read(self):
        ids = params.parse_ids(request.form.getlist("id")) if request.form.get("all") != "1" else None
        n = notifications.mark_read(current_user, ids)
        db.session.commit()
        target = request.form.get("next")
        if ids and len(ids) == 1 and target and target.startswith("/") and not target.startswith("//"):
            return redirect(target)  # "Xem" on a notice: read, then open what it is about
        flash(f"Đã đánh dấu {n} thông báo là đã đọc.", "success")
        return redirect(url_for(".index"))

    @expose("/email", methods=("POST",))
    def email(self):
        user = current_user._get_current_object()
        wanted = request.form.get("email_notifications") == "1"
        if user.email_notifications != wanted:
            # a plain UPDATE: switching one's e-mail off never conflicts with an administrator's open edit
            from sqlalchemy import update

            from models import User

            db.session.execute(update(User).where(User.id == user.id).values(email_notifications=wanted)
                               .execution_options(synchronize_session=False))
            db.session.commit()
        flash("Đã bật nhận thông báo qua thư điện tử." if wanted else "Đã tắt nhận thông báo qua thư điện tử.",
              "success")
        return redirect(url_for(".index"))

    @expose("/count")
    def count(self):
        if not current_user.is_authenticated:
            abort(404)
        return {"unread": notifications.unread_count(current_user)}

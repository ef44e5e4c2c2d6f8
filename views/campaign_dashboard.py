"""Home page panels of the campaigns workflow (views.dashboard.register_panel).

Every count is computed through the access scope; links open the filtered lists.
The chart is plain server-rendered SVG: no script, no CDN.
"""
from __future__ import annotations

from datetime import datetime, timedelta

from flask import url_for
from markupsafe import Markup
from sqlalchemy import func, or_, select

from adminapp import access, formatting, labels
from adminapp.extensions import db
from models import Campaign, Registration
from views.dashboard import register_panel

_REGISTERED = False
COLORS = {"not_sent": "#adb5bd", "pending": "#ffc107", "rejected": "#dc3545", "approved": "#28a745"}
UNREAD_FILTER_ARG = "flt0_7"  # ReceivedCampaignView: the 8th filter (UnreadFilter), see views/campaigns.py


def _today():
    return formatting.to_local(datetime.utcnow()).date()


def received_unread(user):
    if not access.has_permission(user, "campaign.view"):
        return None
    n = db.session.execute(
        select(func.count()).select_from(Registration).join(Campaign)
        .where(Registration.unit_id == user.unit_id, Registration.read_at.is_(None), Campaign.status == "launched")
    ).scalar_one()
    return {"title": "Phong trào được phát động", "items": [
        ("Phong trào mới chưa xem", n, url_for("received_campaigns.index_view", **{UNREAD_FILTER_ARG: "1"})),
    ]}


def waiting_review(user):
    if not access.has_permission(user, "registration.review"):
        return None
    rows = db.session.execute(
        select(Campaign.id, Campaign.name, func.count())
        .join(Registration, Registration.campaign_id == Campaign.id)
        .where(Campaign.owner_unit_id == user.unit_id, Campaign.status == "launched",
               Registration.status == "pending")
        .group_by(Campaign.id, Campaign.name).order_by(Campaign.name).limit(10)
    ).all()
    return {"title": "Danh sách đăng ký chờ tôi duyệt", "empty": "Không có danh sách nào chờ duyệt.",
            "items": [(name, n, url_for("campaign.registrations", campaign_id=cid, tab="pending"))
                      for cid, name, n in rows]}


def my_rejected(user):
    if not access.has_permission(user, "registration.submit"):
        return None
    total = db.session.execute(
        select(func.count()).select_from(Registration).join(Campaign)
        .where(Registration.unit_id == user.unit_id, Registration.status == "rejected",
               Campaign.status == "launched")).scalar_one()
    if not total:
        return {"title": "Danh sách của đơn vị bị từ chối", "empty": "Không có danh sách nào bị từ chối.",
                "items": []}
    rows = db.session.execute(
        select(Registration.id, Campaign.name, Registration.last_reason).join(Campaign)
        .where(Registration.unit_id == user.unit_id, Registration.status == "rejected",
               Campaign.status == "launched").order_by(Registration.reviewed_at.desc()).limit(10)
    ).all()
    return {"title": "Danh sách của đơn vị bị từ chối", "empty": "Không có danh sách nào bị từ chối.",
            "items": [("Tất cả danh sách bị từ chối", total,
                       url_for("registrations.index_view", flt0_0="rejected", flt1_2=user.unit.code))]
            + [(f"{name} – Lý do: {reason}", None, url_for("campaign.registration", registration_id=rid))
               for rid, name, reason in rows]}


def deadlines(user):
    if not access.has_permission(user, "campaign.view"):
        return None
    today = _today()
    until = today + timedelta(days=14)
    stmt = access.scope(user, Campaign, select(Campaign).where(
        Campaign.status == "launched",
        or_(Campaign.registration_deadline.between(today, until), Campaign.dossier_deadline.between(today, until)),
    )).order_by(Campaign.registration_deadline).limit(10)
    items = []
    for c in db.session.execute(stmt).scalars():
        parts = []
        if c.registration_deadline and today <= c.registration_deadline <= until:
            parts.append(f"hạn đăng ký {formatting.format_date(c.registration_deadline)}")
        if c.dossier_deadline and today <= c.dossier_deadline <= until:
            parts.append(f"hạn nộp hồ sơ {formatting.format_date(c.dossier_deadline)}")
        items.append((f"{c.name} – {', '.join(parts)}", None, url_for("campaign.detail", campaign_id=c.id)))
    return {"title": "Hạn trong 14 ngày tới", "empty": "Không có hạn nào trong 14 ngày tới.", "items": items}


def chart(user):
    """Registrations per state of my launched campaigns, as stacked SVG bars."""
    if not access.has_permission(user, "campaign.launch"):
        return None
    campaigns = db.session.execute(
        select(Campaign.id, Campaign.name).where(Campaign.owner_unit_id == user.unit_id,
                                                 Campaign.status == "launched")
        .order_by(Campaign.launched_at.desc()).limit(6)).all()
    if not campaigns:
        return None
    counts: dict[int, dict[str, int]] = {}
    for cid, status, n in db.session.execute(
        select(Registration.campaign_id, Registration.status, func.count())
        .where(Registration.campaign_id.in_([c.id for c in campaigns]))
        .group_by(Registration.campaign_id, Registration.status)
    ):
        counts.setdefault(cid, {})[status] = n
    width, bar_h, gap, label_w = 520, 18, 30, 0
    parts = []
    y = 0
    for cid, name in campaigns:
        c = counts.get(cid, {})
        total = sum(c.values()) or 1
        parts.append(Markup('<text x="0" y="{}" font-size="12">{}</text>').format(y + 11, name[:80]))
        x = label_w
        for status in labels.REGISTRATION_STATUSES:
            n = c.get(status, 0)
            if not n:
                continue
            w = round(width * n / total, 1)
            parts.append(Markup(
                '<rect x="{}" y="{}" width="{}" height="{}" fill="{}"><title>{}: {}</title></rect>'
                '<text x="{}" y="{}" font-size="11" fill="#000">{}</text>').format(
                x, y + 14, w, bar_h, COLORS[status], labels.REGISTRATION_STATUSES[status], n,
                x + 3, y + 27, n))
            x += w
        y += bar_h + gap
    legend = Markup(" ").join(
        Markup('<span class="mr-2"><span style="display:inline-block;width:10px;height:10px;background:{}">'
               '</span> {}</span>').format(COLORS[s], lbl) for s, lbl in labels.REGISTRATION_STATUSES.items())
    svg = Markup('<svg role="img" aria-label="Biểu đồ đăng ký theo trạng thái" width="100%" viewBox="0 0 {} {}" '
                 'class="campaign-chart">{}</svg><div class="small">{}</div>').format(
        width, y, Markup("").join(parts), legend)
    return {"title": "Đăng ký theo trạng thái (phong trào tôi phát động)", "items": [], "html": svg}


def register_panels() -> None:
    global _REGISTERED
    if _REGISTERED:
        return
    _REGISTERED = True
    for fn in (received_unread, waiting_review, my_rejected, deadlines, chart):
        register_panel(fn)

"""Public blueprint (no login): the initiative form, tracking page, QR code (issue 4).

URLs are stable per programme: /sang-kien/<slug>/ (the form, also behind the
QR code), /sang-kien/<slug>/tra-cuu (tracking by code + phone),
/sang-kien/<slug>/ket-qua (public results, issue 15), /sang-kien/<slug>/units (the dependent unit picker, JSON: id and name only,
only units of the programme's tree), /sang-kien/<slug>/qr.png|qr.svg.
"""
from __future__ import annotations

import os

import click
from flask import Blueprint, Response, abort, current_app, jsonify, redirect, render_template, request, session, url_for

from adminapp import labels, params
from adminapp.extensions import db, limiter
from adminapp.workflow import initiatives, programmes
from models import Programme, Unit

bp = Blueprint("public", __name__, url_prefix="/sang-kien", cli_group="sang-kien")

DEFAULT_SUBMIT_LIMIT = "30 per hour"


def _post_limit() -> str:
    return current_app.config.get("PUBLIC_SUBMIT_LIMIT") or os.environ.get("PUBLIC_SUBMIT_LIMIT",
                                                                             DEFAULT_SUBMIT_LIMIT)


def _programme(slug: str) -> Programme:
    if len(slug) > 80:
        abort(404)
    programme = programmes.get_by_slug(slug)
    if programme is None or programme.status == "draft":
        abort(404)
    return programme


def _printable(value: str | None) -> str:
    """Query text without control characters (PostgreSQL refuses NUL in text parameters)."""
    return "".join(ch for ch in (value or "") if ch.isprintable()).strip()


@bp.route("/")
def index():
    rows = db.session.execute(
        db.select(Programme).where(Programme.status == "published").order_by(Programme.submission_opens.desc())
    ).scalars().all()
    return render_template("public/index.html", programmes=rows,
                           states={p.id: programmes.window_state(p) for p in rows})


def _fill_choices(form, programme: Programme) -> None:
    level1 = programmes.level1_units(programme)
    form.level1_unit_id.choices = [("", "— Chọn đơn vị —")] + [(str(u.id), u.name) for u in level1]
    form.field.choices = [("", "— Chọn lĩnh vực —")] + [(f, f) for f in programme.fields or []]
    subs = [("", "— Không chọn (thuộc trực tiếp đơn vị trên) —")]
    chosen_id = params.parse_id(form.level1_unit_id.data)
    chosen = db.session.get(Unit, chosen_id) if chosen_id else None
    if chosen is not None and chosen.parent_id == programme.owner_unit_id:
        subs += [(str(u.id), u.name) for u in programmes.sub_units(chosen, limit=500)]
    form.unit_id.choices = subs
    form.fold_names = {str(u.id): u.search_text for u in level1}


def _render_form(programme: Programme, form, **context) -> str:
    _fill_choices(form, programme)
    return render_template("public/form.html", programme=programme, form=form, **context)


@bp.route("/<slug>/", methods=["GET", "POST"])
@limiter.limit(_post_limit, methods=["POST"])
def form(slug):
    from forms.initiative import PublicInitiativeForm

    programme = _programme(slug)
    state = programmes.window_state(programme)
    web_form = PublicInitiativeForm()  # choices are filled only to render: the service checks the units
    status = 200
    if request.method == "POST":
        if state != "open":
            return _render_form(programme, web_form, state=state,
                                closed=initiatives.closed_message(programme, state)), 403
        if web_form.website.data:
            return render_template("public/received.html", programme=programme, code=None)  # honeypot
        if web_form.validate():
            try:
                initiative = initiatives.submit_initiative(programme, web_form.service_data())
            except initiatives.SubmissionClosed as e:
                db.session.rollback()
                return _render_form(programme, web_form, state="closed", closed=e.message), 403
            except initiatives.InvalidSubmission as e:
                db.session.rollback()
                for name, message in e.errors.items():
                    field = getattr(web_form, name, None)
                    if field is not None:
                        field.errors = list(field.errors or []) + [message]
                status = 400
            else:
                # read before the commit expires them (no reload after it)
                code, duplicate, target = initiative.tracking_code, initiative.is_duplicate, programme.slug
                db.session.commit()
                session["submitted_code"] = code
                session["submitted_duplicate"] = duplicate
                return redirect(url_for("public.received", slug=target), 303)
        else:
            status = 400
    closed = None if state == "open" else initiatives.closed_message(programme, state)
    return _render_form(programme, web_form, state=state, closed=closed), status


@bp.route("/<slug>/da-nop")
def received(slug):
    programme = _programme(slug)
    code = session.pop("submitted_code", None)
    duplicate = session.pop("submitted_duplicate", False)
    if code is None:
        return redirect(url_for("public.form", slug=programme.slug))
    return render_template("public/received.html", programme=programme, code=code, duplicate=duplicate)


@bp.route("/<slug>/tra-cuu", methods=["GET", "POST"])
@limiter.limit(_post_limit, methods=["POST"])
def track(slug):
    from forms.initiative import TrackingForm

    programme = _programme(slug)
    web_form = TrackingForm()
    result = None
    not_found = False
    if request.method == "POST" and web_form.validate():
        result = initiatives.track(programme, web_form.code.data, web_form.phone.data)
        not_found = result is None
    status = 400 if request.method == "POST" and web_form.errors else 200
    return render_template("public/track.html", programme=programme, form=web_form, result=result,
                           not_found=not_found, statuses=labels.INITIATIVE_STATUSES, levels=labels.LEVELS), status


@bp.route("/<slug>/ket-qua")
def results(slug):
    """Kết quả chương trình: honoured initiatives (secrets masked), counts per unit, a chart. No login; the
    page comes from the snapshot shared by every app instance (adminapp/public/results_page.py)."""
    from adminapp.public import results_page as results_service

    programme = _programme(slug)
    data, built_at = results_service.get(programme)
    return render_template("public/results.html", programme=programme, data=data, built_at=built_at,
                           chart=results_service.chart_svg(data))


@bp.route("/<slug>/units")
@limiter.limit("120 per minute")
def units(slug):
    """Dependent picker: ?parent=<id or code>&q=<text, no diacritics needed> -> [{id, name}] of the programme's tree."""
    programme = _programme(slug)
    q = _printable(request.args.get("q"))[:80]
    parent_arg = _printable(request.args.get("parent"))[:64]
    if not parent_arg:
        rows = programmes.level1_units(programme, q=q or None, limit=200)
    else:
        parent = db.session.execute(db.select(Unit).where(Unit.code == parent_arg)).scalar_one_or_none()
        if parent is None and params.parse_id(parent_arg):
            parent = db.session.get(Unit, params.parse_id(parent_arg))
        if parent is None or parent.parent_id != programme.owner_unit_id or not parent.active:
            return jsonify([])
        rows = programmes.sub_units(parent, q=q or None, limit=100)
    return jsonify([{"id": u.id, "name": u.name} for u in rows])


def _public_url(programme: Programme) -> str:
    return url_for("public.form", slug=programme.slug, _external=True)


@bp.route("/<slug>/qr.png")
def qr_png(slug):
    from adminapp import qr

    programme = _programme(slug)
    return Response(qr.png(_public_url(programme)), mimetype="image/png",
                    headers={"Cache-Control": "public, max-age=3600"})


@bp.route("/<slug>/qr.svg")
def qr_svg(slug):
    from adminapp import qr

    programme = _programme(slug)
    return Response(qr.svg(_public_url(programme)), mimetype="image/svg+xml",
                    headers={"Cache-Control": "public, max-age=3600"})


@bp.cli.command("demo", help="Nạp chương trình “75 nghìn sáng kiến, vượt khó, phát triển” (chạy lại không thay đổi gì).")
@click.option("--original-dates", is_flag=True, help="Giữ thời gian của năm 2021 thay vì mở biểu mẫu từ hôm nay.")
def demo_command(original_dates):
    from adminapp.workflow.demo_programme import ensure_demo_programme

    try:
        programme, created = ensure_demo_programme(original_dates)
    except LookupError:
        raise click.ClickException("Chưa có danh mục đơn vị: hãy chạy `flask --app wsgi seed units` trước.") from None
    db.session.commit()
    click.echo(("Đã tạo" if created else "Đã có") + f" chương trình: /sang-kien/{programme.slug}/")

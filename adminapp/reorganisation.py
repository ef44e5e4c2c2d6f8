"""Reorganisation of the unit directory as one operation: merge, move a subtree, end a level, rename.

A plan is a list of operations (JSON, also what the CLI reads) with an effective date (Asia/Ho_Chi_Minh):

    {"op": "merge", "sources": ["02", "08"], "target": "08"}                       # into an existing unit
    {"op": "merge", "sources": ["10", "15"], "new": {"code": "2025-15", "name": "…", "parent": "TLD",
                                                     "kind": "province_federation", "official_code": "15"}}
    {"op": "move", "unit": "01-002", "parent": "40"}                              # a whole subtree
    {"op": "end_level", "units": ["01-001", "01-002"], "parent": "01"}           # or "under": "01", "level": 2
    {"op": "rename", "unit": "40", "name": "…", "short_name": "…"}

A merge (and ending a level, which is a merge of each ended unit into the named upper unit) ends the sources
the day before the effective date and keeps them in the tree *under their successor*: records stay with the
unit they were made for, and the successor's scope (a path range) now covers them, so its officers read and
report on them while a sibling province still sees nothing. Open work continues under the successor: the
sources' children, accounts, open campaigns (owned and participations), registrations not yet approved, open
programmes and their unsent dossiers and quotas (re-totalled), and initiatives in review move to it. Rows are
moved, never deleted: every data table has the same count before and after (checked; else refused).

`preview` runs the plan inside a savepoint and rolls it back, so what it shows is exactly what `apply` does.
A plan effective in the future is stored and applied on that date by `apply_due` (CLI `flask units
apply-due`, from cron, and at app access).
"""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select, update

from adminapp import access, areas, audit, clock, directory, unit_history
from adminapp.extensions import db
from adminapp.workflow.initiatives import OPEN_STATES
from models import (
    Campaign,
    CampaignAttachment,
    CampaignLink,
    CampaignUnit,
    Dossier,
    Initiative,
    Participant,
    Programme,
    ProgrammeQuota,
    Registration,
    Reorganisation,
    Unit,
    UnitLink,
    User,
    utcnow,
)

# Data tables whose row counts must be equal before and after (rows are moved, never added or deleted).
COUNTED = {
    "user_account": User, "campaign": Campaign, "campaign_unit": CampaignUnit, "campaign_attachment":
    CampaignAttachment, "campaign_link": CampaignLink, "registration": Registration, "participant": Participant,
    "programme": Programme, "programme_quota": ProgrammeQuota, "initiative": Initiative,
    "initiative_dossier": Dossier,
}
TABLE_LABELS = {
    "unit": "Đơn vị", "user_account": "Tài khoản", "campaign": "Phong trào", "campaign_unit": "Đơn vị tham gia",
    "campaign_attachment": "Tệp đính kèm", "campaign_link": "Liên kết", "registration": "Danh sách đăng ký",
    "participant": "Người/tập thể đăng ký", "programme": "Chương trình sáng kiến",
    "programme_quota": "Chỉ tiêu sáng kiến", "initiative": "Sáng kiến", "initiative_dossier": "Hồ sơ xét chọn",
}
OPS = ("merge", "move", "end_level", "rename")
OP_LABELS = {"merge": "Sáp nhập", "move": "Chuyển đơn vị", "end_level": "Kết thúc cấp", "rename": "Đổi tên"}
MOVED_LABELS = {
    "units": "Đơn vị chuyển sang đơn vị kế thừa", "ended": "Đơn vị kết thúc", "users": "Tài khoản",
    "campaigns": "Phong trào đang mở", "participations": "Lượt tham gia phong trào đang mở",
    "registrations": "Danh sách đăng ký chưa duyệt", "programmes": "Chương trình sáng kiến đang mở",
    "dossiers": "Hồ sơ xét chọn chưa gửi", "quotas": "Chỉ tiêu sáng kiến (cộng dồn)",
    "initiatives": "Sáng kiến đang xét", "renamed": "Đơn vị đổi tên", "kept": "Giữ ở đơn vị cũ (đơn vị kế thừa đã có)",
}


class ReorganisationError(ValueError):
    """A plan refused, with the reason in Vietnamese; nothing was changed."""


# --------------------------------------------------------------------------- helpers


def _unit(code: str) -> Unit:
    unit = db.session.execute(select(Unit).where(Unit.code == (code or "").strip())).scalar_one_or_none()
    if unit is None:
        raise ReorganisationError(f"Không có đơn vị mã “{code}”.")
    return unit


def _valid(unit: Unit, day: date) -> bool:
    return (unit.valid_from is None or unit.valid_from <= day) and (unit.valid_to is None or unit.valid_to >= day)


def _require_valid(unit: Unit, day: date, role: str) -> None:
    if not _valid(unit, day):
        successor = unit_history.successors([unit.id]).get(unit.id)
        note = f" (đã sáp nhập vào {successor.name})" if successor is not None else ""
        raise ReorganisationError(f"{role} “{unit.name}” đã hết hiệu lực vào ngày {day:%d/%m/%Y}{note}.")


def counts() -> dict[str, int]:
    out = {name: db.session.execute(select(func.count()).select_from(model)).scalar_one()
           for name, model in COUNTED.items()}
    out["unit"] = db.session.execute(select(func.count()).select_from(Unit)).scalar_one()
    return out


def _bump(model, ids_condition, **values):
    """A set-based UPDATE of versioned rows (their version moves on, so open forms see the change)."""
    stmt = update(model).where(ids_condition).values(**values)
    if hasattr(model, "version"):
        stmt = stmt.values(version=model.version + 1)
    count = db.session.execute(stmt.execution_options(synchronize_session=False)).rowcount or 0
    for obj in list(db.session.identity_map.values()):
        if isinstance(obj, model):
            db.session.expire(obj)  # rows already loaded (an account in use…) read the new values
    return count


def _check_records_behind(sources: list[Unit], day: date) -> None:
    """A past effective date may not leave records made for an ended unit after it ended."""
    if day >= unit_history.today():
        return
    ids = [u.id for u in sources]
    since = clock.naive_utc(clock.vn_midnight(day))
    checks = (
        ("phong trào", select(Campaign.id).where(Campaign.owner_unit_id.in_(ids), Campaign.created_at >= since)),
        ("danh sách đăng ký", select(Registration.id).where(Registration.unit_id.in_(ids),
                                                            Registration.created_at >= since)),
        ("sáng kiến", select(Initiative.id).where(Initiative.unit_id.in_(ids), Initiative.created_at >= since)),
    )
    for label, stmt in checks:
        if db.session.execute(stmt.limit(1)).first():
            raise ReorganisationError(
                f"Ngày hiệu lực {day:%d/%m/%Y} đã qua và có {label} lập cho đơn vị sẽ kết thúc sau ngày đó: "
                "hãy chọn ngày hiệu lực không sớm hơn các bản ghi này."
            )


# --------------------------------------------------------------------------- operations


def _merge(sources: list[Unit], target: Unit, day: date, reorg_id: int | None, stats: dict) -> None:
    last_day = day - timedelta(days=1)
    for s in sources:
        if s.id == target.id:
            raise ReorganisationError(f"Không thể sáp nhập “{s.name}” vào chính nó.")
        if target.path.startswith(s.path):
            raise ReorganisationError(
                f"Không thể sáp nhập “{s.name}” vào đơn vị cấp dưới của nó (“{target.name}”): vòng lặp.")
        _require_valid(s, day, "Đơn vị bị sáp nhập")
    _require_valid(target, day, "Đơn vị nhận sáp nhập")
    _check_records_behind(sources, day)
    ids = [s.id for s in sources]
    if target.level == 1:  # merged provinces: their initiatives count under the successor, none rewritten
        areas.merge(db.session.connection(), [s.id for s in sources if s.level == 1], target.id)
    # children of the sources move under the target (their own subtrees with them)
    children = db.session.execute(select(Unit).where(Unit.parent_id.in_(ids), unit_history.valid_on(day))
                                  .order_by(Unit.path)).scalars().all()
    old_parents = {child.id: child.parent_id for child in children}
    moved = directory.move_many(children, target, day)  # set-based: a whole level ends in seconds
    if moved:
        db.session.execute(UnitLink.__table__.insert(), [
            {"unit_id": child.id, "other_id": old_parents[child.id], "kind": "moved_from", "effective_date": day,
             "reorganisation_id": reorg_id} for child in moved])
    stats["units"] += [child.code for child in children]
    # accounts keep working under the successor
    stats["users"] += _bump(User, User.unit_id.in_(ids), unit_id=target.id)
    # open campaigns: those the sources launched, and their participations
    open_campaigns = select(Campaign.id).where(Campaign.status != "archived")
    stats["campaigns"] += _bump(Campaign, Campaign.owner_unit_id.in_(ids) & (Campaign.status != "archived"),
                                owner_unit_id=target.id)
    taken = select(CampaignUnit.campaign_id).where(CampaignUnit.unit_id == target.id)
    for cu in db.session.execute(select(CampaignUnit).where(CampaignUnit.unit_id.in_(ids),
                                                            CampaignUnit.campaign_id.in_(open_campaigns))
                                 .order_by(CampaignUnit.id)).scalars().all():
        if db.session.execute(taken.where(CampaignUnit.campaign_id == cu.campaign_id)).first():
            stats["kept"].append(f"campaign_unit #{cu.id}")
            continue
        cu.unit_id = target.id
        db.session.flush()
        stats["participations"] += 1
    # participant lists not yet approved continue under the successor (one list per unit and campaign)
    for reg in db.session.execute(select(Registration).where(
            Registration.unit_id.in_(ids), Registration.status != "approved",
            Registration.campaign_id.in_(open_campaigns)).order_by(Registration.id)).scalars().all():
        if db.session.execute(select(Registration.id).where(Registration.campaign_id == reg.campaign_id,
                                                            Registration.unit_id == target.id)).first():
            stats["kept"].append(f"registration #{reg.id}")
            continue
        reg.unit_id = target.id
        db.session.flush()
        stats["registrations"] += 1
    # open programmes, their unsent dossiers and the quotas (re-totalled on the successor)
    open_programmes = select(Programme.id).where(Programme.status != "archived")
    stats["programmes"] += _bump(Programme, Programme.owner_unit_id.in_(ids) & (Programme.status != "archived"),
                                 owner_unit_id=target.id)
    for d in db.session.execute(select(Dossier).where(Dossier.unit_id.in_(ids), Dossier.sent_at.is_(None),
                                                      Dossier.programme_id.in_(open_programmes))
                                .order_by(Dossier.id)).scalars().all():
        if db.session.execute(select(Dossier.id).where(Dossier.programme_id == d.programme_id,
                                                       Dossier.unit_id == target.id)).first():
            stats["kept"].append(f"initiative_dossier #{d.id}")
            continue
        d.unit_id = target.id
        db.session.flush()
        stats["dossiers"] += 1
    for q in db.session.execute(select(ProgrammeQuota).where(ProgrammeQuota.unit_id.in_(ids),
                                                             ProgrammeQuota.programme_id.in_(open_programmes))
                                .order_by(ProgrammeQuota.id)).scalars().all():
        mine = db.session.execute(select(ProgrammeQuota).where(ProgrammeQuota.programme_id == q.programme_id,
                                                               ProgrammeQuota.unit_id == target.id)
                                  .with_for_update()).scalar_one_or_none()
        if mine is None:
            q.unit_id = target.id
            stats["quotas"].append({"programme_id": q.programme_id, "unit": target.code, "quota": q.quota,
                                    "used": q.used, "from": [s.code for s in sources if s.id == q.unit_id]})
        else:
            before = (mine.quota, mine.used)
            mine.quota, mine.used = mine.quota + q.quota, mine.used + q.used
            q.quota, q.used = 0, 0
            stats["quotas"].append({"programme_id": q.programme_id, "unit": target.code, "quota": mine.quota,
                                    "used": mine.used, "before": list(before)})
        db.session.flush()
    # initiatives in review continue with the successor
    open_ini = Initiative.status.in_(OPEN_STATES)
    stats["initiatives"] += _bump(Initiative, Initiative.holder_unit_id.in_(ids) & open_ini,
                                  holder_unit_id=target.id)
    # the sources end the day before and stay in the tree under their successor
    db.session.flush()
    ids = [s.id for s in sources]
    for i in range(0, len(ids), 5000):  # set-based: a whole level ends in a few statements
        chunk = ids[i:i + 5000]
        db.session.execute(update(Unit).where(Unit.id.in_(chunk))
                           .values(valid_to=last_day, active=False, version=Unit.version + 1)
                           .execution_options(synchronize_session=False))
        unit_history.close(db.session.connection(), chunk, last_day)  # their open versions close
    for s in sources:
        db.session.expire(s, ["valid_to", "active", "version"])
    directory.move_many(sources, target, day)
    db.session.execute(UnitLink.__table__.insert(), [
        {"unit_id": s.id, "other_id": target.id, "kind": "merged_into", "effective_date": day,
         "reorganisation_id": reorg_id} for s in sources])
    stats["ended"] += [s.code for s in sources]
    db.session.flush()


def _new_target(spec: dict, day: date) -> Unit:
    parent = _unit(spec.get("parent") or "TLD")
    _require_valid(parent, day, "Đơn vị cấp trên")
    code = directory.validate_code(spec.get("code", ""))
    existing = db.session.execute(select(Unit).where(Unit.code == code)).scalar_one_or_none()
    if existing is not None:
        return existing
    return directory.create_unit(
        actor=None, code=code, name=spec.get("name") or code, short_name=spec.get("short_name"), parent=parent,
        kind=spec.get("kind") or parent.kind, sort_order=int(spec.get("sort_order") or 0),
        default_quota=spec.get("default_quota"), official_code=spec.get("official_code"), valid_from=day,
    )


def _run(operations: list[dict], day: date, reorg_id: int | None) -> list[dict]:
    results = []
    for i, op in enumerate(operations, start=1):
        kind = op.get("op")
        if kind not in OPS:
            raise ReorganisationError(f"Thao tác thứ {i}: không rõ loại “{kind}”.")
        stats = {"op": kind, "units": [], "ended": [], "users": 0, "campaigns": 0, "participations": 0,
                 "registrations": 0, "programmes": 0, "dossiers": 0, "quotas": [], "initiatives": 0,
                 "renamed": [], "kept": []}
        try:
            if kind == "merge":
                sources = [_unit(c) for c in op.get("sources") or []]
                if not sources:
                    raise ReorganisationError("Chưa chọn đơn vị bị sáp nhập.")
                target = _new_target(op["new"], day) if op.get("new") else _unit(op.get("target"))
                stats["target"] = target.code
                sources = [s for s in sources if s.id != target.id]  # the target may be listed among them
                if not sources:
                    raise ReorganisationError(f"Không thể sáp nhập “{target.name}” vào chính nó.")
                _merge(sources, target, day, reorg_id, stats)
                if op.get("name"):
                    _rename(target, op["name"], op.get("short_name"), day, stats)
            elif kind == "move":
                unit, parent = _unit(op.get("unit")), _unit(op.get("parent"))
                _require_valid(unit, day, "Đơn vị chuyển")
                _require_valid(parent, day, "Đơn vị cấp trên mới")
                old_parent = unit.parent_id
                directory._move(unit, parent, day)
                if old_parent is not None and old_parent != parent.id:
                    db.session.add(UnitLink(unit_id=unit.id, other_id=old_parent, kind="moved_from",
                                            effective_date=day, reorganisation_id=reorg_id))
                stats["units"].append(unit.code)
                stats["target"] = parent.code
            elif kind == "end_level":
                parent = _unit(op.get("parent"))
                if op.get("units"):
                    ended = [_unit(c) for c in op["units"]]
                else:
                    under = _unit(op.get("under") or op.get("parent"))
                    level = int(op.get("level"))
                    stmt = select(Unit).where(access.subtree_condition(Unit.path, under.path), Unit.level == level,
                                              unit_history.valid_on(day))
                    if op.get("kind"):
                        stmt = stmt.where(Unit.kind == op["kind"])
                    ended = db.session.execute(stmt.order_by(Unit.path)).scalars().all()
                stats["target"] = parent.code
                if ended:
                    _merge(ended, parent, day, reorg_id, stats)
            elif kind == "rename":
                unit = _unit(op.get("unit"))
                _require_valid(unit, day, "Đơn vị đổi tên")
                _rename(unit, op.get("name"), op.get("short_name"), day, stats)
        except (directory.DirectoryError, unit_history.HistoryError) as e:
            raise ReorganisationError(f"Thao tác thứ {i} ({OP_LABELS[kind]}): {e}") from None
        except ReorganisationError as e:
            raise ReorganisationError(f"Thao tác thứ {i} ({OP_LABELS[kind]}): {e}") from None
        except (KeyError, TypeError, ValueError) as e:
            raise ReorganisationError(f"Thao tác thứ {i} ({OP_LABELS[kind]}) thiếu hoặc sai thông tin: {e}") from None
        results.append(stats)
    return results


def _rename(unit: Unit, name: str | None, short_name: str | None, day: date, stats: dict) -> None:
    name = (name or "").strip()
    if not name:
        raise ReorganisationError("Tên mới không được để trống.")
    unit_history.check_effective([unit.id], day)
    with unit_history.effective(day):
        unit.name = name
        if short_name is not None:
            unit.short_name = short_name.strip() or None
        db.session.flush()
    stats["renamed"].append(unit.code)


def _execute(operations: list[dict], day: date, reorg_id: int | None) -> tuple[list[dict], dict, dict]:
    before = counts()
    with unit_history.effective(day):
        results = _run(operations, day, reorg_id)
    db.session.flush()
    after = counts()
    lost = {t: (before[t], after[t]) for t in COUNTED if before[t] != after[t]}
    if lost:
        raise ReorganisationError(f"Số bản ghi thay đổi sau khi sắp xếp (không được mất dữ liệu): {lost}.")
    return results, before, after


# --------------------------------------------------------------------------- public API


def _require_admin(actor) -> None:
    if actor is not None and not access.is_global(actor):
        raise access.PermissionDenied("Chỉ quản trị hệ thống được sắp xếp lại danh mục đơn vị.")


def _parse(operations) -> list[dict]:
    if not isinstance(operations, list) or not operations or not all(isinstance(o, dict) for o in operations):
        raise ReorganisationError("Kế hoạch sắp xếp phải là một danh sách thao tác.")
    return operations


def preview(actor, operations, effective_date: date) -> dict:
    """What the plan would do (run in a savepoint, rolled back): per operation what moves, and the count of
    every table before and after. Raises ReorganisationError with the reason if it would be refused."""
    _require_admin(actor)
    operations = _parse(operations)
    db.session.flush()
    nested = db.session.begin_nested()
    try:
        results, before, after = _execute(operations, effective_date, None)
    finally:
        nested.rollback()
        db.session.expire_all()
    return {"operations": results, "counts_before": before, "counts_after": after}


def _lock_plans() -> None:
    """Serialise planners: one row lock on the directory's root. On SQLite the write lock is taken first
    (BEGIN IMMEDIATE): a second planner waits for the first (busy_timeout), then reads its plan and is refused
    with the reason. Without it the second one read an old snapshot and failed with "database is locked"."""
    conn = db.session.connection()
    if conn.dialect.name == "sqlite":
        if not conn.connection.driver_connection.in_transaction:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        return
    db.session.execute(select(Unit.id).where(Unit.parent_id.is_(None)).order_by(Unit.id).limit(1).with_for_update())


def plan(actor, title: str, operations, effective_date: date) -> Reorganisation:
    """Store a plan after previewing it; applied now when its date has come, else on that date."""
    _require_admin(actor)
    operations = _parse(operations)
    _lock_plans()
    pending = db.session.execute(select(Reorganisation).where(Reorganisation.status == "planned")).scalars().first()
    if pending is not None:
        raise ReorganisationError(
            f"Đang có kế hoạch sắp xếp “{pending.title}” (hiệu lực {pending.effective_date:%d/%m/%Y}) chưa thực "
            "hiện: hãy thực hiện hoặc hủy kế hoạch đó trước khi lập kế hoạch mới."
        )
    if effective_date <= unit_history.today():
        # runs now: the run itself is the check (refused with its reason, the caller rolls back), no separate
        # preview pass; its results are stored as the plan's preview by apply()
        shown = {"operations": None, "counts_before": counts()}
    else:
        shown = preview(actor, operations, effective_date)
    reorg = Reorganisation(title=(title or "").strip() or "Sắp xếp đơn vị", effective_date=effective_date,
                           operations=operations, preview=shown["operations"],
                           counts_before=shown["counts_before"], created_by_id=getattr(actor, "id", None))
    db.session.add(reorg)
    db.session.flush()
    audit.record(actor, reorg, "reorganisation.plan", to_state="planned",
                 details={"effective_date": effective_date.isoformat(), "operations": operations})
    if effective_date <= unit_history.today():
        apply(actor, reorg)
    return reorg


def apply(actor, reorg: Reorganisation) -> Reorganisation:
    """Run a planned reorganisation now, as one transaction (the caller commits), audited as one event."""
    claimed = db.session.execute(
        update(Reorganisation).where(Reorganisation.id == reorg.id, Reorganisation.status == "planned")
        .values(status="applying", version=Reorganisation.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not claimed:
        raise ReorganisationError("Kế hoạch này đã được thực hiện hoặc đã hủy.")
    db.session.refresh(reorg)
    results, before, after = _execute(reorg.operations, reorg.effective_date, reorg.id)
    reorg.status = "applied"
    reorg.preview = results
    reorg.counts_before, reorg.counts_after = before, after
    reorg.applied_at = utcnow()
    db.session.flush()
    audit.record(actor, reorg, "unit.reorganise", from_state="planned", to_state="applied",
                 details={"title": reorg.title, "effective_date": reorg.effective_date.isoformat(),
                          "operations": reorg.operations, "results": results,
                          "counts_before": before, "counts_after": after})
    return reorg


def cancel(actor, reorg: Reorganisation) -> None:
    _require_admin(actor)
    done = db.session.execute(
        update(Reorganisation).where(Reorganisation.id == reorg.id, Reorganisation.status == "planned")
        .values(status="cancelled", version=Reorganisation.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not done:
        raise ReorganisationError("Chỉ hủy được kế hoạch chưa thực hiện.")
    audit.record(actor, reorg, "reorganisation.cancel", from_state="planned", to_state="cancelled")


def apply_due(today: date | None = None) -> list[int]:
    """Apply every planned reorganisation whose date has come (Asia/Ho_Chi_Minh); each in its own
    transaction, committed. A refused one is marked failed with its reason. Returns the applied ids."""
    today = today or unit_history.today()
    applied = []
    due = db.session.execute(select(Reorganisation.id).where(Reorganisation.status == "planned",
                                                            Reorganisation.effective_date <= today)
                             .order_by(Reorganisation.effective_date, Reorganisation.id)).scalars().all()
    for rid in due:
        reorg = db.session.get(Reorganisation, rid)
        try:
            apply(None, reorg)
            db.session.commit()
            applied.append(rid)
        except ReorganisationError as e:
            db.session.rollback()
            db.session.execute(update(Reorganisation).where(Reorganisation.id == rid,
                                                            Reorganisation.status == "planned")
                               .values(status="failed", error=str(e), version=Reorganisation.version + 1))
            db.session.commit()
    return applied


def has_due(today: date | None = None) -> bool:
    today = today or unit_history.today()
    return db.session.execute(select(Reorganisation.id).where(Reorganisation.status == "planned",
                                                             Reorganisation.effective_date <= today).limit(1)
                              ).first() is not None

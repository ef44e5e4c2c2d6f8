"""What each kind of record keeps in its revisions, how it reads in Vietnamese, and how it is restored.

Snapshots are batch reads (one statement per table for any number of records), so a bulk action over 500
participant lists reads their states in a handful of statements. Restores go through the same services and
checks as an edit; what a restore must not undo (a launch, a list's review state, a sent dossier) is left
as it is.
"""
from __future__ import annotations

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select

from adminapp import access, labels, unit_history
from adminapp.revisions import RestoreError, Spec, jsonable, register
from models import (
    Campaign,
    CampaignAttachment,
    CampaignLink,
    CampaignUnit,
    DeadlineExtension,
    Dossier,
    Participant,
    Programme,
    ProgrammeQuota,
    Registration,
    Role,
    Unit,
    User,
    user_role,
)


def _columns(session, model, ids, keys):
    cols = [getattr(model, k) for k in ("id",) + tuple(keys)]
    return {row[0]: {k: jsonable(v) for k, v in zip(keys, row[1:], strict=True)}
            for row in session.execute(select(*cols).where(model.id.in_(ids)))}


def _grouped(session, stmt, key_index=0):
    out: dict[int, list] = {}
    for row in session.execute(stmt):
        out.setdefault(row[key_index], []).append([jsonable(v) for i, v in enumerate(row) if i != key_index])
    return out


# --------------------------------------------------------------------------- campaign

CAMPAIGN_KEYS = ("name", "launch_level", "kind", "start_date", "end_date", "description", "registration_deadline",
                 "dossier_deadline", "for_individuals", "for_collectives", "status", "owner_unit_id", "version",
                 "registration_deadline_policy")


def campaign_snapshots(session, ids):
    snaps = _columns(session, Campaign, ids, CAMPAIGN_KEYS)
    units = _grouped(session, select(CampaignUnit.campaign_id, CampaignUnit.unit_id, CampaignUnit.role_id)
                     .where(CampaignUnit.campaign_id.in_(ids)).order_by(CampaignUnit.unit_id))
    files = _grouped(session, select(CampaignAttachment.campaign_id, CampaignAttachment.id,
                                     CampaignAttachment.filename)
                     .where(CampaignAttachment.campaign_id.in_(ids), CampaignAttachment.removed_at.is_(None))
                     .order_by(CampaignAttachment.id))
    links = _grouped(session, select(CampaignLink.campaign_id, CampaignLink.url, CampaignLink.title)
                     .where(CampaignLink.campaign_id.in_(ids)).order_by(CampaignLink.id))
    for cid, snap in snaps.items():
        snap["units"] = units.get(cid, [])
        snap["attachments"] = files.get(cid, [])
        snap["links"] = links.get(cid, [])
    return snaps


def restore_campaign(actor, campaign, snap, expected_version):
    """Fields, participating units with their roles, links and attachments as they were. A launched
    campaign stays launched (its status and its registrations are not a restorable state)."""
    from adminapp.extensions import db
    from adminapp.workflow import campaigns as svc

    values = {k: snap.get(k) for k in svc.EDITABLE_FIELDS}
    for k in ("start_date", "end_date", "registration_deadline", "dossier_deadline"):
        values[k] = _date(values[k])
    svc.update_campaign(actor=actor, campaign=campaign, expected_version=expected_version, **values)
    roles = {r.id: r for r in svc.active_roles()}
    pairs = []
    for unit_id, role_id in snap.get("units", []):
        unit = db.session.get(Unit, unit_id)
        role = roles.get(role_id) or svc.default_role()
        if unit is not None:
            pairs.append((unit, role))
    svc.sync_participating_units(actor=actor, campaign=campaign, pairs=pairs)
    wanted_links = [tuple(x) for x in snap.get("links", [])]
    for link in list(campaign.links):
        if (link.url, link.title) not in wanted_links:
            svc.remove_link(actor=actor, link=link)
    have = {(link.url, link.title) for link in campaign.links}
    for url, title in wanted_links:
        if (url, title) not in have:
            svc.add_link(actor=actor, campaign=campaign, url=url, title=title)
    wanted_files = {fid for fid, _ in snap.get("attachments", [])}
    for att in list(campaign.attachments):
        if att.id not in wanted_files:
            svc.remove_attachment(actor=actor, attachment=att)
    for fid in wanted_files - {a.id for a in campaign.attachments}:
        att = db.session.get(CampaignAttachment, fid)
        if att is not None and att.campaign_id == campaign.id:
            svc.readd_attachment(actor=actor, attachment=att)


def _date(value):
    from datetime import date

    return date.fromisoformat(value) if isinstance(value, str) else value


register(Spec(
    Campaign, "campaign", "Phong trào", campaign_snapshots,
    fields={"name": ("Tên phong trào", "text"), "launch_level": ("Cấp phát động", "map:launch_level"),
            "kind": ("Loại phong trào", "map:campaign_kind"), "start_date": ("Ngày bắt đầu", "date"),
            "end_date": ("Ngày kết thúc", "date"), "description": ("Diễn giải", "text"),
            "registration_deadline": ("Hạn đăng ký", "date"), "dossier_deadline": ("Hạn nộp hồ sơ", "date"),
            "registration_deadline_policy": ("Danh sách gửi sau hạn đăng ký", "map:deadline_policy"),
            "for_individuals": ("Cá nhân tham gia", "bool"), "for_collectives": ("Tập thể tham gia", "bool"),
            "status": ("Trạng thái", "map:campaign_status"), "owner_unit_id": ("Đơn vị phát động", "ref:unit"),
            "units": ("Đơn vị tham gia (vai trò)", "rows:campaign_units"),
            "attachments": ("Tệp đính kèm", "rows:attachments"), "links": ("Liên kết", "rows:links")},
    unit_of=lambda s: s.get("owner_unit_id"), restore=restore_campaign,
    can_restore=lambda user, c: access.can_manage_campaign(user, c) and c.status != "archived",
    children={CampaignUnit: "campaign_id", CampaignAttachment: "campaign_id", CampaignLink: "campaign_id"},
))


# --------------------------------------------------------------------------- participant list

REGISTRATION_KEYS = ("campaign_id", "unit_id", "status", "last_reason", "reopened", "late", "version")
PARTICIPANT_COLS = ("kind", "full_name", "birth_year", "position", "unit_name")


def registration_snapshots(session, ids):
    snaps = _columns(session, Registration, ids, REGISTRATION_KEYS)
    rows = _grouped(session, select(Participant.registration_id, *[getattr(Participant, c) for c in PARTICIPANT_COLS])
                    .where(Participant.registration_id.in_(ids)).order_by(Participant.sort_order, Participant.id))
    for rid, snap in snaps.items():
        snap["participants"] = rows.get(rid, [])
    return snaps


def restore_registration(actor, reg, snap, expected_version):
    """The rows of the list as they were; only while the list may be edited by its unit (a sent or
    approved list is not changed by a restore, and its review state is never restored)."""
    from adminapp.workflow import registrations as regsvc

    if expected_version is not None and expected_version != reg.version:
        raise RestoreError(regsvc.CHANGED)
    rows = [regsvc.ParticipantData(kind=k, full_name=n, birth_year=y, position=p, unit_name=u)
            for k, n, y, p, u in snap.get("participants", [])]
    regsvc.replace_participants(actor=actor, registration=reg, rows=rows)


register(Spec(
    Registration, "registration", "Danh sách đăng ký", registration_snapshots,
    fields={"status": ("Trạng thái", "map:registration_status"), "last_reason": ("Lý do", "text"),
            "reopened": ("Được sửa lại sau hủy phê duyệt", "bool"), "late": ("Nộp muộn", "bool"), "unit_id": ("Đơn vị", "ref:unit"),
            "campaign_id": ("Phong trào", "ref:campaign"),
            "participants": ("Thành viên tham gia", "rows:participants")},
    unit_of=lambda s: s.get("unit_id"), restore=restore_registration, children={Participant: "registration_id"},
    light_snapshots=lambda session, ids: _columns(session, Registration, ids, REGISTRATION_KEYS),
    light_keys=REGISTRATION_KEYS,
    can_restore=lambda user, reg: access.can_submit_registration(user, reg),
))


# --------------------------------------------------------------------------- unit

UNIT_KEYS = ("code", "name", "short_name", "level", "kind", "parent_id", "active", "sort_order", "default_quota",
             "valid_from", "valid_to", "version")


def restore_unit(actor, unit, snap, expected_version):
    from adminapp import directory
    from adminapp.extensions import db

    if expected_version is not None and expected_version != unit.version:
        raise RestoreError("Đơn vị vừa được người khác sửa; hãy mở lại lịch sử rồi khôi phục.")
    directory.check_unit_edit(actor, unit.parent)
    for key in ("name", "short_name", "kind", "active", "sort_order", "default_quota"):
        setattr(unit, key, snap.get(key))
    unit.valid_from, unit.valid_to = _date(snap.get("valid_from")), _date(snap.get("valid_to"))
    if snap.get("parent_id") != unit.parent_id:
        parent = db.session.get(Unit, snap["parent_id"]) if snap.get("parent_id") else None
        directory.move_unit(actor=actor, unit=unit, new_parent=parent)
    from adminapp import audit

    audit.record(actor, unit, "unit.restore")


register(Spec(
    Unit, "unit", "Đơn vị", lambda session, ids: _columns(session, Unit, ids, UNIT_KEYS),
    fields={"code": ("Mã", "text"), "name": ("Tên đơn vị", "text"), "short_name": ("Tên viết tắt", "text"),
            "level": ("Cấp", "map:level"), "kind": ("Loại", "map:unit_kind"),
            "parent_id": ("Đơn vị cấp trên", "ref:unit"), "active": ("Đang hoạt động", "bool"),
            "sort_order": ("Thứ tự", "text"), "default_quota": ("Chỉ tiêu mặc định", "text"),
            "valid_from": ("Hiệu lực từ", "date"), "valid_to": ("Hiệu lực đến", "date")},
    unit_of=lambda s: None, restore=restore_unit,
    can_restore=lambda user, unit: access.has_permission(user, "unit.manage") and (
        access.is_global(user) or (unit.parent is not None and access.unit_in_subtree(user, unit.parent))),
))


# --------------------------------------------------------------------------- user (never the password hash)

USER_KEYS = ("username", "full_name", "email", "phone", "unit_id", "active", "password_hash", "version")


def user_snapshots(session, ids):
    snaps = _columns(session, User, ids, USER_KEYS)
    roles = _grouped(session, select(user_role.c.user_id, user_role.c.role_id)
                     .where(user_role.c.user_id.in_(ids)).order_by(user_role.c.role_id))
    for uid, snap in snaps.items():
        # a fingerprint says the password changed, the hash itself never leaves the user table
        digest = snap.pop("password_hash") or ""
        import hashlib

        snap["password"] = hashlib.sha256(("pw:" + digest).encode()).hexdigest()[:12]
        snap["roles"] = [r[0] for r in roles.get(uid, [])]
    return snaps


def restore_user(actor, user, snap, expected_version):
    from adminapp import accounts, audit
    from adminapp.extensions import db

    if expected_version is not None and expected_version != user.version:
        raise RestoreError("Tài khoản vừa được người khác sửa; hãy mở lại lịch sử rồi khôi phục.")
    unit = db.session.get(Unit, snap.get("unit_id"))
    access.require(actor, "user.manage", user)
    if unit is None or not access.can(actor, "user.manage", unit):
        raise access.PermissionDenied("Đơn vị của phiên bản này nằm ngoài phạm vi của bạn.")
    roles = [r for r in (db.session.get(Role, rid) for rid in snap.get("roles", [])) if r is not None]
    for role in roles:
        if not access.can_assign_role(actor, role):
            raise access.PermissionDenied(f"Bạn không thể gán vai trò “{role.title}”.")
    if user.id == actor.id and not snap.get("active"):
        raise RestoreError("Bạn không thể tự khóa tài khoản của mình.")
    for key in ("full_name", "email", "phone", "active"):
        setattr(user, key, snap.get(key))
    user.unit = unit
    user.roles = roles
    accounts.end_sessions_after_change(user, password_reset=False)
    audit.record(actor, user, "user.restore")


register(Spec(
    User, "user_account", "Người dùng", user_snapshots,
    fields={"username": ("Tên đăng nhập", "text"), "full_name": ("Họ và tên", "text"),
            "email": ("Thư điện tử", "text"), "phone": ("Điện thoại", "text"), "unit_id": ("Đơn vị", "ref:unit"),
            "roles": ("Vai trò", "ref:role"), "active": ("Đang hoạt động", "bool"),
            "password": ("Mật khẩu", "secret")},
    unit_of=lambda s: s.get("unit_id"), restore=restore_user,
    can_restore=lambda user, other: access.can(user, "user.manage", other),
))


# --------------------------------------------------------------------------- role

def restore_role(actor, role, snap, expected_version):
    from adminapp import audit

    if not access.has_permission(actor, "role.manage"):
        raise access.PermissionDenied()
    if expected_version is not None and expected_version != role.version:
        raise RestoreError("Vai trò vừa được người khác sửa; hãy mở lại lịch sử rồi khôi phục.")
    role.title, role.description = snap.get("title"), snap.get("description")
    role.permissions = [p for p in snap.get("permissions") or [] if p in access.PERMISSIONS]
    audit.record(actor, role, "role.restore")


register(Spec(
    Role, "role", "Vai trò",
    lambda session, ids: _columns(session, Role, ids, ("name", "title", "description", "permissions", "version")),
    fields={"name": ("Mã", "text"), "title": ("Tên vai trò", "text"), "description": ("Mô tả", "text"),
            "permissions": ("Quyền", "map:permission")},
    unit_of=lambda s: None, restore=restore_role,
    can_restore=lambda user, role: access.has_permission(user, "role.manage"),
))


# --------------------------------------------------------------------------- programme, quota, dossier

PROGRAMME_KEYS = ("name", "slug", "description", "submission_opens", "submission_closes", "application_from",
                  "application_to", "dossier_deadline", "fields", "description_limit", "default_quota", "status",
                  "owner_unit_id", "version", "dossier_deadline_policy", "mask_secrets_in_summary",
                  "requires_moderation")


def restore_programme(actor, programme, snap, expected_version):
    from adminapp import audit
    from adminapp.workflow import programmes as service

    if not access.can_manage_programme(actor, programme):
        raise access.PermissionDenied("Chỉ đơn vị phát động mới sửa được chương trình.")
    if expected_version is not None and expected_version != programme.version:
        raise RestoreError("Chương trình vừa được người khác sửa; hãy mở lại lịch sử rồi khôi phục.")
    was_moderated = programme.requires_moderation
    for key in PROGRAMME_KEYS:
        if key in ("slug", "owner_unit_id", "version"):
            continue  # the QR code's address and the owner never change
        value = snap.get(key)
        if key in ("dossier_deadline_policy", "mask_secrets_in_summary",
                  "requires_moderation") and value is None:
            continue  # a revision older than the policy
        setattr(programme, key, _date(value) if key in ("submission_opens", "submission_closes", "application_from",
                                                       "application_to", "dossier_deadline") else value)
    service.validate_settings(programme)
    try:
        service.check_moderation_change(programme, was_moderated)
    except service.ProgrammeError as exc:
        raise RestoreError(str(exc)) from None
    audit.record(actor, programme, "programme.restore")


register(Spec(
    Programme, "programme", "Chương trình sáng kiến",
    lambda session, ids: _columns(session, Programme, ids, PROGRAMME_KEYS),
    fields={"name": ("Tên chương trình", "text"), "slug": ("Đường dẫn rút gọn", "text"),
            "description": ("Mô tả", "text"), "submission_opens": ("Mở nhận từ", "date"),
            "submission_closes": ("Nhận đến hết ngày", "date"), "application_from": ("Áp dụng từ", "date"),
            "application_to": ("Áp dụng đến", "date"), "dossier_deadline": ("Hạn nộp hồ sơ", "date"),
            "dossier_deadline_policy": ("Hồ sơ gửi sau hạn", "map:deadline_policy"),
            "mask_secrets_in_summary": ("Che bí mật công nghệ trong bảng tổng hợp", "bool"),
            "requires_moderation": ("Ban tổ chức thông qua trước khi thẩm định", "bool"),
            "fields": ("Lĩnh vực", "text"), "description_limit": ("Giới hạn mô tả (ký tự)", "text"),
            "default_quota": ("Chỉ tiêu mặc định", "text"), "status": ("Trạng thái", "map:programme_status"),
            "owner_unit_id": ("Đơn vị phát động", "ref:unit")},
    unit_of=lambda s: s.get("owner_unit_id"), restore=restore_programme,
    can_restore=lambda user, p: access.can_manage_programme(user, p),
))


def restore_quota(actor, quota, snap, expected_version):  # noqa: ARG001 - quotas carry no version
    """The quota allotted then; refused (by allot_quotas) below what the unit already nominated, or above
    what the upper level itself holds."""
    from adminapp.extensions import db
    from adminapp.workflow import programmes as service

    programme = db.session.get(Programme, quota.programme_id)
    unit = db.session.get(Unit, quota.unit_id)
    parent = unit.parent
    if parent is None:
        raise RestoreError("Không khôi phục được chỉ tiêu này.")
    service.allot_quotas(actor, programme, {quota.unit_id: snap.get("quota")}, unit=parent)


register(Spec(
    ProgrammeQuota, "programme_quota", "Chỉ tiêu sáng kiến",
    lambda session, ids: _columns(session, ProgrammeQuota, ids, ("programme_id", "unit_id", "quota")),
    fields={"programme_id": ("Chương trình", "ref:programme"), "unit_id": ("Đơn vị", "ref:unit"),
            "quota": ("Chỉ tiêu", "text")},
    unit_of=lambda s: s.get("unit_id"), restore=restore_quota,
    can_restore=lambda user, q: access.has_permission(user, "programme.manage") and q.unit.parent_id is not None
    and access.acts_for(user, q.unit.parent_id),
))

DOSSIER_KEYS = ("programme_id", "unit_id", "letter_number", "letter_date", "signer", "signer_title", "place",
                "file_name", "file_data", "sent_at", "late", "version")


def restore_dossier(actor, dossier, snap, expected_version):
    """The cover letter's number, date and signer as they were (the file is kept as it is now: an earlier
    file is not stored once replaced). A sent dossier is not changed."""
    from adminapp.workflow import dossiers

    dossiers.update_dossier(actor, dossier, letter_number=snap.get("letter_number"),
                            letter_date=_date(snap.get("letter_date")), signer=snap.get("signer"),
                            signer_title=snap.get("signer_title"), place=snap.get("place"),
                            expected_version=expected_version)


register(Spec(
    Dossier, "initiative_dossier", "Hồ sơ xét chọn", lambda session, ids: _columns(session, Dossier, ids, DOSSIER_KEYS),
    fields={"programme_id": ("Chương trình", "ref:programme"), "unit_id": ("Đơn vị", "ref:unit"),
            "letter_number": ("Số Tờ trình", "text"), "letter_date": ("Ngày Tờ trình", "date"),
            "signer": ("Người ký", "text"), "signer_title": ("Chức vụ người ký", "text"),
            "place": ("Địa danh", "text"), "file_name": ("Tên tệp Tờ trình", "text"),
            "file_data": ("Tệp Tờ trình", "file"), "sent_at": ("Đã gửi lúc", "datetime"),
            "late": ("Nộp muộn", "bool")},
    unit_of=lambda s: s.get("unit_id"), restore=restore_dossier,
    can_restore=lambda user, d: access.can_manage_dossier(user, d.unit) and d.sent_at is None,
))


# --------------------------------------------------------------------------- deadline extensions (issue 15)

EXTENSION_KEYS = ("campaign_id", "programme_id", "kind", "unit_id", "owner_unit_id", "previous_date", "new_date",
                  "reason")

register(Spec(
    DeadlineExtension, "deadline_extension", "Gia hạn",
    lambda session, ids: _columns(session, DeadlineExtension, ids, EXTENSION_KEYS),
    fields={"campaign_id": ("Phong trào", "ref:campaign"), "programme_id": ("Chương trình", "ref:programme"),
            "kind": ("Hạn", "map:deadline_kind"), "unit_id": ("Đơn vị được gia hạn (trống: mọi đơn vị)", "ref:unit"),
            "previous_date": ("Hạn trước", "date"), "new_date": ("Hạn mới", "date"), "reason": ("Lý do", "text")},
    unit_of=lambda s: s.get("owner_unit_id"),
))


# --------------------------------------------------------------------------- display lookups

MAPS = {
    "map:launch_level": labels.LAUNCH_LEVELS, "map:campaign_kind": labels.CAMPAIGN_KINDS,
    "map:campaign_status": labels.CAMPAIGN_STATUSES, "map:registration_status": labels.REGISTRATION_STATUSES,
    "map:level": {k: v for k, v in labels.LEVELS.items()}, "map:unit_kind": labels.UNIT_KINDS,
    "map:programme_status": labels.PROGRAMME_STATUSES, "map:permission": access.PERMISSIONS,
    "map:deadline_policy": labels.DEADLINE_POLICIES,
    "map:deadline_kind": {"registration": "Hạn đăng ký", "dossier": "Hạn nộp hồ sơ"},
}
REFS = {"ref:unit": Unit, "ref:role": Role, "ref:campaign": Campaign, "ref:programme": Programme}


def lookups(spec: Spec, snapshots: list[dict], days=()) -> dict:
    """Names for every id the snapshots mention (one statement per kind of reference). With `days` (the
    revisions' dates), units are also named as on each of those days (adminapp.unit_history, one statement):
    `as_of(names, day)` gives the lookups of one revision, so a 2021 change reads the 2021 names."""
    from adminapp.extensions import db
    from models import CampaignRole

    out: dict = dict(MAPS)
    wanted: dict[str, set] = {}
    for snap in snapshots:
        for key, (_, kind) in spec.fields.items():
            value = (snap or {}).get(key)
            if kind.startswith("ref:") and value is not None:
                wanted.setdefault(kind, set()).update(value if isinstance(value, list) else [value])
            if kind == "rows:campaign_units":
                for unit_id, role_id in value or []:
                    wanted.setdefault("ref:unit", set()).add(unit_id)
                    wanted.setdefault("ref:campaign_role", set()).add(role_id)
    refs = dict(REFS, **{"ref:campaign_role": CampaignRole})
    for kind, ids in wanted.items():
        model = refs[kind]
        name_col = model.title if model is Role else model.name
        out[kind] = dict(db.session.execute(select(model.id, name_col).where(model.id.in_(ids))).all())
    units = out.get("ref:unit", {})
    days = {unit_history.record_day(d) for d in days} - {None}
    out["unit_names_on"] = unit_history.names_on_days((u, d) for u in units for d in days) if days else {}
    _bind_units(out, units)
    out["rows:attachments"] = lambda rows: ", ".join(name for _, name in rows) or "(trống)"
    out["rows:links"] = lambda rows: ", ".join(title or url for url, title in rows) or "(trống)"
    out["rows:participants"] = lambda rows: "; ".join(
        f"{n}{f' ({y})' if y else ''}" for _, n, y, *_ in rows) or "(trống)"
    return out


def _bind_units(out: dict, units: dict) -> None:
    roles = out.get("ref:campaign_role", {})
    out["ref:unit"] = units
    out["rows:campaign_units"] = lambda rows: "; ".join(
        f"{units.get(u, f'#{u}')} ({roles.get(r, '')})" for u, r in rows) or "(trống)"


def as_of(names: dict, when) -> dict:
    """The lookups of `lookups(…, days)` with units named as on the date of `when` (a date or timestamp)."""
    day = unit_history.record_day(when)
    dated = names.get("unit_names_on") or {}
    if day is None or not dated:
        return names
    out = dict(names)
    _bind_units(out, {u: dated.get((u, day), name) for u, name in names.get("ref:unit", {}).items()})
    return out


def model_of(obj) -> type:
    return sa_inspect(obj).mapper.class_


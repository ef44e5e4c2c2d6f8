"""Campaigns (Phong trào thi đua): create, edit, launch down the tree, archive, delete drafts.

Source: ../shared/DOMAIN.md workflow 1, seed 000. Services check permissions through
adminapp.access, write one audit event per change and never commit (the caller does).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from urllib.parse import urlparse

from sqlalchemy import func, select, update

from adminapp import access, audit, field_rules, labels, unit_history, uploads, versioning
from adminapp.extensions import db
from adminapp.text import nfc
from models import (
    Campaign,
    CampaignAttachment,
    CampaignLink,
    CampaignRole,
    CampaignUnit,
    Participant,
    Registration,
    Unit,
    User,
    utcnow,
)

EDITABLE_FIELDS = (
    "name", "launch_level", "kind", "start_date", "end_date", "description",
    "registration_deadline", "dossier_deadline", "for_individuals", "for_collectives",
    "registration_deadline_policy",
)
# A deadline more than this before the start or after the end is a typing mistake.
DEADLINE_SLACK = timedelta(days=366)


class CampaignError(ValueError):
    """A refused campaign operation; `message` (and `errors`) are Vietnamese, shown to the user."""

    def __init__(self, message: str, errors: list[str] | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or [message]


@dataclass
class BulkResult:
    changed: list[int] = field(default_factory=list)
    skipped: list[tuple[int, str, str]] = field(default_factory=list)  # (id, label, Vietnamese reason)

    def message(self, verb: str) -> str:
        text = f"Đã {verb} {len(self.changed)}; bỏ qua {len(self.skipped)}"
        if self.skipped:
            text += ": " + "; ".join(f"{label} – {reason}" for _, label, reason in self.skipped)
        return text + "."


# --------------------------------------------------------------------------- reference data


def ensure_default_roles() -> int:
    """Insert the default roles of a participating unit that are missing (idempotent). Returns rows added."""
    existing = set(db.session.execute(select(CampaignRole.code)).scalars())
    added = 0
    for order, (code, name) in enumerate(labels.DEFAULT_CAMPAIGN_ROLES):
        if code not in existing:
            db.session.add(CampaignRole(code=code, name=name, sort_order=order, active=True))
            added += 1
    if added:
        db.session.flush()
    return added


def active_roles() -> list[CampaignRole]:
    ensure_default_roles()
    return list(db.session.execute(
        select(CampaignRole).where(CampaignRole.active.is_(True)).order_by(CampaignRole.sort_order, CampaignRole.id)
    ).scalars())


def default_role() -> CampaignRole:
    roles = active_roles()
    return next((r for r in roles if r.code == "member"), roles[-1])


def candidate_units(owner: Unit) -> list[Unit]:
    """Units a campaign of `owner` may be launched to: active units strictly below the owner."""
    cond = (access.subtree_condition(Unit.path, owner.path) & (Unit.id != owner.id) & Unit.active.is_(True)
            & unit_history.valid_on())
    return list(db.session.execute(select(Unit).where(cond).order_by(Unit.path)).scalars())


# --------------------------------------------------------------------------- validation


def validate_fields(values: dict) -> list[str]:
    """Vietnamese messages for every problem of the campaign's own fields (empty list: valid)."""
    errors: list[str] = []
    name = nfc(values.get("name") or "").strip()
    if not name:
        errors.append("Tên phong trào không được để trống.")
    elif len(name) > 500:
        errors.append("Tên phong trào dài quá 500 ký tự.")
    if values.get("launch_level") not in labels.LAUNCH_LEVELS:
        errors.append("Vui lòng chọn cấp phát động.")
    if values.get("kind") not in labels.CAMPAIGN_KINDS:
        errors.append("Vui lòng chọn loại phong trào.")
    start, end = values.get("start_date"), values.get("end_date")
    if not isinstance(start, date):
        errors.append("Vui lòng nhập ngày bắt đầu (dd/mm/yyyy).")
    if not isinstance(end, date):
        errors.append("Vui lòng nhập ngày kết thúc (dd/mm/yyyy).")
    if isinstance(start, date) and isinstance(end, date):
        if end < start:
            errors.append("Ngày kết thúc phải sau hoặc trùng ngày bắt đầu.")
        reg, dossier = values.get("registration_deadline"), values.get("dossier_deadline")
        if reg is not None and not (start - DEADLINE_SLACK <= reg <= end):
            errors.append("Hạn đăng ký phải nằm trong thời gian của phong trào (không sau ngày kết thúc).")
        if dossier is not None and not (start - DEADLINE_SLACK <= dossier <= end + DEADLINE_SLACK):
            errors.append("Hạn nộp hồ sơ phải nằm trong khoảng một năm quanh thời gian của phong trào.")
        if reg is not None and dossier is not None and dossier < reg:
            errors.append("Hạn nộp hồ sơ không được trước hạn đăng ký.")
    if not values.get("for_individuals") and not values.get("for_collectives"):
        errors.append("Vui lòng chọn đối tượng tham gia: cá nhân, tập thể hoặc cả hai.")
    if values.get("registration_deadline_policy", "late") not in labels.DEADLINE_POLICIES:
        errors.append("Vui lòng chọn cách xử lý danh sách gửi sau hạn đăng ký.")
    return errors


def _check_values(values: dict) -> dict:
    clean = {k: values.get(k) for k in EDITABLE_FIELDS}
    clean["name"] = nfc(clean.get("name") or "").strip()
    clean["description"] = nfc(clean.get("description") or "").strip() or None
    clean["for_individuals"] = bool(clean.get("for_individuals"))
    clean["for_collectives"] = bool(clean.get("for_collectives"))
    clean["registration_deadline_policy"] = clean.get("registration_deadline_policy") or "late"
    errors = validate_fields(clean)
    if errors:
        raise CampaignError(errors[0], errors)
    return clean


def _require_manage(actor: User, campaign: Campaign) -> None:
    if not access.can_manage_campaign(actor, campaign):
        raise access.PermissionDenied("Chỉ chuyên viên của đơn vị phát động được thay đổi phong trào này.")


# --------------------------------------------------------------------------- campaign


def create_campaign(*, actor: User, units: list[tuple[Unit, CampaignRole]] | None = None, **values) -> Campaign:
    """A draft owned by the creator's unit (never chosen). Audited as campaign.create."""
    if not access.offers(actor, "campaign.create"):
        raise access.PermissionDenied("Bạn không có quyền tạo phong trào (hoặc đơn vị không có đơn vị trực thuộc "
                                      "để phát động).")
    clean = _check_values(values)
    campaign = Campaign(owner_unit=actor.unit, owner_unit_id=actor.unit_id, created_by_id=actor.id,
                        status="draft", **clean)
    db.session.add(campaign)
    db.session.flush()
    for unit, role in units or []:
        _add_unit(actor, campaign, unit, role, audited=False)
    audit.record(actor, campaign, "campaign.create", None, "draft",
                 details={"name": campaign.name, "units": [[u.code, r.name] for u, r in units or []]})
    return campaign


class CampaignConflict(CampaignError, versioning.VersionConflict):
    """Somebody changed the campaign (its fields, units, files or links) after this user opened it: nothing
    is overwritten (the version covers the whole aggregate, adminapp.versioning)."""


CAMPAIGN_CONFLICT = ("Phong trào này vừa được người khác sửa (nội dung, đơn vị tham gia, tệp hoặc liên kết) sau "
                     "khi bạn mở nó. Hãy mở lại để xem nội dung mới rồi sửa lại.")


def check_version(campaign: Campaign, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != campaign.version:
        raise CampaignConflict(CAMPAIGN_CONFLICT)


def update_campaign(*, actor: User, campaign: Campaign, expected_version: int | None = None, **values) -> Campaign:
    """Edit the fields (a launched campaign too: extend deadlines...). Audited with the changed fields.

    The save always bumps the version, with the check in the UPDATE, so the participating units synced
    from the same form (sync_participating_units) are written only over the version the form was opened on."""
    _require_manage(actor, campaign)
    if campaign.status == "archived":
        raise CampaignError("Phong trào đã kết thúc, không sửa được nữa.")
    check_version(campaign, expected_version)
    clean = _check_values(values)
    changed = {}
    for key, value in clean.items():
        old = getattr(campaign, key)
        if old != value:
            changed[key] = [_jsonable(old), _jsonable(value)]
    try:
        field_rules.refuse_readonly_changes(actor, "campaign", changed)
    except field_rules.ReadOnlyField as exc:
        raise CampaignError(exc.message) from None
    for key in changed:
        setattr(campaign, key, clean[key])
    versioning.touch(campaign)
    db.session.flush()
    if changed:
        audit.record(actor, campaign, "campaign.update", campaign.status, campaign.status,
                     details={"fields": changed})
    return campaign


def _jsonable(value):
    return value.isoformat() if isinstance(value, (date, datetime)) else value


def launch_campaign(*, actor: User, campaign: Campaign, now: datetime | None = None) -> Campaign:
    """Draft -> launched: ≥1 participating unit, all strictly below the owner, valid dates; one
    registration "Chưa gửi" per participating unit. Audited as campaign.launch."""
    _require_manage(actor, campaign)
    if campaign.status != "draft":
        raise CampaignError(f"Chỉ phát động được phong trào ở trạng thái bản nháp (hiện tại: "
                            f"{labels.CAMPAIGN_STATUSES.get(campaign.status, campaign.status)}).")
    errors = validate_fields({k: getattr(campaign, k) for k in EDITABLE_FIELDS})
    if not campaign.units:
        errors.append("Phải chọn ít nhất một đơn vị tham gia trước khi phát động.")
    for cu in campaign.units:
        if not access.is_strictly_below(cu.unit, campaign.owner_unit):
            errors.append(f"Đơn vị “{cu.unit.name}” không trực thuộc đơn vị phát động.")
    if errors:
        raise CampaignError(errors[0], errors)
    now = now or utcnow()
    campaign.status = "launched"
    campaign.launched_at = now
    for cu in campaign.units:
        db.session.add(Registration(campaign=campaign, campaign_id=campaign.id, unit_id=cu.unit_id,
                                    status="not_sent", created_at=now))
    db.session.flush()
    audit.record(actor, campaign, "campaign.launch", "draft", "launched",
                 details={"units": [cu.unit.code for cu in campaign.units]})
    from adminapp import notifications

    notifications.on_campaign_launched(actor, campaign)
    return campaign


def launch_many(*, actor: User, campaigns: list[Campaign], now: datetime | None = None) -> BulkResult:
    """Bulk Phát động: each draft is launched or skipped with its reason."""
    result = BulkResult()
    for campaign in campaigns:
        try:
            with db.session.begin_nested():
                launch_campaign(actor=actor, campaign=campaign, now=now)
            result.changed.append(campaign.id)
        except (CampaignError, access.PermissionDenied) as exc:
            result.skipped.append((campaign.id, campaign.name, exc.message))
    return result


def archive_campaign(*, actor: User, campaign: Campaign, now: datetime | None = None) -> Campaign:
    """Launched -> archived (ended): a launched campaign is never deleted (DOMAIN.md "Nothing is lost")."""
    _require_manage(actor, campaign)
    if campaign.status != "launched":
        raise CampaignError("Chỉ kết thúc (lưu trữ) được phong trào đã phát động.")
    campaign.status = "archived"
    campaign.archived_at = now or utcnow()
    db.session.flush()
    audit.record(actor, campaign, "campaign.archive", "launched", "archived")
    return campaign


def delete_campaign(*, actor: User, campaign: Campaign) -> None:
    """Only a draft is deleted (with its units, files and links); launched ones are archived."""
    _require_manage(actor, campaign)
    if campaign.status != "draft":
        raise CampaignError("Phong trào đã phát động không xóa được; hãy dùng “Kết thúc” để lưu trữ.")
    audit.record(actor, campaign, "campaign.delete", "draft", None, details={"name": campaign.name})
    removed = db.session.execute(select(CampaignAttachment).where(CampaignAttachment.campaign_id == campaign.id,
                                                                  CampaignAttachment.removed_at.is_not(None))).scalars()
    for rows in (campaign.units, campaign.attachments, campaign.links, list(removed)):
        for row in list(rows):
            db.session.delete(row)
    db.session.delete(campaign)
    db.session.flush()


# --------------------------------------------------------------------------- participating units


def _add_unit(actor: User, campaign: Campaign, unit: Unit, role: CampaignRole, audited: bool = True) -> CampaignUnit:
    if unit is None or not access.is_strictly_below(unit, campaign.owner_unit):
        raise CampaignError("Chỉ chọn được đơn vị trực thuộc đơn vị phát động.")
    if role is None:
        raise CampaignError("Vui lòng chọn vai trò của đơn vị.")
    if any(cu.unit_id == unit.id for cu in campaign.units):
        raise CampaignError(f"Đơn vị “{unit.name}” đã có trong danh sách tham gia.")
    cu = CampaignUnit(campaign=campaign, unit=unit, unit_id=unit.id, role=role, role_id=role.id)
    db.session.add(cu)
    if campaign.status == "launched":
        db.session.add(Registration(campaign=campaign, campaign_id=campaign.id, unit_id=unit.id, status="not_sent"))
    versioning.touch(campaign)
    db.session.flush()
    if audited:
        audit.record(actor, campaign, "campaign.unit_add", details={"unit": unit.code, "role": role.name})
    return cu


def add_participating_unit(*, actor: User, campaign: Campaign, unit: Unit, role: CampaignRole) -> CampaignUnit:
    """Add a unit (draft or launched: a launched campaign gets its registration at once). Audited."""
    _require_manage(actor, campaign)
    if campaign.status == "archived":
        raise CampaignError("Phong trào đã kết thúc, không thêm được đơn vị.")
    return _add_unit(actor, campaign, unit, role)


def remove_participating_unit(*, actor: User, campaign: Campaign, campaign_unit: CampaignUnit) -> None:
    """Remove a unit; after launch only while its list is untouched (Chưa gửi, no participant)."""
    _require_manage(actor, campaign)
    if campaign_unit.campaign_id != campaign.id:
        raise CampaignError("Đơn vị không thuộc phong trào này.")
    if campaign.status == "archived":
        raise CampaignError("Phong trào đã kết thúc, không bỏ được đơn vị.")
    reg = db.session.execute(select(Registration).where(
        Registration.campaign_id == campaign.id, Registration.unit_id == campaign_unit.unit_id)).scalar_one_or_none()
    if reg is not None:
        has_rows = db.session.execute(
            select(func.count()).select_from(Participant).where(Participant.registration_id == reg.id)).scalar_one()
        if reg.status != "not_sent" or has_rows:
            raise CampaignError("Đơn vị đã lập hoặc gửi danh sách đăng ký, không bỏ khỏi phong trào được.")
        db.session.delete(reg)
    audit.record(actor, campaign, "campaign.unit_remove", details={"unit": campaign_unit.unit.code})
    db.session.delete(campaign_unit)
    versioning.touch(campaign)
    db.session.flush()


# --------------------------------------------------------------------------- attachments and links


def add_attachment(*, actor: User, campaign: Campaign, filename: str | None, data: bytes,
                   max_mb: int | None = None) -> CampaignAttachment:
    """Store a file in the database after checking its type by content and its size. Audited."""
    _require_manage(actor, campaign)
    if campaign.status == "archived":
        raise CampaignError("Phong trào đã kết thúc, không thêm được tệp.")
    try:
        safe, content_type = uploads.check_upload(filename, data, max_mb)
    except uploads.UploadError as exc:
        raise CampaignError(exc.message) from exc
    att = CampaignAttachment(campaign=campaign, filename=safe, content_type=content_type, size=len(data),
                             data=data, uploaded_by_id=actor.id)
    db.session.add(att)
    versioning.touch(campaign)
    db.session.flush()
    audit.record(actor, campaign, "campaign.attachment_add", details={"file": safe, "size": len(data)})
    return att


def remove_attachment(*, actor: User, attachment: CampaignAttachment) -> None:
    campaign = attachment.campaign
    _require_manage(actor, campaign)
    if campaign.status == "archived":
        raise CampaignError("Phong trào đã kết thúc, không xóa được tệp.")
    audit.record(actor, campaign, "campaign.attachment_remove", details={"file": attachment.filename})
    attachment.removed_at = utcnow()  # kept for the campaign's history (restore), never served again
    versioning.touch(campaign)
    db.session.flush()
    db.session.expire(campaign, ["attachments"])


def readd_attachment(*, actor: User, attachment: CampaignAttachment) -> None:
    """A removed file back on its campaign (restore from the history)."""
    campaign = attachment.campaign
    _require_manage(actor, campaign)
    if campaign.status == "archived":
        raise CampaignError("Phong trào đã kết thúc, không thêm được tệp.")
    attachment.removed_at = None
    audit.record(actor, campaign, "campaign.attachment_add", details={"file": attachment.filename, "restored": True})
    versioning.touch(campaign)
    db.session.flush()
    db.session.expire(campaign, ["attachments"])


def validate_url(url: str | None) -> str:
    url = (url or "").strip()
    if not url:
        raise CampaignError("Vui lòng nhập địa chỉ liên kết.")
    if len(url) > 2000 or any(ch.isspace() for ch in url):
        raise CampaignError("Địa chỉ liên kết không hợp lệ.")
    parsed = urlparse(url)
    if parsed.scheme.lower() not in ("http", "https") or not parsed.netloc:
        raise CampaignError("Liên kết phải là địa chỉ web bắt đầu bằng http:// hoặc https://.")
    return url


def add_link(*, actor: User, campaign: Campaign, url: str | None, title: str | None = None) -> CampaignLink:
    _require_manage(actor, campaign)
    if campaign.status == "archived":
        raise CampaignError("Phong trào đã kết thúc, không thêm được liên kết.")
    url = validate_url(url)
    link = CampaignLink(campaign=campaign, url=url, title=nfc(title or "").strip()[:255] or None)
    db.session.add(link)
    versioning.touch(campaign)
    db.session.flush()
    audit.record(actor, campaign, "campaign.link_add", details={"url": url})
    return link


def remove_link(*, actor: User, link: CampaignLink) -> None:
    campaign = link.campaign
    _require_manage(actor, campaign)
    audit.record(actor, campaign, "campaign.link_remove", details={"url": link.url})
    db.session.delete(link)
    versioning.touch(campaign)
    db.session.flush()


# --------------------------------------------------------------------------- receiving side


def own_registration(user: User, campaign: Campaign) -> Registration | None:
    return db.session.execute(select(Registration).where(
        Registration.campaign_id == campaign.id, Registration.unit_id == user.unit_id)).scalar_one_or_none()


def mark_opened(*, user: User, campaign: Campaign, now: datetime | None = None) -> bool:
    """The first opening by the receiving unit clears its unread marker (not a state change: not audited)."""
    if campaign.status == "draft":
        return False
    # A Core update that leaves the version alone: opening never conflicts with a reviewer's change.
    result = db.session.execute(
        update(Registration)
        .where(Registration.campaign_id == campaign.id, Registration.unit_id == user.unit_id,
               Registration.read_at.is_(None))
        .values(read_at=now or utcnow()),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount == 1


def sync_participating_units(*, actor: User, campaign: Campaign, pairs: list[tuple[Unit, CampaignRole]]) -> None:
    """Make the participating units exactly `pairs` (from the edit form): add, re-role, remove. Audited."""
    _require_manage(actor, campaign)
    wanted = {}
    for unit, role in pairs:
        if unit.id in wanted:
            raise CampaignError(f"Đơn vị “{unit.name}” được chọn hai lần.")
        wanted[unit.id] = (unit, role)
    for cu in list(campaign.units):
        if cu.unit_id not in wanted:
            remove_participating_unit(actor=actor, campaign=campaign, campaign_unit=cu)
            if cu in campaign.units:  # the deleted row leaves the loaded collection too
                campaign.units.remove(cu)
        else:
            _, role = wanted.pop(cu.unit_id)
            if cu.role_id != role.id:
                audit.record(actor, campaign, "campaign.update",
                             details={"unit": cu.unit.code, "role": [cu.role.name, role.name]})
                cu.role = role
                versioning.touch(campaign)
    for unit, role in wanted.values():
        add_participating_unit(actor=actor, campaign=campaign, unit=unit, role=role)
    db.session.flush()

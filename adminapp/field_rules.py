"""Field rules as data (issue 12): per role, per kind of record, per field: hidden, read-only or editable.

The administrator sets them in the role editor (Hệ thống → Vai trò); they are stored on the role
(Role.field_rules: {"initiative": {"phone": "hidden"}, …}) and so load with the user's roles in the one
statement every request already makes. With several roles, the most open wins (a field hidden by one role
but visible through another is visible). No rule means today's behaviour: editable where the form offers it.

Everywhere a field appears asks `mode(user, kind, field)` (or `hidden_fields`): list, details and edit pages,
filters, search, exports (background ones run as the user, so they follow too), ajax lookups, the history
pages and the summary documents. A read-only field posted anyway is refused, never silently dropped.
"""
from __future__ import annotations

EDITABLE, READONLY, HIDDEN = "editable", "readonly", "hidden"
MODES = {EDITABLE: "Được sửa", READONLY: "Chỉ xem", HIDDEN: "Ẩn"}
_RANK = {EDITABLE: 0, READONLY: 1, HIDDEN: 2}

# The fields a rule can govern, by kind of record (the revision/audit object types), in Vietnamese. The names
# that identify a record everywhere (a campaign's or unit's name, an initiative's title, a person's name) are
# not governed: they are how the record is shown in lists, logs and links.
CATALOG: dict[str, tuple[str, dict[str, str]]] = {
    "initiative": ("Sáng kiến", {
        "author_name": "Tác giả", "birth_year": "Năm sinh", "position": "Chức vụ", "phone": "Điện thoại",
        "description": "Tóm tắt nội dung", "effectiveness": "Hiệu quả",
        "benefit_value": "Giá trị làm lợi", "scope": "Phạm vi ứng dụng", "awards": "Danh hiệu, khen thưởng 03 năm",
        "score": "Điểm", "opinion": "Ý kiến thẩm định", "reject_reason": "Lý do không đạt",
    }),
    "user_account": ("Người dùng", {
        "email": "Thư điện tử", "phone": "Điện thoại", "unit": "Đơn vị",
        "roles": "Vai trò", "active": "Đang hoạt động", "last_login_at": "Đăng nhập lần cuối",
    }),
    "unit": ("Đơn vị", {
        "short_name": "Tên viết tắt", "kind": "Loại", "parent": "Đơn vị cấp trên",
        "default_quota": "Chỉ tiêu mặc định", "sort_order": "Thứ tự", "active": "Đang hoạt động",
        "valid_from": "Hiệu lực từ", "valid_to": "Hiệu lực đến",
    }),
    "campaign": ("Phong trào", {
        "description": "Diễn giải", "start_date": "Ngày bắt đầu",
        "end_date": "Ngày kết thúc", "registration_deadline": "Hạn đăng ký", "dossier_deadline": "Hạn nộp hồ sơ",
    }),
    "programme": ("Chương trình sáng kiến", {
        "description": "Mô tả", "dossier_deadline": "Hạn nộp hồ sơ",
        "default_quota": "Chỉ tiêu mặc định", "description_limit": "Giới hạn mô tả (ký tự)",
    }),
}


class ReadOnlyField(ValueError):
    def __init__(self, label: str):
        self.message = f"Bạn không được sửa trường “{label}” (vai trò của bạn chỉ được xem trường này)."
        super().__init__(self.message)


def validate(rules) -> dict:
    """The rules of the role editor, cleaned: only catalogued kinds and fields, only known modes."""
    clean: dict[str, dict[str, str]] = {}
    for kind, fields in (rules or {}).items():
        if kind not in CATALOG or not isinstance(fields, dict):
            continue
        for name, value in fields.items():
            if name in CATALOG[kind][1] and value in (READONLY, HIDDEN):
                clean.setdefault(kind, {})[name] = value
    return clean


def mode(user, kind: str, field: str) -> str:
    """The field's mode for the user: the most open over the user's roles (editable without a rule)."""
    roles = getattr(user, "roles", None) or []
    if not roles or kind not in CATALOG or field not in CATALOG[kind][1]:
        return EDITABLE
    return min(((r.field_rules or {}).get(kind, {}).get(field, EDITABLE) for r in roles), key=_RANK.__getitem__)


def restricted(user, kind: str) -> dict[str, str]:
    """{field: mode} of the fields of `kind` that are not editable for the user (cached on the user)."""
    cache = getattr(user, "_field_rule_cache", None)
    if cache is None:
        cache = {}
        try:
            user._field_rule_cache = cache
        except AttributeError:  # an anonymous user object
            pass
    if kind not in cache:
        names = CATALOG.get(kind, ("", {}))[1]
        cache[kind] = {f: m for f in names if (m := mode(user, kind, f)) != EDITABLE}
    return cache[kind]


def hidden_fields(user, kind: str) -> set[str]:
    return {f for f, m in restricted(user, kind).items() if m == HIDDEN}


def readonly_fields(user, kind: str) -> set[str]:
    return set(restricted(user, kind))  # a hidden field is not editable either


def label(kind: str, field: str) -> str:
    return CATALOG.get(kind, ("", {}))[1].get(field, field)


def refuse_readonly_changes(user, kind: str, changes: dict) -> None:
    """`changes` {field: new value} from a form or service call: a read-only or hidden field among them is
    refused with the field's name (the caller changes nothing)."""
    blocked = readonly_fields(user, kind)
    for name in changes:
        if name in blocked:
            raise ReadOnlyField(label(kind, name))

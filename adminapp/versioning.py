"""Lost-update protection for whole aggregates (issue 16).

A record and the rows that belong to it are one aggregate under one version column, the root's:
the campaign with its participating units, roles, attachments and links; the dossier with its file; the
participant list (registration) with its rows. Every change of a child row bumps the root's version, with
the same check as an edit of the root (UPDATE … SET version = v + 1 WHERE id = :id AND version = v), so a
form opened before that change is refused instead of silently undoing it.

Bookkeeping (last login, "opened" markers) never goes through here: it must not bump a version or take a
lock that business edits wait on.
"""
from __future__ import annotations

from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm.attributes import flag_modified

from adminapp import params

CONFLICT = ("Bản ghi này vừa được người khác sửa sau khi bạn mở nó. Thay đổi của bạn chưa được lưu: "
            "hãy mở lại bản ghi để xem nội dung mới rồi sửa lại.")


class VersionConflict(ValueError):
    """The user's form was opened on an older version of the aggregate; nothing was changed."""

    def __init__(self, message: str = CONFLICT):
        super().__init__(message)
        self.message = message


def parse_version(value) -> int | None:
    """The version a form was opened on (hidden field), or None when the form did not carry one."""
    return params.parse_int(value, None, lo=1)


def check(root, expected: int | None, message: str = CONFLICT) -> None:
    """Refuse a change made from a form opened on another version of `root` (None: not checked)."""
    if expected is not None and getattr(root, "version", None) is not None and expected != root.version:
        raise VersionConflict(message)


def touch(root) -> None:
    """A row of `root`'s aggregate changed: bump the root's version at the next flush, with the version
    check in the UPDATE (a concurrent change of the aggregate makes this flush fail with StaleDataError)."""
    state = sa_inspect(root)
    if state.transient or state.pending:
        return  # a new root is inserted with its first version
    mapper = state.mapper
    version_key = mapper.get_property_by_column(mapper.version_id_col).key
    keys = {mapper.get_property_by_column(c).key for c in mapper.primary_key} | {version_key}
    unloaded = state.unloaded
    attr = next(p.key for p in mapper.column_attrs
                if p.key not in keys and p.key not in unloaded and len(p.columns) == 1
                and p.columns[0].table is mapper.local_table)
    flag_modified(root, attr)

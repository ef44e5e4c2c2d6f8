"""Filters whose choices never list rows outside the user's scope.

Flask-Admin's relationship filters offer every related row (every unit of the
country) in their dropdown; ours take typed text and match it against the
folded search column of rows that are themselves scoped by the list query.
"""
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from sqlalchemy import select
from sqlalchemy.orm import aliased

from adminapp.text import like_pattern
from models import Unit

_FILTER_UNIT = aliased(Unit, name="filter_unit")  # made once: an alias adapts its columns anew when first used


class UnitTextFilter(BaseSQLAFilter):
    """`column` (a unit id column) points at a unit whose name or code contains the text (no diacritics needed)."""

    def apply(self, query, value, alias=None):  # noqa: ARG002
        u = _FILTER_UNIT
        ids = select(u.id).where(u.search_text.like(like_pattern(value), escape="\\"))
        return query.filter(self.column.in_(ids))

    def operation(self):
        return "chứa"


class TextContainsFilter(BaseSQLAFilter):
    """Plain text contains on a column holding codes/usernames (folded both sides in Python-free SQL)."""

    def apply(self, query, value, alias=None):  # noqa: ARG002
        return query.filter(self.column.like(like_pattern(value), escape="\\"))

    def operation(self):
        return "chứa"

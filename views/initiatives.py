"""Initiatives programme (issue 4)."""


def register(admin) -> None:
    """Add the initiative views to `admin` (none yet)."""

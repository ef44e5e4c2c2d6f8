"""Campaigns (issue 3): Phong trào, registrations and participant lists."""


def register(admin) -> None:
    """Add the campaign views to `admin` (none yet)."""

"""Public blueprint (no login): the initiative form, tracking page, QR code (issue 4)."""
from flask import Blueprint

bp = Blueprint("public", __name__, url_prefix="/sang-kien")

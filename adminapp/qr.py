"""QR codes of the public form (seed 004: members reach the form by scanning a QR code), made locally with segno."""
from __future__ import annotations

import io

import segno


def png(url: str, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buf, kind="png", scale=scale, border=4)
    return buf.getvalue()


def svg(url: str, scale: int = 8) -> bytes:
    buf = io.BytesIO()
    segno.make(url, error="m", micro=False).save(buf, kind="svg", scale=scale, border=4, xmldecl=False,
                                                  title="Mã QR", desc=url)
    return buf.getvalue()

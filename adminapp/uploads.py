"""Uploaded files: type decided by content (magic bytes), never by the name or the browser's claim.

Accepted (issue 3): PDF, DOC/DOCX, XLS/XLSX, ODT, PNG, JPG. The extension must agree with the
content, so an .exe renamed .pdf is refused. Names are sanitised before they are stored.
"""
from __future__ import annotations

import io
import os
import re
import unicodedata
import zipfile

DEFAULT_MAX_UPLOAD_MB = 20

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# detected kind -> (content type, allowed extensions)
KINDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "pdf": ("application/pdf", ("pdf",)),
    "png": ("image/png", ("png",)),
    "jpg": ("image/jpeg", ("jpg", "jpeg")),
    "ole2": ("application/octet-stream", ("doc", "xls")),
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ("docx",)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", ("xlsx",)),
    "odt": ("application/vnd.oasis.opendocument.text", ("odt",)),
}
OLE2_TYPES = {"doc": "application/msword", "xls": "application/vnd.ms-excel"}


class UploadError(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def sanitize_filename(name: str | None) -> str:
    """Keep letters (Vietnamese too), digits, spaces, dot, dash, underscore, parentheses; no path parts."""
    name = unicodedata.normalize("NFC", (name or "").replace("\\", "/").split("/")[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"[^\w\s.()\-]", "_", name, flags=re.UNICODE)
    name = re.sub(r"\s+", " ", name).strip(" .")
    if not name:
        name = "tep"
    stem, ext = os.path.splitext(name)
    return stem[:150] + ext[:10].lower()


def detect_kind(data: bytes) -> str | None:
    if data.startswith(b"%PDF-"):
        return "pdf"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(OLE2):
        return "ole2"
    if data.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as zf:
                names = set(zf.namelist())
                if "word/document.xml" in names:
                    return "docx"
                if "xl/workbook.xml" in names:
                    return "xlsx"
                if "mimetype" in names and zf.read("mimetype").strip() == b"application/vnd.oasis.opendocument.text":
                    return "odt"
        except (zipfile.BadZipFile, KeyError, OSError):
            return None
    return None


KIND_LABELS = {"pdf": "PDF", "ole2": "DOC, XLS", "docx": "DOCX", "xlsx": "XLSX", "odt": "ODT", "png": "PNG",
               "jpg": "JPG"}


def check_upload(filename: str | None, data: bytes, max_mb: int | None = None,
                 kinds: tuple[str, ...] | None = None) -> tuple[str, str]:
    """The one check of every uploaded file (campaign attachments, the dossier's cover letter, participant
    imports): not empty, within the size limit, an allowed extension, and content that really is that
    type (magic bytes). Returns (safe filename, content type detected from the content) or raises
    UploadError with a Vietnamese message. `kinds` narrows the accepted kinds (default: all of KINDS)."""
    max_mb = max_mb or DEFAULT_MAX_UPLOAD_MB
    kinds = tuple(kinds or KINDS)
    allowed_ext = sorted({e for k in kinds for e in KINDS[k][1]})
    allowed_label = ", ".join(KIND_LABELS[k] for k in KINDS if k in kinds)
    safe = sanitize_filename(filename)
    if data is None or not len(data):
        raise UploadError(f"Tệp “{safe}” rỗng (0 byte); hãy chọn lại tệp.")
    if len(data) > max_mb * 1024 * 1024:
        raise UploadError(f"Tệp “{safe}” vượt quá dung lượng cho phép ({max_mb} MB).")
    ext = os.path.splitext(safe)[1].lstrip(".").lower()
    if ext not in allowed_ext:
        raise UploadError(f"Tệp “{safe}” không thuộc loại được phép ({allowed_label}).")
    kind = detect_kind(data)
    if kind is None or kind not in kinds or ext not in KINDS[kind][1]:
        raise UploadError(
            f"Nội dung tệp “{safe}” không khớp với loại tệp khai báo (.{ext}). Chỉ nhận {allowed_label}."
        )
    content_type = OLE2_TYPES[ext] if kind == "ole2" else KINDS[kind][0]
    return safe, content_type

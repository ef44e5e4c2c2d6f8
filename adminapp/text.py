"""Text normalisation for diacritic-insensitive search (DOMAIN.md: "ha noi" finds "Hà Nội")."""
import re
import unicodedata

from unidecode import unidecode

_SPACES = re.compile(r"\s+")


def fold(value: str | None) -> str:
    """Lower-case ASCII form of Vietnamese text: "Hà Nội" -> "ha noi", "Đổi mới" -> "doi moi"."""
    if not value:
        return ""
    return _SPACES.sub(" ", unidecode(str(value)).lower()).strip()


def like_pattern(term: str) -> str:
    """A LIKE pattern for a folded term, with LIKE wildcards escaped (escape char '\\')."""
    folded = fold(term)
    folded = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{folded}%"


def raw_like_pattern(term: str) -> str:
    """A LIKE pattern for the term as typed (lower case, not folded), with LIKE wildcards escaped."""
    term = (term or "").lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{term}%"


# --------------------------------------------------------------------------- Unicode (NFC)
#
# Vietnamese is typed in two Unicode forms: precomposed (NFC: "ệ" is one code point) and decomposed
# (NFD, Unikey's "Unicode tổ hợp", macOS: "e" + U+0323 + U+0302). Everything typed is stored as NFC, and
# every length limit counts NFC code points: one per letter the user sees, in the browser
# (static/text_input.js) and on the server. Newlines count once ("\r\n" is stored as "\n").

PASSWORD_NAMES = frozenset({"password", "current_password", "new_password", "confirm", "password_confirm"})


def nfc(value):
    """A string in NFC with "\\r\\n" as "\\n"; anything else unchanged (None, numbers, dates, files)."""
    if not isinstance(value, str):
        return value
    if "\r" in value:
        value = value.replace("\r\n", "\n")
    return value if unicodedata.is_normalized("NFC", value) else unicodedata.normalize("NFC", value)


def visible_length(value: str | None) -> int:
    """Characters as the user sees them: NFC code points (Vietnamese letters are each one in NFC)."""
    return len(nfc(value or ""))


def nfc_multidict(data, cls, skip=PASSWORD_NAMES):
    """A copy of a (multi)dict of form values in NFC (password fields kept byte for byte)."""
    return cls([(k, v if k in skip else nfc(v)) for k, values in data.lists() for v in values])

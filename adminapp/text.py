"""Text normalisation for diacritic-insensitive search (DOMAIN.md: "ha noi" finds "Hà Nội")."""
import re

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

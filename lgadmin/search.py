"""How far a typed search and a page number go, for every list (the customer grid and
Flask-Admin's lists alike)."""

import re

MAX_SEARCH_CHARS = 200
MAX_SEARCH_WORDS = 8
# No market has this many pages; a larger page number is read as the last page.
MAX_PAGE = 100_000
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")


def search_words(text: str | None) -> list[str]:
    """The words of a search: trimmed, bounded, without control characters."""
    cleaned = _CONTROL_CHARS.sub(" ", (text or "")[:MAX_SEARCH_CHARS])
    return cleaned.split()[:MAX_SEARCH_WORDS]

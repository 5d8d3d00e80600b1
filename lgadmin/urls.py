from urllib.parse import urlsplit

from werkzeug.routing import IntegerConverter

# The largest id a BIGINT (or SQLite INTEGER) column holds: a longer number is no row's id.
MAX_ID = 2**63 - 1


def parse_id(raw) -> int | None:
    """A row id from a URL or a form: a whole number the database can hold, else None."""
    text = str(raw if raw is not None else "").strip()
    if not (text.isascii() and text.isdigit()):
        return None
    value = int(text)
    return value if 0 < value <= MAX_ID else None


class IdConverter(IntegerConverter):
    """`<int:...>` that matches only numbers the database can hold: a longer one is a 404,
    where the stock converter let it through to a database overflow (a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def safe_next_url(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target

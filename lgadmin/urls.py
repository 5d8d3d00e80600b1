import re
from urllib.parse import urlsplit, urlunsplit

from flask import current_app, has_request_context, request
from werkzeug.routing import IntegerConverter

from .config import LOCAL_HOSTS

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
    """`<lgadmin_id:...>` that matches only numbers the database can hold: a longer one is a 404,
    where the stock converter let it through to a database overflow (a 500)."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


# Browsers drop tabs and newlines inside a URL and read a backslash as a slash, so
# "/\\evil.example" and "/\t/evil.example" go off-site like "//evil.example" does.
_URL_CONTROL = re.compile(r"[\x00-\x1f\x7f\\]")


def safe_next_url(target: str | None) -> str | None:
    """`target` when it is a path on this site, else None (no open redirects).

    The one check for every return address: `next=` and Flask-Admin's `url=` alike. A path
    is "/" followed by anything but a second slash; no scheme ("http:evil.example" is
    off-site over HTTPS), no host, no backslash and no control character anywhere.
    """
    if not target or not target.startswith("/") or target.startswith("//"):
        return None
    if _URL_CONTROL.search(target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def mail_link_root(root: str | None = None) -> str:
    """Where links in mail point, ending in "/": LGADMIN_BASE_URL, else `root` or this
    request's address (development). Always https in production, whatever was configured
    or asked for: a link in a mail must not send a shopper's token over plain http."""
    configured = current_app.config.get("LGADMIN_BASE_URL")
    chosen = configured or root or (request.host_url if has_request_context() else "")
    if not (configured or root) and chosen and not host_is_vouched_for():
        # A forged Host must not put another site into a reset link.
        raise RuntimeError(
            "set LGADMIN_BASE_URL (or Flask's TRUSTED_HOSTS) to send mail with links"
        )
    if not chosen:
        raise RuntimeError("set LGADMIN_BASE_URL to send mail with links outside a request")
    return https_in_production(chosen).rstrip("/") + "/"


def host_is_vouched_for() -> bool:
    """The request's Host was checked by Flask (TRUSTED_HOSTS), or it is this machine's."""
    if current_app.config.get("TRUSTED_HOSTS"):
        return True
    return request.host.rsplit(":", 1)[0].strip("[]") in LOCAL_HOSTS


def https_in_production(url: str) -> str:
    parts = urlsplit(url)
    if current_app.config.get("LGADMIN_ENV") == "production" and parts.scheme != "https":
        return urlunsplit(("https", *parts[1:]))
    return url


def external_url(root: str, endpoint: str, **values) -> str:
    """An absolute URL under `root`, built without a request (jobs run in workers)."""
    parts = urlsplit(https_in_production(root))
    adapter = current_app.url_map.bind(
        parts.netloc, script_name=parts.path or "/", url_scheme=parts.scheme or "https"
    )
    return adapter.build(endpoint, values, force_external=True)

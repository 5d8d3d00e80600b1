"""Settings from the environment, with the embedded defaults of the design."""

import os
import secrets
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError


class ConfigError(SystemExit):
    """A setting is wrong; the message names the variable, in one line."""

    def __init__(self, message: str):
        super().__init__(f"lgadmin: {message}")


def _secret_key(instance_path: Path, production: bool) -> str:
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set when LGADMIN_ENV=production")
    key_file = instance_path / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def _database_url(instance_path: Path) -> str:
    url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance_path / 'lgadmin.db'}"
    for scheme in ("postgres://", "postgresql://"):  # the first: the form some hosts hand out
        if url.startswith(scheme):
            # psycopg 3, the driver lgadmin installs (SQLAlchemy 2.0 would pick psycopg2).
            url = "postgresql+psycopg://" + url[len(scheme) :]
    try:
        make_url(url).get_dialect().import_dbapi()
    except ArgumentError:
        raise ConfigError(f"DATABASE_URL is not a database URL: {url!r}") from None
    except (ImportError, NoSuchModuleError) as error:
        raise ConfigError(
            f"DATABASE_URL names a database lgadmin has no driver for ({error})"
        ) from None
    return url


def _int(name: str, default: int, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, not {raw!r}")
    return value


# Where a developer's browser reaches `make run`; any other Host is refused in development.
LOCAL_HOSTS = ["localhost", "127.0.0.1"]


def _base_url(production: bool) -> str | None:
    """The public address links in emails point to: required in production, where the
    request's Host header (which anyone can forge) must never end up in a link."""
    url = (os.environ.get("LGADMIN_BASE_URL") or "").strip()
    if not url:
        if production:
            raise ConfigError("LGADMIN_BASE_URL must be set when LGADMIN_ENV=production")
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"LGADMIN_BASE_URL must be an address such as https://shop.example.org/, not {url!r}"
        )
    return url


def _trusted_hosts(production: bool) -> list[str] | None:
    """Flask's TRUSTED_HOSTS: a request with another Host header answers 400.

    In development the local names by default; in production every host, unless listed
    (links there are built from LGADMIN_BASE_URL, and a load balancer may check by IP).
    """
    raw = os.environ.get("LGADMIN_TRUSTED_HOSTS") or ""
    hosts = [host.strip().lower() for host in raw.split(",") if host.strip()]
    if hosts:
        return hosts
    return None if production else list(LOCAL_HOSTS)


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if raw in (None, ""):
        return default
    try:
        return float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number such as 0.05, not {raw!r}") from None


def platform_sender(base_url: str | None) -> str:
    """The platform's sending address when MAIL_DEFAULT_SENDER is not set: noreply@ the
    host of LGADMIN_BASE_URL, so Message-IDs and From are on the platform's domain.
    (Each market's mail shows the market's name before it: lgadmin.mail.)"""
    host = urlsplit(base_url or "").hostname
    return f"noreply@{host or 'localhost'}"


def settings_from_environment(instance_path: str) -> dict:
    """Everything the app reads from the environment, as Flask config keys."""
    instance = Path(instance_path)
    instance.mkdir(parents=True, exist_ok=True)
    production = os.environ.get("LGADMIN_ENV") == "production"
    mail_server = os.environ.get("MAIL_SERVER") or None
    return {
        "LGADMIN_ENV": "production" if production else "development",
        "SECRET_KEY": _secret_key(instance, production),
        "SQLALCHEMY_DATABASE_URI": _database_url(instance),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        "LGADMIN_QUEUE": os.environ.get("LGADMIN_QUEUE", "lgadmin"),
        "LGADMIN_REDIS_TIMEOUT": _float("LGADMIN_REDIS_TIMEOUT", 1.0),
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": _int("MAIL_PORT", 25),
        "MAIL_USERNAME": os.environ.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": os.environ.get("MAIL_PASSWORD") or None,
        "MAIL_USE_TLS": os.environ.get("MAIL_USE_TLS", "").lower() in ("1", "true", "yes"),
        "MAIL_USE_SSL": os.environ.get("MAIL_USE_SSL", "").lower() in ("1", "true", "yes"),
        "MAIL_DEFAULT_SENDER": os.environ.get("MAIL_DEFAULT_SENDER")
        or platform_sender(os.environ.get("LGADMIN_BASE_URL")),
        "LGADMIN_OUTBOX": str(instance / "outbox") if not mail_server else None,
        "STRIPE_SECRET_KEY": os.environ.get("STRIPE_SECRET_KEY") or None,
        "STRIPE_PUBLISHABLE_KEY": os.environ.get("STRIPE_PUBLISHABLE_KEY") or None,
        "STRIPE_WEBHOOK_SECRET": os.environ.get("STRIPE_WEBHOOK_SECRET") or None,
        "STRIPE_API_BASE": os.environ.get("STRIPE_API_BASE") or None,
        "LGADMIN_ACT_AS_MINUTES": _int("LGADMIN_ACT_AS_MINUTES", 30),
        "LGADMIN_ACT_AS_IDLE_MINUTES": _int("LGADMIN_ACT_AS_IDLE_MINUTES", 10),
        "LGADMIN_BASE_URL": _base_url(production),
        "TRUSTED_HOSTS": _trusted_hosts(production),
        "LGADMIN_PROXY_HOPS": _int("LGADMIN_PROXY_HOPS", 0, minimum=0),
        "POSTMARK_WEBHOOK_USER": os.environ.get("POSTMARK_WEBHOOK_USER") or None,
        "POSTMARK_WEBHOOK_PASSWORD": os.environ.get("POSTMARK_WEBHOOK_PASSWORD") or None,
        "MAILGUN_WEBHOOK_SIGNING_KEY": os.environ.get("MAILGUN_WEBHOOK_SIGNING_KEY") or None,
        "LGADMIN_BOUNCE_ALERT_COUNT": _int("LGADMIN_BOUNCE_ALERT_COUNT", 10),
        "LGADMIN_BOUNCE_ALERT_RATE": _float("LGADMIN_BOUNCE_ALERT_RATE", 0.05),
        # Metrics cards and dashboard (lgadmin.customers.figures): markets this small are
        # counted on each request; bigger ones show kept figures, recomputed when this old.
        "LGADMIN_FIGURES_LIVE_BELOW": _int("LGADMIN_FIGURES_LIVE_BELOW", 5000, minimum=0),
        "LGADMIN_FIGURES_MAX_AGE_SECONDS": _int("LGADMIN_FIGURES_MAX_AGE_SECONDS", 300, minimum=1),
        "LGADMIN_SUPPORT_EMAIL": os.environ.get("LGADMIN_SUPPORT_EMAIL") or None,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": production,
        "LGADMIN_ADMIN_IDLE_MINUTES": _int("LGADMIN_ADMIN_IDLE_MINUTES", 60, minimum=1),
        "LGADMIN_ADMIN_SESSION_HOURS": _int("LGADMIN_ADMIN_SESSION_HOURS", 12, minimum=1),
        "WTF_CSRF_TIME_LIMIT": None,
        "LGADMIN_EXPORT_DIR": os.environ.get("LGADMIN_EXPORT_DIR") or str(instance / "exports"),
        "LGADMIN_EXPORT_KEEP_HOURS": _int("LGADMIN_EXPORT_KEEP_HOURS", 24, minimum=1),
        "LGADMIN_EXPORT_IMMEDIATE_ROWS": _int("LGADMIN_EXPORT_IMMEDIATE_ROWS", 50, minimum=1),
        "LGADMIN_EXPORT_STALE_MINUTES": _int("LGADMIN_EXPORT_STALE_MINUTES", 10, minimum=1),
    }

"""The standalone app: settings from the environment, the plug-in, and a check of its services."""

import os

from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.middleware.proxy_fix import ProxyFix

from .config import ConfigError, settings_from_environment
from .extensions import db, migrate
from .plugin import ERROR_PAGE_CODES, LGAdmin, render_error_page
from .schema import MIGRATIONS_DIR


def create_app(config: dict | None = None, *, check_services: bool = True) -> Flask:
    app = Flask(
        "lgadmin",
        instance_path=os.environ.get("LGADMIN_INSTANCE_PATH") or None,
        template_folder=None,
    )
    app.config.update(settings_from_environment(app.instance_path))
    app.config.update(config or {})
    if check_services:
        check_redis_reachable(app)
    app.config["LGADMIN_OWNS_APP"] = True  # every page here is lgadmin's
    LGAdmin(app)
    trust_proxies(app)
    migrate.init_app(
        app, db, directory=str(MIGRATIONS_DIR), render_as_batch=True, compare_type=True
    )
    register_errorhandlers(app)
    if check_services:
        check_database_reachable(app)
    return app


def trust_proxies(app: Flask) -> None:
    """Behind LGADMIN_PROXY_HOPS proxies, the client's address and scheme are the ones they
    forwarded (X-Forwarded-For, X-Forwarded-Proto), so rate limits count each client, not
    the proxy. The forwarded Host is not trusted: links come from LGADMIN_BASE_URL."""
    hops = app.config.get("LGADMIN_PROXY_HOPS") or 0
    if hops:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)


def register_errorhandlers(app: Flask) -> None:
    """lgadmin's error page for every request: this app is lgadmin's own."""
    for code in ERROR_PAGE_CODES:
        app.register_error_handler(code, render_error_page)


def check_database_reachable(app: Flask) -> None:
    """One line naming the variable, rather than a traceback on the first request."""
    with app.app_context():
        try:
            db.session.execute(text("SELECT 1"))
        except SQLAlchemyError as error:
            reason = str(error.orig if hasattr(error, "orig") else error).strip().splitlines()[0]
            raise ConfigError(f"DATABASE_URL: cannot reach the database ({reason})") from None
        finally:
            db.session.remove()


def check_redis_reachable(app: Flask) -> None:
    url = app.config.get("REDIS_URL")
    if not url:
        return
    from redis import Redis
    from redis.exceptions import RedisError

    try:
        Redis.from_url(url, socket_connect_timeout=5).ping()
    except (RedisError, ValueError) as error:
        raise ConfigError(f"REDIS_URL: cannot reach Redis ({error})") from None

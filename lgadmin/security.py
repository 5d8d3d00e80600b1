"""What guards lgadmin's pages: a script policy with nonces, no framing, no sniffing, and
CSRF tokens on every state-changing request. Only lgadmin's own pages: a host app's pages
keep their own headers and their own CSRF rules (`init_security_headers(app, owns_request)`)."""

import secrets
from collections.abc import Callable

from flask import Flask, Response, abort, current_app, g, request
from flask_wtf.csrf import CSRFError, generate_csrf, same_origin, validate_csrf
from werkzeug.exceptions import SecurityError
from wtforms import ValidationError

from .urls import host_is_vouched_for

# Flask-Admin's filter menu items carry onclick="return false;": allowed by its hash only.
FLASK_ADMIN_HANDLERS = "'unsafe-hashes' 'sha256-2rvfFrggTCtyF5WOiTri1gDS8Boibj4Njn0e+VCBmDI='"
STRIPE_HOSTS = "https://js.stripe.com"
STRIPE_FRAMES = "https://js.stripe.com https://hooks.stripe.com"
STRIPE_API = "https://api.stripe.com https://js.stripe.com"


def csp_nonce() -> str:
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def content_security_policy(nonce: str) -> str:
    payments = bool(current_app.config.get("STRIPE_SECRET_KEY"))
    script = f"'self' 'nonce-{nonce}' {FLASK_ADMIN_HANDLERS}" + (
        f" {STRIPE_HOSTS}" if payments else ""
    )
    frames = "'self'" + (f" {STRIPE_FRAMES}" if payments else "")
    connect = "'self'" + (f" {STRIPE_API}" if payments else "")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src {script}",
            # Bootstrap's tooltips and Flask-Admin's widgets set style attributes.
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data:",
            "font-src 'self'",
            f"connect-src {connect}",
            f"frame-src {frames}",
            "frame-ancestors 'none'",
            "form-action 'self'",
            "base-uri 'self'",
            "object-src 'none'",
        ]
    )


def refuse_nul_characters():
    """Text with a NUL character can't be stored or searched for (PostgreSQL refuses it in any
    parameter): say so, never a 500. Query strings too: a list's search or filter with a NUL
    would reach the database."""
    for values in (request.form, request.args):
        for key, value in values.items(multi=True):
            if "\x00" in key or "\x00" in value:
                abort(400, "That text contains a NUL character, which can't be stored.")


def refuse_untrusted_host():
    """A Host header outside TRUSTED_HOSTS: 400, before anything else runs.

    Flask can't route or build a URL for such a request, so this answers with a short
    plain page instead of the usual one (whose links would fail: a 500).
    """
    if isinstance(request.routing_exception, SecurityError):
        return Response(
            "This site doesn't answer to that address (the request's Host is not trusted).",
            400,
            mimetype="text/plain",
        )
    return None


def refuse_unvouched_host():
    """On a host app that left both LGADMIN_BASE_URL and TRUSTED_HOSTS unset, lgadmin's pages
    answer only this machine's names: their mail links are built from the Host. (The host's
    own pages keep whatever Host rule the host has.)"""
    if current_app.config.get("LGADMIN_BASE_URL") or host_is_vouched_for():
        return None
    return Response(
        "lgadmin doesn't answer to that address: set LGADMIN_BASE_URL to the site's address.",
        400,
        mimetype="text/plain",
    )


def init_security_headers(app: Flask, owns_request: Callable[[], bool]) -> None:
    """The headers on the pages `owns_request()` says are lgadmin's; a host's pages get none."""
    # First of all the hooks, so none of them builds a URL for an untrusted host.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_untrusted_host)

    @app.before_request
    def refuse_nul_characters_on_our_pages():
        if owns_request():
            refuse_nul_characters()
            return refuse_unvouched_host()
        return None

    @app.after_request
    def set_security_headers(response):
        if not owns_request():
            return response
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if current_app.config.get("LGADMIN_ENV") == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response


class FormTokens:
    """CSRF protection for lgadmin's pages only, the checks of Flask-WTF's CSRFProtect.

    CSRFProtect guards every POST of the app: on a host app that would refuse the host's
    own login form and JSON API. This checks the same token, the same way, on the requests
    `owns_request()` says are lgadmin's. A host that has its own CSRFProtect keeps it: the
    token is the same one, and lgadmin's exempt views are exempted there too.
    """

    def __init__(self):
        self.exempt_views: list[Callable] = []

    def exempt(self, view: Callable) -> Callable:
        """A view authenticated by other means (a sender's signature, a signed URL)."""
        self.exempt_views.append(view)
        return view

    def init_app(self, app: Flask, owns_request: Callable[[], bool]) -> None:
        # CSRFProtect's settings, so FlaskForm and this check read the same ones.
        app.config.setdefault("WTF_CSRF_ENABLED", True)
        app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", True)
        app.config["WTF_CSRF_METHODS"] = set(
            app.config.get("WTF_CSRF_METHODS", ["POST", "PUT", "PATCH", "DELETE"])
        )
        app.config.setdefault("WTF_CSRF_FIELD_NAME", "csrf_token")
        app.config.setdefault("WTF_CSRF_HEADERS", ["X-CSRFToken", "X-CSRF-Token"])
        app.config.setdefault("WTF_CSRF_TIME_LIMIT", 3600)
        app.config.setdefault("WTF_CSRF_SSL_STRICT", True)
        host_protection = app.extensions.get("csrf")
        if host_protection is not None and hasattr(host_protection, "exempt"):
            for view in self.exempt_views:
                host_protection.exempt(view)

        @app.before_request
        def protect_our_forms():
            if owns_request():
                self.protect()

    def protect(self) -> None:
        config = current_app.config
        if not (config["WTF_CSRF_ENABLED"] and config["WTF_CSRF_CHECK_DEFAULT"]):
            return
        if not request.endpoint or g.get("csrf_valid"):
            return  # no route matched (a 404 or 405 follows), or checked already
        if request.method not in config["WTF_CSRF_METHODS"]:
            return
        if current_app.view_functions.get(request.endpoint) in self.exempt_views:
            return
        try:
            validate_csrf(self.submitted_token())
        except ValidationError as error:
            raise CSRFError(error.args[0]) from None
        if request.is_secure and config["WTF_CSRF_SSL_STRICT"]:
            if not request.referrer:
                raise CSRFError("The referrer header is missing.")
            if not same_origin(request.referrer, f"https://{request.host}/"):
                raise CSRFError("The referrer does not match the host.")
        g.csrf_valid = True  # FlaskForm then trusts this request's token too

    @staticmethod
    def submitted_token() -> str | None:
        """The form's field (a prefixed form's `<prefix>-csrf_token` too), else the header."""
        field_name = current_app.config["WTF_CSRF_FIELD_NAME"]
        if request.form.get(field_name):
            return request.form[field_name]
        for key in request.form:
            if key.endswith(field_name) and request.form[key]:
                return request.form[key]
        for header in current_app.config["WTF_CSRF_HEADERS"]:
            if request.headers.get(header):
                return request.headers[header]
        return None


def csrf_template_helpers() -> dict:
    """`csrf_token()` in lgadmin's templates, as CSRFProtect gives it to every template."""
    return {"csrf_token": generate_csrf}


csrf = FormTokens()

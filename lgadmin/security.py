"""Response headers every page carries: a script policy with nonces, no framing, no sniffing."""

import secrets

from flask import Flask, Response, abort, current_app, g, request
from werkzeug.exceptions import SecurityError

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


def init_security_headers(app: Flask) -> None:
    # First of all the hooks, so none of them builds a URL for an untrusted host.
    app.before_request_funcs.setdefault(None, []).insert(0, refuse_untrusted_host)
    app.before_request(refuse_nul_characters)

    @app.after_request
    def set_security_headers(response):
        headers = response.headers
        headers.setdefault("Content-Security-Policy", content_security_policy(csp_nonce()))
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        if current_app.config.get("LGADMIN_ENV") == "production":
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        return response

"""lgadmin's own unsubscribe link: a signed token per account, in every bulk mail's body and
in its List-Unsubscribe / List-Unsubscribe-Post headers (RFC 8058 one-click)."""

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from markupsafe import escape

from ..accounts.models import Account
from ..extensions import db
from ..tenancy import belongs_to
from ..urls import mail_link_root

SALT = "lgadmin.unsubscribe"
ENDPOINT = "lgadmin_unsubscribe.unsubscribe"


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def unsubscribe_token(account: Account) -> str:
    # No expiry: a newsletter from last year must still unsubscribe.
    return _serializer().dumps([account.id, account.market_id])


def account_for_token(token: str) -> Account | None:
    try:
        account_id, market_id = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    account = db.session.get(Account, account_id) if isinstance(account_id, int) else None
    if not belongs_to(account, market_id) or account.market is None:
        return None
    return account


def unsubscribe_url(account: Account) -> str:
    """The absolute link; LGADMIN_BASE_URL when set (jobs have no request to take it from)."""
    values = {"market_slug": account.market.slug, "token": unsubscribe_token(account)}
    path = current_app.url_map.bind("localhost").build(ENDPOINT, values)
    return mail_link_root().rstrip("/") + path


def list_unsubscribe_headers(url: str, mailto: str | None = None) -> dict:
    """RFC 2369 / RFC 8058, as mailbox providers read them: the market's mailto: first when
    it has one, then the one-click https link. lgadmin.mail writes them literally."""
    targets = ", ".join(f"<{target}>" for target in (mailto, url) if target)
    return {"List-Unsubscribe": targets, "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"}


def with_unsubscribe_link(text: str, html: str | None, url: str) -> tuple[str, str | None]:
    """The bodies with the link at the end, unless the template already shows it."""
    if url not in text:
        text = f"{text.rstrip()}\n\n--\nTo stop these emails, unsubscribe: {url}\n"
    if html is not None and url not in html and str(escape(url)) not in html:
        link = f'<p style="font-size:small"><a href="{escape(url)}">Unsubscribe</a></p>'
        closing = html.lower().rfind("</body>")
        html = html[:closing] + link + html[closing:] if closing >= 0 else html + link
    return text, html

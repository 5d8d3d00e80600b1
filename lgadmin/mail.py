"""send_mail(): through Flask-Mail, or into the outbox folder when no MAIL_SERVER is set.

Every message goes out as its market: the market's sender name on the platform's
sending address (MAIL_DEFAULT_SENDER), a Reply-To that reaches the market, a
Message-ID on the platform's domain, and a text and an HTML part. Mail sent for an
account carries the market and account it was sent for, so delivery reports
(bounces, complaints) can be matched back to that account.

The message is built with the `email` package's modern API under one policy
(MAIL_POLICY) rather than Flask-Mail's own builder, whose header folding turns a long
List-Unsubscribe into RFC 2047 encoded-words that mailbox providers don't read.
"""

import hashlib
import json
import re
import smtplib
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import EmailPolicy
from email.utils import format_datetime, formataddr, getaddresses, make_msgid, parseaddr
from pathlib import Path
from smtplib import SMTPException, SMTPRecipientsRefused
from uuid import uuid4

from flask import current_app, render_template
from flask_mail import Message
from markupsafe import Markup, escape

from .extensions import mail
from .timeutil import utcnow

MARKET_HEADER = "X-LGAdmin-Market"
ACCOUNT_HEADER = "X-LGAdmin-Account"
INVITATION_HEADER = "X-LGAdmin-Invitation"
# RFC 5322: no line of a message longer than 998 characters; text wrapped at 78.
MAX_HEADER_LINE = 998
TEXT_WIDTH = 78
# Headers mailbox providers read literally (RFC 2369, RFC 8058): never encoded-words.
LITERAL_HEADERS = frozenset({"list-unsubscribe", "list-unsubscribe-post"})


# While an outbox row is being sent: its seed, from which each message's Message-ID is made,
# so the same mail sent again after a crash carries the same Message-ID.
_message_id_seed: ContextVar[str | None] = ContextVar("lgadmin_message_id_seed", default=None)


@contextmanager
def stable_message_ids(seed: str) -> Iterator[None]:
    """Messages built inside get a Message-ID made of `seed` and their recipient."""
    token = _message_id_seed.set(seed)
    try:
        yield
    finally:
        _message_id_seed.reset(token)


def message_id_for(to: str) -> str:
    """The Message-ID of a message to `to`: stable inside stable_message_ids, else random."""
    seed = _message_id_seed.get()
    if seed is None:
        return make_msgid(domain=platform_domain())
    digest = hashlib.sha256(to.strip().lower().encode()).hexdigest()[:12]
    return f"<{seed}.{digest}@{platform_domain()}>"


class MailHeaderError(ValueError):
    """A header value that would break the message open (CR/LF) or not fit on a line."""


class TemporaryFailure(Exception):
    """Some of a job's mail was refused for now: the job is tried again after its back-off.
    Its message says why, in a manager's words."""


def is_temporary_failure(error: Exception) -> bool:
    """Would the same send succeed later? SMTP 4xx answers, a dropped or refused connection
    and a timeout are temporary (retry with back-off); a 5xx answer is permanent."""
    if isinstance(error, TemporaryFailure):
        return True
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(400 <= code < 500 for code in codes)
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, smtplib.SMTPServerDisconnected | ConnectionError | TimeoutError)


def header_problem(value) -> str | None:
    """What in `value` (typed by someone) can't go into a mail header: "line break",
    "control character", or None when it can.

    The one rule for forms (refused next to the field, each in its own words) and the
    mail layer (refused before anything is queued or sent), so no job fails at send time.
    """
    text = str(value or "")
    if "\r" in text or "\n" in text:
        return "line break"  # would end the header and start another (Bcc: ...)
    if any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in text):
        return "control character"
    return None


def check_header(name: str, value) -> str:
    problem = header_problem(value)
    if problem:
        raise MailHeaderError(f"{name}: a {problem} can't go into an email header")
    return str(value or "")


class _MailPolicy(EmailPolicy):
    """The SMTP policy, except that List-Unsubscribe headers are written as they are.

    The stock folder encodes any long word without spaces (a URL) as encoded-words;
    these are written literally, and when two URIs don't fit one 998-character line
    they are folded by hand after the comma between them (RFC 2369 allows it).
    """

    def _literal(self, name: str, value) -> str:
        text = check_header(name, value)
        if len(name) + 2 + len(text) > MAX_HEADER_LINE:
            text = text.replace(", ", f",{self.linesep} ")
        folded = f"{name}: {text}"
        if any(len(line) > MAX_HEADER_LINE for line in folded.split(self.linesep)):
            raise MailHeaderError(f"{name} is longer than {MAX_HEADER_LINE} characters")
        return folded + self.linesep

    def fold(self, name, value):
        if name.lower() in LITERAL_HEADERS:
            return self._literal(name, value)
        return super().fold(name, value)

    def fold_binary(self, name, value):
        if name.lower() in LITERAL_HEADERS:
            return self._literal(name, value).encode("ascii")
        return super().fold_binary(name, value)


# CRLF, 78-column folding, and 7-bit bodies (quoted-printable or base64 when needed),
# which every relay passes unchanged.
MAIL_POLICY = _MailPolicy(linesep="\r\n", cte_type="7bit")


def platform_address() -> str:
    """The platform's sending address (the address part of MAIL_DEFAULT_SENDER)."""
    configured = current_app.config["MAIL_DEFAULT_SENDER"]
    if isinstance(configured, tuple):
        return configured[1]
    (_, address), *_ = getaddresses([configured]) or [("", configured)]
    return address or configured


def platform_domain() -> str:
    return platform_address().rpartition("@")[2] or "localhost"


def market_sender_name(market) -> str:
    return (market.mail_sender_name or market.name) if market is not None else "lgadmin"


def market_unsubscribe_mailto(market) -> str | None:
    mailbox = market.mail_unsubscribe_mailbox if market is not None else ""
    return f"mailto:{mailbox}?subject=unsubscribe" if mailbox else None


def ascii_domain(address: str) -> str:
    """`address` with an internationalised domain in its ASCII (IDNA) form, as SMTP
    without SMTPUTF8 carries it; "Name <addr>" forms keep their name."""
    name, addr = parseaddr(address)
    local, at, domain = addr.rpartition("@")
    if not at or domain.isascii():
        return address
    try:
        domain = domain.encode("idna").decode("ascii")
    except UnicodeError:
        return address  # not a valid domain: left for the server to refuse
    return formataddr((name, f"{local}@{domain}")) if name else f"{local}@{domain}"


class MailMessage(Message):
    """A Flask-Mail message (its connection sends it) built by the modern `email` API."""

    def __init__(
        self,
        to: str,
        subject: str,
        text: str,
        html: str,
        *,
        sender_name: str,
        reply_to=(),
        headers=None,
    ):
        check_header("Subject", subject)
        check_header("From", sender_name)
        self.headers = {name: check_header(name, value) for name, value in (headers or {}).items()}
        super().__init__(
            subject=subject,
            recipients=[ascii_domain(to)],
            body=text,
            html=html,
            sender=platform_address(),  # the envelope sender
        )
        self.sender_name = sender_name
        self.reply_to_addresses = [ascii_domain(address) for address in reply_to]
        self.sent_at = utcnow()
        self.msgId = message_id_for(self.recipients[0])
        self._built: EmailMessage | None = None

    def _message(self) -> EmailMessage:
        if self._built is not None:
            return self._built
        message = EmailMessage(policy=MAIL_POLICY)
        message["From"] = Address(display_name=self.sender_name, addr_spec=platform_address())
        message["To"] = self.recipients[0]
        if self.reply_to_addresses:
            message["Reply-To"] = ", ".join(self.reply_to_addresses)
        message["Subject"] = self.subject
        message["Date"] = format_datetime(self.sent_at.replace(tzinfo=UTC))
        message["Message-ID"] = self.msgId
        for name, value in self.headers.items():
            message[name] = value
        message.set_content(self.body)
        message.add_alternative(self.html, subtype="html")
        self._built = message
        return message


def wrap_text(text: str, width: int = TEXT_WIDTH) -> str:
    """The plain-text part wrapped at 78 columns; a long link stays whole on its line."""
    lines = []
    for line in text.splitlines():
        if len(line) <= width:
            lines.append(line)
        else:
            lines.extend(textwrap.wrap(line, width, break_long_words=False, break_on_hyphens=False))
    return "\n".join(lines) + "\n"


def paragraphs(text: str) -> Markup:
    """Someone's plain text as HTML: escaped, blank lines making paragraphs, never raw HTML."""
    blocks = re.split(r"\n\s*\n", str(text or "").replace("\r\n", "\n").strip())
    return Markup("\n").join(
        Markup("<p>{}</p>").format(
            Markup("<br>\n").join(escape(line) for line in block.split("\n"))
        )
        for block in blocks
        if block.strip()
    )


def html_from_text(text: str) -> str:
    """The HTML part of a message that was written as text only."""
    return str(
        Markup(
            '<!DOCTYPE html>\n<html><head><meta charset="utf-8"></head><body>{}</body></html>\n'
        ).format(paragraphs(text))
    )


def build_message(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers=None,
    market=None,
    reply_to: list[str] | None = None,
) -> MailMessage:
    """`reply_to`: where replies go (deliverability.sends.market_reply_to works it out);
    without it, the market's own Reply-To when it has one."""
    if reply_to is None:
        reply_to = [market.mail_reply_to] if market is not None and market.mail_reply_to else []
    return MailMessage(
        to,
        subject,
        wrap_text(text),
        html if html is not None else html_from_text(text),
        sender_name=market_sender_name(market),
        reply_to=reply_to,
        headers=headers,
    )


def metadata_headers(market_id, account_id=None, **more) -> dict:
    """The market (and account, when there is one) a message was sent for, in the forms
    Postmark (Metadata) and Mailgun (user-variables) report back with every bounce and
    complaint. `more` adds other ids, e.g. invitation=7 for a mail with no account yet."""
    ids = {"market": market_id, "account": account_id, **more}
    headers, variables = {}, {}
    for name, value in ids.items():
        if value is None:
            continue
        headers[f"X-LGAdmin-{name.title()}"] = str(value)
        headers[f"X-PM-Metadata-lgadmin-{name}"] = str(value)
        variables[f"lgadmin-{name}"] = str(value)
    headers["X-Mailgun-Variables"] = json.dumps(variables)
    return headers


def account_headers(account) -> dict:
    return metadata_headers(account.market_id or "", account.id)


def send_mail(
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers=None,
    market=None,
    *,
    reply_to: list[str] | None = None,
) -> None:
    message = build_message(to, subject, text, html, headers, market, reply_to)
    outbox = current_app.config.get("LGADMIN_OUTBOX")
    if outbox:
        write_to_outbox(Path(outbox), message)
    else:
        mail.send(message)


def render_parts(template: str, **context) -> tuple[str, str]:
    """The text and HTML parts of one kind of message (`template`.txt and .html).

    A kind with no .html template of its own still gets an HTML part: its text,
    escaped and paragraphed in the market's layout.
    """
    text = render_template(f"{template}.txt", **context)
    html_name = f"{template}.html"
    if html_name not in current_app.jinja_env.list_templates():
        html_name, context = "lgadmin/mail/_from_text.html", {**context, "text": text}
    return text, render_template(html_name, **context)


def write_to_outbox(outbox: Path, message: Message) -> Path:
    outbox.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    recipient = re.sub(r"[^A-Za-z0-9@._-]", "_", message.recipients[0])[-80:]
    path = outbox / f"{stamp}-{recipient}-{uuid4().hex[:8]}.eml"
    path.write_bytes(message.as_bytes())
    return path


def failure_reason(error: Exception) -> str:
    """Why a message was not sent, in words a manager can act on."""
    if isinstance(error, TemporaryFailure):
        return str(error)
    if isinstance(error, SMTPRecipientsRefused):
        return "the mail server refused " + ", ".join(
            f"{address} ({_server_answer(code, answer)})"
            for address, (code, answer) in error.recipients.items()
        )
    if isinstance(error, smtplib.SMTPResponseException):
        answer = _server_answer(error.smtp_code, error.smtp_error)
        return f"the mail server refused the message ({answer})"
    if isinstance(error, SMTPException | OSError):
        return f"the mail server could not be reached or refused the message ({error})"
    return f"an error: {error}"


def _server_answer(code: int, answer) -> str:
    """The server's own words: "550 5.1.1 No such user"."""
    text = answer.decode("utf-8", "replace") if isinstance(answer, bytes) else str(answer)
    return f"{code} {text}".strip()

"""Send invitations: pasted addresses become invitations, mailed one job each."""

import hashlib
import re
from email.utils import parseaddr

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Account
from ..audit.service import record
from ..contact import email_problem, normalize_email
from ..extensions import db
from ..markets.models import Market
from ..tenancy import belongs_to, select_in_market
from .models import Invitation, InvitationBatch
from .tokens import hash_token, new_token
from .values import clean_text, existing_emails

MAX_ADDRESSES = 200
MAX_MESSAGE = 1000
_SEPARATORS = re.compile(r"[\n\r,;]+")


class InvitationsRefused(ValueError):
    """Nothing was sent; the message says why, for the manager."""


def split_entries(text: str) -> list[str]:
    """The pasted entries: one per line, or separated by commas or semicolons."""
    return [entry for entry in (clean_text(e) for e in _SEPARATORS.split(text or "")) if entry]


def entry_address(entry: str) -> str:
    """The address in an entry, also from the "Name <address>" form mail programs copy."""
    if "<" in entry and entry.endswith(">"):
        _, address = parseaddr(entry)
        if address:
            return normalize_email(address)
    return normalize_email(entry)


def send_invitations(
    manager: Account, market: Market, pasted: str, message: str, submission_key: str
) -> tuple[InvitationBatch, bool]:
    """Invite each new address (commits); returns (batch, True), the caller queues the mail.

    A second submission with the same key returns (the first batch, False) and
    invites no one. Raises InvitationsRefused for too many addresses or too
    long a message, or when there is nothing to send.
    """
    # NUL characters can't be stored (PostgreSQL refuses them) and mean nothing in mail.
    entries = list(dict.fromkeys(split_entries((pasted or "").replace("\x00", ""))))
    message = (message or "").replace("\x00", "").strip()
    if not entries:
        raise InvitationsRefused("Paste at least one email address.")
    if len(entries) > MAX_ADDRESSES:
        raise InvitationsRefused(
            f"Paste at most {MAX_ADDRESSES} addresses at a time; there are {len(entries)}."
        )
    if len(message) > MAX_MESSAGE:
        raise InvitationsRefused(
            f"The personal message can be at most {MAX_MESSAGE:,} characters; "
            f"it has {len(message):,}."
        )
    # The same form sent twice with the same content (a double-click, a resent
    # POST) is one batch; the form edited and sent again is a new one.
    submission_key = _batch_key(submission_key, entries, message)
    earlier = batch_with_key(market, submission_key)
    if earlier is not None:
        return earlier, False

    addresses, not_email = {}, []
    for entry in entries:
        address = entry_address(entry)
        if email_problem(address):
            not_email.append(entry)
        else:
            addresses.setdefault(address, entry)
    taken = existing_emails(market, addresses)
    to_invite = [address for address in addresses if address not in taken]
    batch = InvitationBatch(
        market_id=market.id,
        submission_key=submission_key,
        created_by_id=manager.id,
        summary={
            "sent": to_invite,
            "already_have_account": [a for a in addresses if a in taken],
            "not_email": not_email,
        },
    )
    try:
        with db.session.begin_nested():
            db.session.add(batch)
    except IntegrityError:
        db.session.rollback()
        return batch_with_key(market, submission_key), False
    for address in to_invite:
        db.session.add(
            Invitation(
                market_id=market.id,
                email=address,
                message=message,
                # A placeholder nobody knows; the job that mails the link replaces it.
                token_hash=new_token()[1],
                invited_by_id=manager.id,
                batch_id=batch.id,
            )
        )
    record(
        manager,
        market.id,
        "invitations.send",
        batch,
        f"Sent {len(to_invite)} invitations",
        sent=len(to_invite),
        already_have_account=len(batch.summary["already_have_account"]),
        not_email=len(not_email),
    )
    db.session.commit()
    return batch, True


def _batch_key(form_key: str, entries: list[str], message: str) -> str:
    content = "\n".join([form_key or "", message, *entries])
    return hashlib.sha256(content.encode("utf-8")).hexdigest()


def batch_with_key(market: Market, key: str) -> InvitationBatch | None:
    return db.session.scalars(
        select_in_market(InvitationBatch, market).where(InvitationBatch.submission_key == key)
    ).first()


def batch_invitation_ids(batch: InvitationBatch) -> list[int]:
    return list(
        db.session.scalars(
            select(Invitation.id).where(Invitation.batch_id == batch.id).order_by(Invitation.id)
        )
    )


def usable_invitation(market: Market, raw: str) -> Invitation | None:
    """The market's invitation whose link carries `raw`, while it is not yet accepted."""
    if not raw or len(raw) > 200:
        return None
    invitation = db.session.scalars(
        select(Invitation).where(Invitation.token_hash == hash_token(raw))
    ).first()
    if not belongs_to(invitation, market) or invitation.accepted_at:
        return None
    return invitation

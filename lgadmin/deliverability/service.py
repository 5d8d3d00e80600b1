"""What a delivery report does to an account, and how a manager turns mail back on.

Every report is committed raw first (store_reported_events), then applied by a job
(apply_mail_event) that marks it processed in the same transaction as its effects, so a
retried job never applies an event twice and a failed one is never lost.
"""

import json
import logging
from uuid import uuid4

from sqlalchemy import select, update

from ..accounts.comments import add_comment
from ..accounts.models import Account
from ..audit.service import record
from ..extensions import db
from ..jobs import WEBHOOKS, enqueue
from ..signals import mail_event_applied, send_after_commit
from ..tenancy import in_market
from ..timeutil import format_datetime, utcnow
from .models import MailEvent, MailEventKind
from .providers import ReportedEvent
from .storage import store_reported_events

log = logging.getLogger(__name__)


def schedule_processing(event_ids: list[int]) -> None:
    """Hand the stored events to the job queue; a failure here loses nothing (they are
    stored unprocessed and `flask lgadmin process-mail-events` picks them up)."""
    for event_id in event_ids:
        try:
            enqueue(apply_mail_event, event_id, kind=WEBHOOKS)
        except Exception:
            db.session.rollback()
            log.exception("mail event %s stored but not processed yet", event_id)


def apply_mail_event(event_id: int) -> bool:
    """Apply one stored event (the rq job). False when it was already processed."""
    try:
        # Claiming the row is the lock: a second job for the same event waits here
        # (PostgreSQL) or finds it processed, and does nothing.
        claimed = db.session.execute(
            update(MailEvent)
            .where(MailEvent.id == event_id, MailEvent.processed_at.is_(None))
            .values(processed_at=utcnow())
            .execution_options(synchronize_session=False)
        ).rowcount
        if not claimed:
            db.session.rollback()
            return False
        event = db.session.get(MailEvent, event_id, populate_existing=True)
        _apply_in_each_market(event, _accounts_for(event))
        db.session.commit()
        return True
    except BaseException:
        db.session.rollback()
        raise


def process_pending_events(limit: int = 10_000) -> int:
    """Apply every stored event not yet processed (after an outage of the queue)."""
    ids = db.session.scalars(
        select(MailEvent.id)
        .where(MailEvent.processed_at.is_(None))
        .order_by(MailEvent.id)
        .limit(limit)
    ).all()
    db.session.rollback()
    return sum(1 for event_id in ids if apply_mail_event(event_id))


def _apply_in_each_market(event: MailEvent, accounts: list[Account]) -> None:
    """Apply the event to its accounts, recorded once per market they are in.

    Each market's Mail Events, timeline and bounce warning read their own record, which names
    only that market's account: the event itself for the market whose mail it was (or the
    first one), a copy for each other market.
    """
    by_market: dict[int, list[Account]] = {}
    for account in accounts:
        by_market.setdefault(account.market_id, []).append(account)
    home = event.market_id if event.market_id is not None else next(iter(by_market), None)
    event.market_id = home
    # The stored account, when there is one, is of the stored market (storage._known_ids).
    if home in by_market:
        event.account_id = by_market[home][0].id
    if event.kind is MailEventKind.OTHER:
        return
    if home not in by_market and event.not_applied_because is None:
        event.not_applied_because = _why_no_account(event)
    for market_id, market_accounts in by_market.items():
        record = event if market_id == home else _record_for_market(event, market_id)
        record.account_id = market_accounts[0].id
        for account in market_accounts:
            _apply_to_account(record, account)


def _why_no_account(event: MailEvent) -> str:
    if not event.email:
        return "The report names no address."
    if event.market_id is None and event.kind is not MailEventKind.HARD_BOUNCE:
        return "The mail's market is unknown, so no account was changed."
    if event.market_id is None:
        return "No account has this address."
    return "No account of this market has this address."


def _record_for_market(event: MailEvent, market_id: int) -> MailEvent:
    """The same report, recorded for another market whose account it applies to."""
    suffix = f"#market-{market_id}"
    copy = MailEvent(
        provider=event.provider,
        provider_event_id=event.provider_event_id[: 200 - len(suffix)] + suffix,
        kind=event.kind,
        email=event.email,
        reason=event.reason,
        market_id=market_id,
        occurred_at=event.occurred_at,
        received_at=event.received_at,
        processed_at=event.processed_at,  # applied here and now, never by a job of its own
        raw=event.raw,
    )
    db.session.add(copy)
    db.session.flush()  # its id goes into the audit entries
    return copy


def _accounts_for(event: MailEvent) -> list[Account]:
    """The accounts the event is about, locked for the update.

    The mail's own market and account first (when the address still matches); otherwise a
    hard bounce is about the address everywhere, and a complaint or unsubscribe only about
    the accounts of the market whose mail it was, if known.
    """
    if event.account_id is not None:
        query = select(Account).where(Account.id == event.account_id)
        if event.market_id is not None:
            query = in_market(query, Account, event.market_id)
        account = db.session.scalars(query.with_for_update()).first()
        if account is not None and (not event.email or account.email == event.email):
            return [account]
    if not event.email:
        return []
    query = select(Account).where(Account.email == event.email).order_by(Account.id)
    if event.kind is MailEventKind.HARD_BOUNCE:
        pass
    elif event.market_id is not None:
        query = in_market(query, Account, event.market_id)
    else:
        return []
    return list(db.session.scalars(query.with_for_update()))


def _apply_to_account(event: MailEvent, account: Account) -> None:
    happened_at = event.occurred_at or event.received_at
    when = format_datetime(happened_at, account.market)
    if event.kind is MailEventKind.HARD_BOUNCE:
        if account.email_bounced_at is not None:
            return  # already stopped; a second bounce changes nothing
        account.email_bounced_at = happened_at
        account.receives_mailings = False
        reason = event.reason.strip().rstrip(".") or "not given by the mail provider"
        body = f"Hard bounce on {when}. Disabling email notifications. Reason: {reason}."
    else:
        if not account.active and not account.receives_mailings:
            return
        account.receives_mailings = False
        account.active = False
        what = "Spam complaint" if event.kind is MailEventKind.SPAM_COMPLAINT else "Unsubscribed"
        body = f"{what} on {when}. Deactivating account."
    add_comment(account, body)
    record(
        None,
        account.market_id,
        f"mail.{event.kind.value}",
        account,
        summary=body,
        mail_event_id=event.id,
        provider=event.provider,
    )
    send_after_commit(mail_event_applied, account=account, event=event, kind=event.kind)


def unsubscribe_by_link(account: Account) -> list[int]:
    """The shopper used lgadmin's own unsubscribe link: the same path as a provider's report."""
    event = ReportedEvent(
        provider_event_id=uuid4().hex,
        kind=MailEventKind.UNSUBSCRIBE,
        raw=json.dumps({"source": "unsubscribe link", "account": account.id}),
        email=account.email,
        market_id=account.market_id,
        account_id=account.id,
        occurred_at=utcnow(),
    )
    new_ids = store_reported_events("lgadmin", [event])
    schedule_processing(new_ids)
    return new_ids


def note_reenabled(
    account: Account, manager: Account, *, mailings: bool, account_active: bool
) -> str | None:
    """A manager turned Receives Mailings (and/or Active Account) back on: apply it, clear a
    hard bounce, and add the dated comment saying who re-enabled what. The caller commits.

    Pass True only for what this edit turned on; returns the comment, or None.
    """
    turned_on = []
    if account_active:
        account.active = True
        turned_on.append("Active Account")
    if mailings:
        account.receives_mailings = True
        account.email_bounced_at = None
        turned_on.append("Receives Mailings")
    if not turned_on:
        return None
    market = account.market
    when = format_datetime(utcnow(), market)
    who = str(manager)
    body = f"{' and '.join(turned_on)} re-enabled on {when} by {who}."
    add_comment(account, body)
    record(manager, account.market_id, "mail.reenabled", account, summary=body)
    return body

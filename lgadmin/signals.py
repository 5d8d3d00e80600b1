"""Signals a host application can listen to (blinker, as Flask's own signals).

Each is sent by the one service function where its event happens, and only once the
change is committed: the service queues it with `send_after_commit`, and it goes out
when the session's outermost transaction commits. A rollback (of the whole transaction,
or of the savepoint it was queued in) discards it, so a receiver never hears of a change
that did not land.

The sender is the Flask app (`current_app._get_current_object()`, as Flask sends its
own signals), so a host can connect for its app only: `account_created.connect(f, app)`.
Every receiver is called as `receiver(app, **arguments)`:

    account_created     account: a new Account (a customer a manager added, one by one or
                        from a CSV file, a shopper who signed up, or a guest who ordered:
                        `account.is_guest`; `account.created_by_id` is the manager who
                        added it, None otherwise). A guest who later registers keeps the
                        same account: no second signal.
    balance_adjusted    account, entry (the LedgerEntry), amount_cents (int, + credits the
                        customer), actor (the manager's Account). A manager's adjustment
                        only; orders and payments move the balance without this signal.
    membership_changed  account, actor, expires_before, expires_after (dates; before may
                        be None): a manager changed or set the membership's end. (A new
                        account's trial orders come with account_created; a merge's
                        membership with accounts_merged.)
    mail_event_applied  account, event (the MailEvent), kind (MailEventKind: hard_bounce,
                        spam_complaint or unsubscribe): a delivery report changed the
                        account (mail stopped, or the account deactivated). Once per
                        account changed; a report that changes nothing sends nothing.
    act_as_started      session (the ActAsSession), manager, shopper (Accounts).
    act_as_ended        session, manager, shopper, how (a key of act_as END_REASONS:
                        "ended", "signed_out", "expired" or "idle").
    accounts_merged     kept (the Account that stays), merged (the retired one, already
                        anonymised), merged_email (its address before), actor, moved
                        (dict: rows moved per kind).
    customer_erased     account (its personal data replaced by placeholders), actor.

Receivers run after the commit, in the request (or job) that made the change. A receiver
that raises is logged (logger "lgadmin.signals") and the other receivers still run: the
change stands, so the person who made it sees it succeed. Objects are expired by the
commit, so reading an attribute loads it afresh, in a transaction of its own.
"""

import logging

from blinker import Namespace, Signal
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.local import LocalProxy

from .extensions import begun_within, db

log = logging.getLogger(__name__)

_signals = Namespace()

account_created = _signals.signal("lgadmin-account-created")
balance_adjusted = _signals.signal("lgadmin-balance-adjusted")
membership_changed = _signals.signal("lgadmin-membership-changed")
mail_event_applied = _signals.signal("lgadmin-mail-event-applied")
act_as_started = _signals.signal("lgadmin-act-as-started")
act_as_ended = _signals.signal("lgadmin-act-as-ended")
accounts_merged = _signals.signal("lgadmin-accounts-merged")
customer_erased = _signals.signal("lgadmin-customer-erased")

PENDING = "lgadmin_signals_pending"
COMMITTED = "lgadmin_signals_committed"


def send_after_commit(signal: Signal, **arguments) -> None:
    """Send `signal` with `arguments` once the current transaction commits; never if the
    transaction (or the savepoint this is called in) rolls back."""
    session = db.session()
    # The innermost transaction: a savepoint rolled back takes its signals with it.
    transaction = session.get_nested_transaction() or session.get_transaction()
    sender = current_app._get_current_object() if has_app_context() else None
    # A view's `current_account` is a proxy for this request: a receiver gets the account itself.
    arguments = {
        name: value._get_current_object() if isinstance(value, LocalProxy) else value
        for name, value in arguments.items()
    }
    session.info.setdefault(PENDING, []).append((transaction, signal, sender, arguments))


@event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back(session, previous_transaction) -> None:
    pending = session.info.get(PENDING)
    if pending:
        pending[:] = [item for item in pending if not begun_within(item[0], previous_transaction)]


@event.listens_for(Session, "after_commit")
def _note_commit(session) -> None:
    # Fires for a savepoint released too; only the outermost commit makes a change land.
    if PENDING in session.info and not session.in_nested_transaction():
        session.info[COMMITTED] = True


@event.listens_for(Session, "after_transaction_end")
def _send_committed(session, transaction) -> None:
    """At the end of the outermost transaction: send what it committed, forget the rest.

    After the end rather than in after_commit, so a receiver may read (and load
    attributes) in a new transaction."""
    if transaction.parent is not None:
        return
    pending = session.info.pop(PENDING, [])
    if not session.info.pop(COMMITTED, False):
        return
    for _transaction, signal, sender, arguments in pending:
        _send(signal, sender, arguments)


def _send(signal: Signal, sender, arguments: dict) -> None:
    """Call each receiver; one that raises is logged and the others still run."""
    if signal.is_muted:
        return
    for receiver in signal.receivers_for(sender):
        try:
            receiver(sender, **arguments)
        except Exception:
            log.exception("lgadmin: a receiver of the %s signal failed", signal.name)

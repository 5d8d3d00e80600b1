"""Optimistic locking of an account: a form filled in against an older version is refused."""

from .closed import closed_reason
from .models import Account

STALE_MESSAGE = (
    "This customer was changed by someone else since you opened the page. "
    "The current values are shown; make your change again."
)


class StaleForm(Exception):
    """The form was filled in against an older version of the account."""


class AccountClosed(StaleForm):
    """The account was erased or merged into another: nothing about it changes any more.

    A StaleForm, so every form that refuses a stale version refuses this the same way."""


def check_version(account: Account, expected_version: int | None) -> None:
    """Refuse a change to a closed account, or one made on a form older than the account."""
    reason = closed_reason(account)
    if reason:
        raise AccountClosed(reason)
    if expected_version is not None and expected_version != account.version:
        raise StaleForm(STALE_MESSAGE)

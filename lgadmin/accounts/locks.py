"""Serialising the writers of one account (balance, loyalty points, addresses, merges)."""

from sqlalchemy import select

from ..extensions import db
from .models import Account


def lock_account(account_id: int) -> Account:
    """The account row, locked until the transaction ends (a no-op lock on SQLite).

    FOR NO KEY UPDATE, since no balance change touches the key: it still serialises every
    writer of the row, but rows that merely refer to the account (a mail event, a comment)
    are inserted without waiting for it, as their foreign key check only takes KEY SHARE."""
    stmt = select(Account).where(Account.id == account_id).with_for_update(key_share=True)
    account = db.session.execute(stmt.execution_options(populate_existing=True)).scalar_one()
    return account

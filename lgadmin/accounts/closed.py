"""Accounts that are closed for good: erased, or merged into the account that was kept."""

from sqlalchemy import exists, select

from ..extensions import db
from .models import Account, AccountMerge


def closed_reason(account: Account) -> str:
    """Why `account` can no longer be changed ("" while it can): erased, or merged away."""
    if account.erased_at is not None:
        return "This customer was erased; their account can't be changed any more."
    if db.session.scalar(select(exists().where(AccountMerge.merged_account_id == account.id))):
        return "This account was merged into another; change the account that was kept."
    return ""

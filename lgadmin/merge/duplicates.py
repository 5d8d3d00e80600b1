"""Possible duplicates: customers of a market that share an email, a phone or a name.

Every account stores its keys (`email_key`, `phone_key`, `name_key`: the mailbox, the phone
and the folded name, lgadmin.accounts.search_text.duplicate_keys), indexed after the market.
The database groups one market's keys, pairs the active customers of the small groups and
ranks the pairs; Python only loads the accounts of the pairs listed. Nothing is read per
customer of the market: 100,000 customers take tens of milliseconds (benchmarks/duplicates.py).
"""

from dataclasses import dataclass, field

from sqlalchemy import and_, exists, func, literal_column, select, union_all

from ..accounts.models import Account, AccountMerge
from ..accounts.search_text import name_key
from ..contact import mailbox_key, phone_key
from ..extensions import db
from ..markets.models import Market
from ..tenancy import select_in_market

EMAIL, PHONE, NAME = "email", "phone", "name"
REASONS = (EMAIL, PHONE, NAME)
REASON_LABELS = {EMAIL: "Same email", PHONE: "Same phone", NAME: "Same name"}
# A shared email outranks anything without one, a phone outranks a name, and more
# reasons outrank fewer of the same strength.
REASON_WEIGHTS = {EMAIL: 4, PHONE: 2, NAME: 1}
# A key shared by more accounts than this (a shop's phone, "John Smith" at a big
# market) says little about any one pair; it is left out rather than listed n² times.
MAX_GROUP = 12
MAX_PAIRS = 200
KEY_COLUMNS = {EMAIL: Account.email_key, PHONE: Account.phone_key, NAME: Account.name_key}

# The rules themselves live where the account's keys are made; under these names for callers.
normalised_email = mailbox_key
normalised_phone = phone_key
normalised_name = name_key


def reasons_score(reasons) -> int:
    return sum(REASON_WEIGHTS[reason] for reason in reasons)


@dataclass
class DuplicatePair:
    first: Account
    second: Account
    reasons: set = field(default_factory=set)

    @property
    def score(self) -> int:
        return reasons_score(self.reasons)

    @property
    def reason_labels(self) -> list[str]:
        return [REASON_LABELS[r] for r in (EMAIL, PHONE, NAME) if r in self.reasons]

    @property
    def kept_and_merged(self) -> tuple[Account, Account]:
        """The suggested direction: a guest goes into the registered account, else the newer
        account into the older one."""
        a, b = self.first, self.second
        if a.is_guest != b.is_guest:
            return (b, a) if a.is_guest else (a, b)
        return (a, b) if (a.joined_at, a.id) <= (b.joined_at, b.id) else (b, a)


def _candidates():
    """The market's accounts a pair may be made of: active customers never merged away
    (a closed, merged or erased account is inactive; managers and superusers are staff)."""
    return (
        Account.active.is_(True),
        Account.is_manager.is_(False),
        Account.is_superuser.is_(False),
        ~exists().where(AccountMerge.merged_account_id == Account.id),
    )


def _pairs_sharing(reason: str, market: Market):
    """(first_id, second_id, one flag per reason) for every two candidates sharing a key of
    `reason` held by 2 to MAX_GROUP candidates; first_id < second_id."""
    key = KEY_COLUMNS[reason]
    # Keys two accounts of the market or more hold, read from the (market_id, key) index
    # alone: a narrow list, whatever the market's size, before any account row is read.
    repeated = (
        select_in_market(Account, market, key)
        .where(key.is_not(None))
        .group_by(key)
        .having(func.count() > 1)
        .correlate(None)
    )
    members = (
        select_in_market(Account, market, Account.id, key.label("key"))
        .where(key.in_(repeated), *_candidates())
        .cte(f"duplicate_{reason}_members")
    )
    groups = (
        select(members.c.key)
        .group_by(members.c.key)
        .having(func.count().between(2, MAX_GROUP))
        .correlate(None)
    )
    first, second = members.alias(f"{reason}_first"), members.alias(f"{reason}_second")
    return (
        select(
            first.c.id.label("first_id"),
            second.c.id.label("second_id"),
            *(literal_column("1" if r == reason else "0").label(r) for r in REASONS),
        )
        .select_from(
            first.join(second, and_(first.c.key == second.c.key, first.c.id < second.c.id))
        )
        .where(first.c.key.in_(groups))
    )


def possible_duplicates(market: Market, limit: int = MAX_PAIRS) -> list[DuplicatePair]:
    """Pairs of the market's active, unmerged customers that look like one person, best first
    (the strongest reasons first, then by the accounts' ids)."""
    found = union_all(*(_pairs_sharing(reason, market) for reason in REASONS)).subquery()
    shared = {reason: func.max(found.c[reason]) for reason in REASONS}
    score = sum(shared[reason] * REASON_WEIGHTS[reason] for reason in REASONS)
    best = db.session.execute(
        select(found.c.first_id, found.c.second_id, *shared.values())
        .group_by(found.c.first_id, found.c.second_id)
        .order_by(score.desc(), found.c.first_id, found.c.second_id)
        .limit(limit)
    ).all()
    wanted = {account_id for row in best for account_id in row[:2]}
    accounts = {
        account.id: account
        for account in db.session.scalars(
            select_in_market(Account, market).where(Account.id.in_(wanted))
        )
    }
    return [
        DuplicatePair(
            accounts[first_id],
            accounts[second_id],
            {reason for reason, flag in zip(REASONS, flags, strict=True) if flag},
        )
        for first_id, second_id, *flags in best
    ]

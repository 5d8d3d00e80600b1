"""Possible duplicates: customers of a market that share an email, a phone or a name.

One query reads the five columns the keys come from for the market's active
customers, the grouping on normalised keys happens here, and a second query
loads the accounts of the pairs listed. A market of a few thousand customers
takes milliseconds; 100,000 take about 1.3 s (benchmarks/grid.py).
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from phonenumbers import NumberParseException, PhoneNumberFormat, format_number
from phonenumbers import parse as parse_phone
from sqlalchemy import exists, select

from ..accounts.models import Account, AccountMerge
from ..extensions import db
from ..markets.models import Market
from ..tenancy import of_market

EMAIL, PHONE, NAME = "email", "phone", "name"
REASON_LABELS = {EMAIL: "Same email", PHONE: "Same phone", NAME: "Same name"}
# A shared email outranks anything without one, a phone outranks a name, and more
# reasons outrank fewer of the same strength.
REASON_WEIGHTS = {EMAIL: 4, PHONE: 2, NAME: 1}
# A key shared by more accounts than this (a shop's phone, "John Smith" at a big
# market) says little about any one pair; it is left out rather than listed n² times.
MAX_GROUP = 12
MAX_PAIRS = 200

# Countries of the North American Numbering Plan: ten digits, or eleven with the leading 1.
NANP = {"US", "CA", "PR", "GU", "VI", "AS", "MP"}
NON_DIGITS = re.compile(r"\D")
PLAIN_INTERNATIONAL = re.compile(r"\+[\d .-]+")
PLAIN_NATIONAL = re.compile(r"[\d .()-]+")
# Mailbox providers that deliver user+tag@ to user@; Gmail also ignores dots.
DOMAIN_ALIASES = {"googlemail.com": "gmail.com"}
DOTS_IGNORED = {"gmail.com"}
PLUS_TAGS_IGNORED = {
    "gmail.com",
    "outlook.com",
    "hotmail.com",
    "live.com",
    "icloud.com",
    "me.com",
    "fastmail.com",
    "protonmail.com",
    "proton.me",
}


def normalised_email(email: str) -> str:
    """The mailbox an address delivers to: case, and for the providers that ignore them,
    dots and +tags, taken off."""
    local, _, domain = (email or "").strip().lower().rpartition("@")
    if not local:
        return (email or "").strip().lower()
    domain = DOMAIN_ALIASES.get(domain, domain)
    if domain in PLUS_TAGS_IGNORED:
        local = local.split("+", 1)[0]
    if domain in DOTS_IGNORED:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def normalised_phone(phone: str, region: str = "US") -> str:
    """E.164 when the number parses, else its digits ("" for none)."""
    raw = (phone or "").strip()
    if not raw:
        return ""
    # The common shapes by their digits alone: parsing every number of a large market with
    # phonenumbers takes seconds.
    digits = NON_DIGITS.sub("", raw)
    if raw.startswith("+"):
        # A "(0)" trunk prefix or an extension needs the real parser.
        if PLAIN_INTERNATIONAL.fullmatch(raw) and digits[:1] not in ("", "0"):
            return f"+{digits}" if 8 <= len(digits) <= 15 else ""
    elif (region or "US") in NANP and PLAIN_NATIONAL.fullmatch(raw):
        if len(digits) == 10 and digits[0] in "23456789":
            return f"+1{digits}"
        if len(digits) == 11 and digits[0] == "1" and digits[1] in "23456789":
            return f"+{digits}"
    try:
        return format_number(parse_phone(raw, region or "US"), PhoneNumberFormat.E164)
    except NumberParseException:
        return digits if len(digits) >= 7 else ""


def normalised_name(first: str, last: str) -> str:
    first, last = " ".join((first or "").split()).casefold(), " ".join((last or "").split())
    if not first or not last:
        return ""
    return f"{first} {last.casefold()}"


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


def possible_duplicates(market: Market, limit: int = MAX_PAIRS) -> list[DuplicatePair]:
    """Pairs of the market's active, unmerged customers that look like one person, best first."""
    rows = db.session.execute(
        select(
            Account.id,
            Account.email,
            Account.phone,
            Account.country,
            Account.first_name,
            Account.last_name,
        ).where(
            of_market(Account, market),
            Account.active.is_(True),
            Account.is_manager.is_(False),
            Account.is_superuser.is_(False),
            ~exists().where(AccountMerge.merged_account_id == Account.id),
        )
    )
    groups = defaultdict(list)
    for account_id, email, phone, country, first_name, last_name in rows:
        groups[(EMAIL, normalised_email(email))].append(account_id)
        if phone:
            groups[(PHONE, normalised_phone(phone, country))].append(account_id)
        groups[(NAME, normalised_name(first_name, last_name))].append(account_id)
    reasons_of: dict[tuple[int, int], set] = defaultdict(set)
    for (reason, key), members in groups.items():
        if key and 1 < len(members) <= MAX_GROUP:
            for pair_ids in combinations(sorted(members), 2):
                reasons_of[pair_ids].add(reason)
    best = sorted(
        reasons_of.items(),
        key=lambda item: (-reasons_score(item[1]), item[0]),
    )[:limit]
    wanted = {account_id for pair_ids, _ in best for account_id in pair_ids}
    accounts = {
        account.id: account
        for account in db.session.scalars(select(Account).where(Account.id.in_(wanted)))
    }
    return [DuplicatePair(accounts[a], accounts[b], reasons) for (a, b), reasons in best]

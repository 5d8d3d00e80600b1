"""Possible duplicates: customers of a market that share an email, a phone or a name.

One query reads the market's active customers; the grouping on normalised
keys happens here (a few thousand accounts group in milliseconds).
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations

from phonenumbers import NumberParseException, PhoneNumberFormat, format_number
from phonenumbers import parse as parse_phone
from sqlalchemy import exists, select

from ..customers.models import Account
from ..extensions import db
from ..markets.models import Market
from .models import AccountMerge

EMAIL, PHONE, NAME = "email", "phone", "name"
REASON_LABELS = {EMAIL: "Same email", PHONE: "Same phone", NAME: "Same name"}
# A shared email outranks anything without one, a phone outranks a name, and more
# reasons outrank fewer of the same strength.
REASON_WEIGHTS = {EMAIL: 4, PHONE: 2, NAME: 1}
# A key shared by more accounts than this (a shop's phone, "John Smith" at a big
# market) says little about any one pair; it is left out rather than listed n² times.
MAX_GROUP = 12
MAX_PAIRS = 200

E164 = re.compile(r"\+[1-9]\d{7,14}")
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
    if E164.fullmatch(raw):  # how the customer forms store it: nothing to parse
        return raw
    try:
        return format_number(parse_phone(raw, region or "US"), PhoneNumberFormat.E164)
    except NumberParseException:
        digits = "".join(ch for ch in raw if ch.isdigit())
        return digits if len(digits) >= 7 else ""


def normalised_name(first: str, last: str) -> str:
    first, last = " ".join((first or "").split()).casefold(), " ".join((last or "").split())
    if not first or not last:
        return ""
    return f"{first} {last.casefold()}"


@dataclass
class DuplicatePair:
    first: Account
    second: Account
    reasons: set = field(default_factory=set)

    @property
    def score(self) -> int:
        return sum(REASON_WEIGHTS[reason] for reason in self.reasons)

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
    accounts = db.session.scalars(
        select(Account).where(
            Account.market_id == market.id,
            Account.active.is_(True),
            Account.is_manager.is_(False),
            Account.is_superuser.is_(False),
            ~exists().where(AccountMerge.merged_account_id == Account.id),
        )
    ).all()
    groups = defaultdict(list)
    for account in accounts:
        keys = {
            EMAIL: normalised_email(account.email),
            PHONE: normalised_phone(account.phone, account.country),
            NAME: normalised_name(account.first_name, account.last_name),
        }
        for reason, key in keys.items():
            if key:
                groups[(reason, key)].append(account)
    pairs: dict[tuple[int, int], DuplicatePair] = {}
    for (reason, _), members in groups.items():
        if not 1 < len(members) <= MAX_GROUP:
            continue
        for a, b in combinations(sorted(members, key=lambda m: m.id), 2):
            pair = pairs.setdefault((a.id, b.id), DuplicatePair(a, b))
            pair.reasons.add(reason)
    ranked = sorted(pairs.values(), key=lambda p: (-p.score, p.first.id, p.second.id))
    return ranked[:limit]

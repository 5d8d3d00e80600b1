"""Contact data read the same way everywhere: the stored form of an email address, and how a
stored phone number is shown.

An address typed anywhere (sign-in, signup, Add Customers, an import row, Edit Customer Info,
an invitation, the market's settings, the rate limiter's key) goes through `normalize_email`
and is checked by `email_problem`, so the same address always finds the same account and the
same typing is refused the same way everywhere. A phone typed anywhere is read by
`parse_phone`. Phones are stored in E.164 (+17065550123); every screen and file a manager
reads (the details, the Edit Customer Info form, the exports) shows them through
`display_phone`, so a number looks the same wherever it appears, and a number shown and
typed back in reads as the same number.

Two accounts are one person's when they share a mailbox (`mailbox_key`: the providers' own
rules for dots and +tags) or a phone (`phone_key`); the account stores both keys
(lgadmin.accounts.search_text) and the possible duplicates are grouped on them in SQL.
"""

import contextlib
import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from .spreadsheet import restore

DEFAULT_REGION = "US"
EMAIL_MAX = 254
# Control characters are dropped; tabs and line breaks are white space like any other.
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
_SPACES = re.compile(r"\s+")

# Why an address can't be used (`email_problem`); the import lists these words per row.
MISSING_EMAIL = "missing email"
EMAIL_HAS_SPACE = "space in email"
INVALID_EMAIL = "invalid email"
# The same, as a form says it under the field.
EMAIL_MESSAGES = {
    MISSING_EMAIL: "This field is required.",
    EMAIL_HAS_SPACE: "An email address can't contain spaces. Check the address and type it "
    "again without them.",
    INVALID_EMAIL: "Enter a valid email address.",
}
PHONE_MESSAGE = "Enter a valid phone number, for example (706) 555-0123."

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
# Countries of the North American Numbering Plan: ten digits, or eleven with the leading 1.
NANP = {"US", "CA", "PR", "GU", "VI", "AS", "MP"}
_NON_DIGITS = re.compile(r"\D")
_PLAIN_INTERNATIONAL = re.compile(r"\+[\d .-]+")
_PLAIN_NATIONAL = re.compile(r"[\d .()-]+")


class InvalidPhone(ValueError):
    """A typed phone that isn't a phone number of the region (or an international one)."""


def _cleaned(raw) -> str:
    """Typed or imported text as one line: NFC, the apostrophe our exports put before
    formula-like text taken off (lgadmin.spreadsheet), no control characters, each run of
    white space one space, trimmed."""
    text = restore(unicodedata.normalize("NFC", str(raw or "")))
    return _SPACES.sub(" ", _CONTROL_CHARS.sub("", text)).strip()


def normalize_email(raw) -> str:
    """The stored form of an address: cleaned (`_cleaned`), lower-case; a valid address also
    in email_validator's normal form (an IDNA domain such as xn--bcher-kva.de written as
    bücher.de), so both spellings are one address. An invalid one is only cleaned and left
    for `email_problem` to refuse: a space inside ("Ann  @example.org") is kept, never
    squeezed out, because the address the person meant can't be guessed."""
    text = _cleaned(raw)
    with contextlib.suppress(EmailNotValidError):  # an invalid one stays as cleaned
        text = validate_email(text, check_deliverability=False).normalized
    return text.lower()


def email_problem(email: str) -> str | None:
    """Why `email` (as `normalize_email` returns it) can't be stored, or None:
    MISSING_EMAIL, EMAIL_HAS_SPACE or INVALID_EMAIL (EMAIL_MESSAGES says them on a form)."""
    if not email:
        return MISSING_EMAIL
    if " " in email:  # said apart: a manager sees at once what to fix
        return EMAIL_HAS_SPACE
    if not email_is_valid(email):
        return INVALID_EMAIL
    return None


def email_is_valid(email: str) -> bool:
    """Whether an address (as `normalize_email` returns it) can be stored and mailed."""
    if not email or len(email) > EMAIL_MAX:
        return False
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def parse_phone(raw, region: str) -> str:
    """A typed or imported phone in its stored form, E.164 (+17065550123), read as people of
    `region` write numbers; "" when none was given. Raises InvalidPhone (its message is
    PHONE_MESSAGE) for anything else."""
    text = _cleaned(raw)
    if not text:
        return ""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        raise InvalidPhone(PHONE_MESSAGE) from None
    if not phonenumbers.is_valid_number(number):
        raise InvalidPhone(PHONE_MESSAGE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def market_region(market) -> str:
    """The country a market's phones are read and shown in (markets are all US for now)."""
    return getattr(market, "country", None) or DEFAULT_REGION


def display_phone(stored: str | None, region: str) -> str:
    """A stored phone as people of `region` write it: the national form for the region's own
    numbers ("(706) 555-0123"), the international form for others ("+44 20 7946 0958").
    Anything that isn't a valid phone number (a value saved before phones were checked) is
    shown as it was stored, never half-reformatted."""
    if not stored:
        return ""
    try:
        number = phonenumbers.parse(stored, region)
    except phonenumbers.NumberParseException:
        return stored
    if not phonenumbers.is_valid_number(number):
        return stored
    at_home = phonenumbers.region_code_for_number(number) == region
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if at_home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(number, style)


def mailbox_key(email: str | None) -> str:
    """The mailbox an address delivers to: case, and for the providers that ignore them,
    dots and +tags, taken off ("" for none). Two accounts with one key share a mailbox."""
    local, _, domain = (email or "").strip().lower().rpartition("@")
    if not local:
        return (email or "").strip().lower()
    domain = DOMAIN_ALIASES.get(domain, domain)
    if domain in PLUS_TAGS_IGNORED:
        local = local.split("+", 1)[0]
    if domain in DOTS_IGNORED:
        local = local.replace(".", "")
    return f"{local}@{domain}"


def phone_key(phone: str | None, region: str | None = DEFAULT_REGION) -> str:
    """A phone as one number whatever its writing: E.164 when it parses (read as people of
    `region` write numbers), else its digits when there are 7 or more, else ""."""
    raw = (phone or "").strip()
    if not raw:
        return ""
    # The common shapes by their digits alone: parsing every number of a large market with
    # phonenumbers takes seconds.
    digits = _NON_DIGITS.sub("", raw)
    if raw.startswith("+"):
        # A "(0)" trunk prefix or an extension needs the real parser.
        if _PLAIN_INTERNATIONAL.fullmatch(raw) and digits[:1] not in ("", "0"):
            return f"+{digits}" if 8 <= len(digits) <= 15 else ""
    elif (region or DEFAULT_REGION) in NANP and _PLAIN_NATIONAL.fullmatch(raw):
        if len(digits) == 10 and digits[0] in "23456789":
            return f"+1{digits}"
        if len(digits) == 11 and digits[0] == "1" and digits[1] in "23456789":
            return f"+{digits}"
    try:
        number = phonenumbers.parse(raw, region or DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return digits if len(digits) >= 7 else ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

"""Contact data read the same way everywhere: the stored form of an email address, and how a
stored phone number is shown.

An address typed anywhere (sign-in, signup, Add Customers, an import row, Edit Customer Info,
the rate limiter's key) goes through `normalize_email`, so the same address always finds
the same account. Phones are stored in E.164 (+17065550123); every screen and file a manager
reads (the details, the Edit Customer Info form, the exports) shows them through
`display_phone`, so a number looks the same wherever it appears, and a number shown and
typed back in reads as the same number.
"""

import contextlib
import re
import unicodedata

import phonenumbers
from email_validator import EmailNotValidError, validate_email

DEFAULT_REGION = "US"
EMAIL_MAX = 254
_CONTROL_CHARS = re.compile(r"[\x00-\x1f\x7f]")
_SPACES = re.compile(r"\s+")


def normalize_email(raw) -> str:
    """The stored form of an address: lower-case, Unicode NFC, trimmed; a valid address also
    in email_validator's normal form (an IDNA domain such as xn--bcher-kva.de written as
    bücher.de), so both spellings are one address. An invalid one is only cleaned (no
    control characters, runs of spaces as one) and left for `email_is_valid` to refuse."""
    text = unicodedata.normalize("NFC", str(raw or ""))
    text = _SPACES.sub(" ", _CONTROL_CHARS.sub("", text)).strip()
    with contextlib.suppress(EmailNotValidError):  # an invalid one stays as cleaned
        text = validate_email(text, check_deliverability=False).normalized
    return text.lower()


def email_is_valid(email: str) -> bool:
    """Whether an address (as `normalize_email` returns it) can be stored and mailed."""
    if not email or len(email) > EMAIL_MAX:
        return False
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


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

"""Contact data read the same way everywhere: how a stored phone number is shown.

Phones are stored in E.164 (+17065550123). Every screen and file a manager reads (the
details, the Edit Customer Info form, the exports) shows them through `display_phone`, so a
number looks the same wherever it appears and a shown number typed back in reads the same.
"""

import phonenumbers

DEFAULT_REGION = "US"


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

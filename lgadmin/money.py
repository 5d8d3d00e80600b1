"""Integer cents to the market's currency, for screens and exports."""

SYMBOLS = {"USD": "$", "CAD": "$", "AUD": "$", "NZD": "$", "EUR": "€", "GBP": "£"}


def format_money(cents: int | None, currency: str = "USD") -> str:
    cents = int(cents or 0)  # SUM() of cents comes back as a Decimal on PostgreSQL
    symbol = SYMBOLS.get(currency, currency + " ")
    sign = "−" if cents < 0 else ""  # a true minus sign: it reads better than a hyphen
    whole, part = divmod(abs(cents), 100)
    return f"{sign}{symbol}{whole:,}.{part:02d}"

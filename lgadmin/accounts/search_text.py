"""The folded text a customer search matches: lower-case, without accents.

A manager types "siobhan" for "Siobhán" and "zoe" for "Zoë", and a shopper's own
spelling may be either. Neither SQLite nor PostgreSQL (without the unaccent extension,
whose function can't be indexed) folds accents, so the account stores its names and
email folded once (`Account.search_text`, kept on every insert and update), and the
search folds its words with the same function: both sides always agree.

The same goes for the keys the possible duplicates are grouped on (`duplicate_keys`): the
account stores its mailbox, phone and folded name keys, kept with `search_text`, so the
database groups a market's accounts without reading them all into Python.
"""

import unicodedata

from ..contact import mailbox_key, phone_key

# Letters NFKD leaves whole (they are letters of their own, not a letter plus an accent),
# written here as people without the key on their keyboard type them.
_UNDECOMPOSED_LETTERS = str.maketrans(
    {
        "ø": "o",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "ħ": "h",
        "ı": "i",
        "ŧ": "t",
        "æ": "ae",
        "œ": "oe",
        "þ": "th",
    }
)


def fold_for_search(text: str | None) -> str:
    """`text` case-folded, compatibility-decomposed (NFKD) and without combining marks."""
    decomposed = unicodedata.normalize("NFKD", (text or "").casefold())
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return bare.translate(_UNDECOMPOSED_LETTERS)


def account_search_text(first_name: str | None, last_name: str | None, email: str | None) -> str:
    """What a search word is looked for in: the folded names and email, space-separated.

    Search words never contain whitespace, so a word can't match across two fields.
    """
    return " ".join(fold_for_search(part) for part in (first_name, last_name, email))


def name_key(first_name: str | None, last_name: str | None) -> str:
    """First and last name as one person's name whatever the case, accents and spacing
    ("Zoë  PARK" and "zoe park" are one); "" unless both are given."""
    first, last = (" ".join(fold_for_search(name).split()) for name in (first_name, last_name))
    return f"{first} {last}" if first and last else ""


def duplicate_keys(
    email: str | None,
    phone: str | None,
    country: str | None,
    first_name: str | None,
    last_name: str | None,
) -> dict[str, str | None]:
    """The account's `email_key`, `phone_key` and `name_key` columns (None for no key)."""
    return {
        "email_key": mailbox_key(email) or None,
        "phone_key": phone_key(phone, country) or None,
        "name_key": name_key(first_name, last_name) or None,
    }

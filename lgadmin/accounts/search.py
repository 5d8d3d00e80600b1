"""Finding accounts by what a manager types: names and email, ignoring case and accents."""

from sqlalchemy import and_, true

from .models import Account
from .search_text import fold_for_search


def _like_pattern(word: str) -> str:
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_clause(words: list[str]):
    """Every word must match the first name, the last name or the email, ignoring case
    and accents: the words are folded as the account's stored `search_text` is."""
    # Folding can split a word (a lone "¨" decomposes to a space) or empty it (a lone
    # combining accent): only what is left of it has to match.
    parts = [part for word in words for part in fold_for_search(word).split()]
    return and_(
        true(),
        *(Account.search_text.like(_like_pattern(part), escape="\\") for part in parts),
    )

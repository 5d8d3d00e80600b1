"""Spreadsheet (formula) injection: the one neutraliser every export uses, and its undoing.

A spreadsheet runs a cell that starts with = + - @ (or a tab or carriage return) as a
formula. A cell is also split again when the file is opened with another separator
setting, or pasted into a sheet: then text after a semicolon, comma, tab or newline
inside the cell starts a cell of its own. So an apostrophe (which a spreadsheet reads as
"this is text") goes before a trigger at the start of the text and before every trigger
that follows a separator, spaces between them included.

The import takes these apostrophes off again (`restore`), so an export imports as it was.
"""

import re

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
SEPARATORS = (";", ",", "\t", "\n", "\r")

_TRIGGER = "[" + re.escape("".join(FORMULA_TRIGGERS)) + "]"
_SEPARATOR = "[" + re.escape("".join(SEPARATORS)) + "]"
# Where a piece of the text begins: its start, or just after a separator and any spaces.
_PIECE_START = rf"(?:^|{_SEPARATOR})[ ]*"
_UNSAFE = re.compile(rf"({_PIECE_START})(?={_TRIGGER})")
_NEUTRALISED = re.compile(rf"(^[ ]*|{_SEPARATOR}[ ]*)'(?={_TRIGGER})")


def neutralise(text: str | None) -> str:
    """`text` as a spreadsheet shows it, never runs it: an apostrophe before each trigger
    that starts the text or follows a separator. "=1+2" -> "'=1+2"; "a;=1" -> "a;'=1"."""
    return _UNSAFE.sub(r"\1'", text or "")


def is_neutral(text: str) -> bool:
    """True when no piece of `text` starts with a formula trigger."""
    return _UNSAFE.search(text) is None


def restore(text: str) -> str:
    """The text `neutralise` was given (what the import reads back from an export)."""
    return _NEUTRALISED.sub(r"\1", text)

"""Tenancy has one implementation: no market filter or market comparison is written by hand.

Every list of market data starts at `select_in_market` / `in_market`, every read by id is
`find_in_market` / `get_in_market`, a bare condition is `of_market` and a loaded row is
checked with `belongs_to`, all in lgadmin/tenancy.py. A `.market_id ==` (or `!=`) anywhere
else is a second copy of the one rule that must never break, and fails here.
"""

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "lgadmin"

# A market id compared as an attribute (`Model.market_id == ...`, `... != row.market_id`),
# or a filter_by on it. A plain local variable named market_id is not market data.
HAND_WRITTEN = re.compile(
    r"\.market_id\s*[!=]=|[!=]=\s*[\w.()\[\]]*\.market_id\b|filter_by\([^)]*\bmarket_id\s*="
)

# The gate itself and the models (defaults, foreign keys, relationship joins).
ALLOWED = {"tenancy.py"}


def hand_written_filters(text: str) -> list[tuple[int, str]]:
    """The (line number, line) pairs of `text` that compare a market id by hand."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        code = line.split("#", 1)[0]
        if HAND_WRITTEN.search(code):
            found.append((number, line.strip()))
    return found


def _checked_files():
    for path in sorted(PACKAGE.rglob("*.py")):
        relative = path.relative_to(PACKAGE).as_posix()
        if path.name == "models.py" or "migrations" in path.parts:
            continue
        if relative in ALLOWED:
            continue
        yield relative, path


def test_no_market_filter_is_written_outside_the_gate():
    offences = [
        f"lgadmin/{relative}:{number}: {line}"
        for relative, path in _checked_files()
        for number, line in hand_written_filters(path.read_text(encoding="utf-8"))
    ]
    assert not offences, (
        "Market filters go through lgadmin.tenancy (in_market, select_in_market, of_market, "
        "find_in_market, get_in_market, belongs_to):\n" + "\n".join(offences)
    )

"""The customer details page's sections: each domain's part of the page, in one stated order.

A section is a function `build(account, market, forms)` that returns the template and context
of its part of the page (a SectionPart), or None when it has nothing to show for this account.
`forms` holds the forms a view re-shows with their errors after a refused POST, under the keys
the section itself chose. The composition root (plugin.py) registers every section, one line
each; the page shows them slot by slot (SLOTS), and within a slot in the order registered.

The grid page takes parts the same way (register_grid_part): a function of the market that
returns extra context for the grid's template, or None.

This module imports no domain: the details page and the domains meet only here.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask import Flask, current_app, render_template
from markupsafe import Markup

EXTENSION = "lgadmin_sections"

# Where on the details page a section goes, top to bottom: the buttons beside the customer's
# name, the full-width band under it, the two columns, and the full width at the end.
SLOTS = ("actions", "top", "left", "right", "bottom")


@dataclass(frozen=True)
class SectionPart:
    template: str
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Section:
    name: str
    slot: str
    build: Callable[[Any, Any, dict], SectionPart | None]
    heading: str | None = None  # the words the page shows as its title, if it has one


@dataclass(frozen=True)
class GridPart:
    name: str
    build: Callable[[Any], dict | None]


class DetailsSections:
    """The registry of one app: its details-page sections and its grid parts."""

    def __init__(self) -> None:
        self._sections: list[Section] = []
        self._grid_parts: list[GridPart] = []
        # The function that renders the whole details page (account, status, **forms): the
        # customer view sets it, so a domain's view re-shows the page after a refused form.
        self.page: Callable[..., Any] | None = None
        self.page_endpoint = ""  # its endpoint, which takes the account as `id`

    def register(
        self,
        name: str,
        slot: str,
        build: Callable[[Any, Any, dict], SectionPart | None],
        heading: str | None = None,
    ) -> Section:
        if slot not in SLOTS:
            raise ValueError(f"section {name!r}: slot {slot!r} is not one of {SLOTS}")
        if any(section.name == name for section in self._sections):
            raise ValueError(f"section {name!r} is registered twice")
        section = Section(name, slot, build, heading)
        self._sections.append(section)
        return section

    def register_grid_part(self, name: str, build: Callable[[Any], dict | None]) -> None:
        if any(part.name == name for part in self._grid_parts):
            raise ValueError(f"grid part {name!r} is registered twice")
        self._grid_parts.append(GridPart(name, build))

    def sections(self, slot: str | None = None) -> list[Section]:
        """Every section in page order: slot by slot, then in the order registered."""
        ordered = sorted(self._sections, key=lambda section: SLOTS.index(section.slot))
        return [s for s in ordered if slot is None or s.slot == slot]

    def render_sections(self, account, market, forms: dict, common: dict) -> dict[str, list]:
        """Each slot's sections rendered to HTML, with `common` (the page's shared context)."""
        rendered: dict[str, list] = {slot: [] for slot in SLOTS}
        for section in self.sections():
            part = section.build(account, market, forms)
            if part is not None:
                html = render_template(part.template, **common, **part.context)
                # Our own template's output, autoescaped already: safe to place as it is.
                rendered[section.slot].append(Markup(html))  # nosec B704
        return rendered

    def grid_context(self, market) -> dict:
        context: dict = {}
        for part in self._grid_parts:
            context.update(part.build(market) or {})
        return context


def install(app: Flask) -> DetailsSections:
    registry = DetailsSections()
    app.extensions[EXTENSION] = registry
    return registry


def details_sections() -> DetailsSections:
    return current_app.extensions[EXTENSION]


def render_details_page(account, status: int = 200, **forms):
    """The customer's details page, with `forms` re-shown (a domain's view after a refusal)."""
    return details_sections().page(account, status, **forms)

"""Every icon-only button says what it does: an accessible name and a tooltip."""

import re
from html.parser import HTMLParser

from lgadmin.extensions import db
from tests.factories import AccountFactory, MarketFactory, PaymentMethodFactory


class IconOnlyButtons(HTMLParser):
    """Buttons (and links styled as buttons) whose content has no word to read."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.open: list[tuple[str, dict, list[str]]] = []
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        is_button = tag == "button" or (
            tag == "a" and re.search(r"\bbtn\b", attrs.get("class") or "")
        )
        if is_button:
            self.open.append((tag, attrs, []))
        elif tag == "input" and attrs.get("type") in ("submit", "button") and self.open:
            self.open[-1][2].append(attrs.get("value") or "")

    def handle_data(self, data):
        for _, _, texts in self.open:
            texts.append(data)

    def handle_endtag(self, tag):
        if self.open and self.open[-1][0] == tag:
            _, attrs, texts = self.open.pop()
            if not re.search(r"\w", "".join(texts)):
                self.found.append((tag, attrs))


def icon_only_buttons(html: str) -> list[tuple[str, dict]]:
    parser = IconOnlyButtons()
    parser.feed(html)
    return parser.found


def test_every_icon_only_button_has_a_label_and_a_tooltip(signed_in):
    market = MarketFactory()
    manager = AccountFactory(market=market, manager=True)
    shopper = AccountFactory(market=market)
    PaymentMethodFactory(account=shopper, brand="visa", last4="4242")
    db.session.commit()
    client = signed_in(manager)
    dashboard = client.get("/admin/").get_data(as_text=True)
    navbar = dashboard.split("</nav>")[0]
    pages = {"/admin/", "/admin/customers/", f"/admin/customers/details/?id={shopper.id}"}
    pages |= set(re.findall(r'href="(/admin/[^"#]*)"', navbar))
    seen = 0
    problems = []
    for path in sorted(pages):
        html = client.get(path.replace("&amp;", "&")).get_data(as_text=True)
        for tag, attrs in icon_only_buttons(html):
            seen += 1
            if not attrs.get("aria-label") or not attrs.get("title"):
                problems.append((path, tag, attrs.get("class"), attrs.get("aria-label")))
    assert seen >= 3  # the dashboard's arrow, the alerts' and dialogs' close buttons
    assert problems == []

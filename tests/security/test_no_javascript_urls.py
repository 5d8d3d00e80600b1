"""No `javascript:` URL anywhere: our Content-Security-Policy refuses them."""

import re
from pathlib import Path

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from tests.factories import AccountFactory, MarketFactory

ROOT = Path(__file__).resolve().parents[2]
JAVASCRIPT_URL = re.compile(r"javascript\s*:", re.I)


def test_no_template_or_script_of_ours_has_one():
    files = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "lgadmin" / "static").rglob("*.js")]
    assert len(files) > 50
    offenders = [str(f.relative_to(ROOT)) for f in files if JAVASCRIPT_URL.search(f.read_text())]
    assert offenders == []


def test_no_rendered_admin_page_has_one(signed_in):
    market = MarketFactory()
    manager = AccountFactory(market=market, manager=True)
    db.session.add_all(
        Account(market_id=market.id, last_name=f"Shopper{n:03d}", email=f"s{n}@example.org")
        for n in range(120)
    )
    db.session.commit()
    client = signed_in(manager)
    dashboard = client.get("/admin/").get_data(as_text=True)
    navbar = dashboard.split("</nav>")[0]
    pages = {"/admin/", "/admin/customers/?page=1", f"/admin/customers/details/?id={manager.id}"}
    pages |= set(re.findall(r'href="(/admin/[^"#]*)"', navbar))
    assert len(pages) > 8
    for path in sorted(pages):
        response = client.get(path.replace("&amp;", "&"))
        html = response.get_data(as_text=True)
        assert response.status_code == 200, path
        assert not JAVASCRIPT_URL.search(html), f"{path}: {JAVASCRIPT_URL.search(html)}"
    grid = client.get("/admin/customers/?page=1").get_data(as_text=True)
    assert 'class="pagination' in grid and "items" in grid  # the pager and page-size toggle

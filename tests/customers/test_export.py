"""Export (spec 003): the current grid view or a segment, as CSV or Excel, import-compatible."""

import csv
import io

import pytest
from openpyxl import load_workbook

from lgadmin.extensions import db
from lgadmin.segments.models import Segment
from tests.factories import AccountFactory, MarketFactory, PickupLocationFactory
from tests.insight import order

IMPORT_HEADER = ["first name", "last name", "email", "phone", "pickup location"]


def read_csv(response) -> list[dict]:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_csv_starts_with_the_import_template_columns(market, manager_client):
    pickup = PickupLocationFactory(market=market, name="Eastside Co-op")
    shopper = AccountFactory(
        market=market,
        first_name="Renée",
        last_name="O'Brien",
        email="renee@x.org",
        phone="0706 555 0101",
        pickup_location=pickup,
        balance_cents=-1250,
    )
    order(shopper, 4550)
    response = manager_client.get("/admin/customers/export/csv")
    header = response.get_data().decode("utf-8-sig").splitlines()[0].split(",")
    assert header[:5] == IMPORT_HEADER
    rows = {r["email"]: r for r in read_csv(response)}
    renee = rows["renee@x.org"]
    assert (renee["first name"], renee["last name"], renee["phone"], renee["pickup location"]) == (
        "Renée",
        "O'Brien",
        "0706 555 0101",
        "Eastside Co-op",
    )  # leading zero kept
    assert (renee["balance"], renee["total orders"], renee["total spent"]) == (
        "-12.50",
        "1",
        "45.50",
    )


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_formula_like_cells_are_neutralised(market, manager_client, start):
    AccountFactory(market=market, first_name=f'{start}HYPERLINK("http://evil")', email="f@x.org")
    rows = {r["email"]: r for r in read_csv(manager_client.get("/admin/customers/export/csv"))}
    assert rows["f@x.org"]["first name"] == f'\'{start}HYPERLINK("http://evil")'
    workbook = load_workbook(
        io.BytesIO(manager_client.get("/admin/customers/export/xlsx").get_data())
    )
    values = [row[0] for row in workbook.active.iter_rows(values_only=True)]
    assert any(
        str(v).startswith(f"'{start}".replace("\r", "")) or str(v).startswith("'") for v in values
    )
    assert all(not str(v).startswith("=") for v in values)


def test_export_is_the_current_grid_view_search_toggle_filters_and_sort(market, manager_client):
    for n, (last, active) in enumerate(
        [("Smith", True), ("Smithers", False), ("Jones", True), ("Smithson", True)]
    ):
        shopper = AccountFactory(
            market=market, last_name=last, email=f"{last.lower()}@x.org", active=active
        )
        for _ in range(n):
            order(shopper, 1000)
    rows = read_csv(
        manager_client.get("/admin/customers/export/csv?search=smith&status=active&sort=6&desc=1")
    )
    assert [r["email"] for r in rows] == ["smithson@x.org", "smith@x.org"]
    rows = read_csv(manager_client.get("/admin/customers/export/csv?orders_more_than=1"))
    assert sorted(r["email"] for r in rows) == ["jones@x.org", "smithson@x.org"]


def test_grid_export_links_carry_the_grid_arguments(market, manager_client):
    html = manager_client.get(
        "/admin/customers/?search=smith&status=active&sort=6&desc=1&orders_more_than=1"
    ).get_data(as_text=True)
    for fmt in ("csv", "xlsx"):
        link = html.split(f"/admin/customers/export/{fmt}?")[1].split('"')[0]
        for part in ("search=smith", "status=active", "sort=6", "desc=1", "orders_more_than=1"):
            assert part in link, (fmt, part)


def test_a_segment_exports_as_excel(market, manager_client):
    regular = AccountFactory(market=market, email="regular@x.org", first_name="Reg")
    for _ in range(3):
        order(regular, 2000)
    AccountFactory(market=market, email="once@x.org")
    segment = Segment(market_id=market.id, name="Regulars!", criteria={"orders_more_than": "2"})
    db.session.add(segment)
    db.session.commit()
    response = manager_client.get(f"/admin/customers/export/xlsx?segment={segment.id}")
    assert response.status_code == 200
    assert "customers-athens-Regulars" in response.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0][:5]) == IMPORT_HEADER
    assert [r[2] for r in rows[1:]] == ["regular@x.org"]
    assert float(rows[1][9]) == 60.0 and rows[1][8] == 3  # numbers stay numbers


def test_export_never_includes_another_market(market, manager_client):
    AccountFactory(market=MarketFactory(), email="elsewhere@x.org")
    AccountFactory(market=market, email="here@x.org")
    assert "elsewhere@x.org" not in manager_client.get("/admin/customers/export/csv").get_data(
        as_text=True
    )
    assert manager_client.get("/admin/customers/export/pdf").status_code == 404


def test_refused_filters_do_not_export_everyone(market, manager_client):
    response = manager_client.get(
        "/admin/customers/export/csv?orders_more_than=5&orders_less_than=2"
    )
    assert response.status_code == 302
    page = manager_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Fix the marked filters before exporting." in page
    assert "No order count is more than 5 and less than 2." in page

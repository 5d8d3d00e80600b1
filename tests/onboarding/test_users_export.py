"""The users export: the market's customers in the import template's columns."""

import csv
import io

from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from tests.conftest import csrf_token_from, sign_in
from tests.factories import AccountFactory, MarketFactory, PickupLocationFactory
from tests.onboarding.test_csv_import import statuses, upload

EXPORT = "/admin/customers/export.csv"


def _rows(response) -> list[dict]:
    text = response.get_data().decode("utf-8-sig")
    return list(csv.DictReader(io.StringIO(text)))


def test_the_export_has_the_template_columns_and_only_this_markets_customers(signed_in):
    market = MarketFactory(pickup_locations_enabled=True)
    downtown = PickupLocationFactory(market=market, name="Downtown")
    manager = AccountFactory(manager=True, market=market, first_name="Mia", last_name="Manager")
    AccountFactory(
        market=market,
        first_name="Zoë",
        last_name="Ørsted",
        email="zoe@example.org",
        phone="+17065431234",
        pickup_location=downtown,
    )
    AccountFactory(email="elsewhere@example.org")  # another market
    response = signed_in(manager).get(EXPORT)
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert f'filename="{market.slug}-customers-' in response.headers["Content-Disposition"]
    header = response.get_data().decode("utf-8-sig").splitlines()[0]
    assert header == "first name,last name,email,phone,pickup location"
    rows = _rows(response)
    assert [r["email"] for r in rows] == [manager.email, "zoe@example.org"]
    assert rows[1] == {
        "first name": "Zoë",
        "last name": "Ørsted",
        "email": "zoe@example.org",
        "phone": "(706) 543-1234",
        "pickup location": "Downtown",
    }


def test_formula_like_cells_are_neutralised(signed_in):
    manager = AccountFactory(manager=True, last_name="Boss")
    for first, last in (("=1+2", "+Plus"), ("-Minus", "@At"), ("Plain", "Name")):
        AccountFactory(market=manager.market, first_name=first, last_name=last)
    rows = _rows(signed_in(manager).get(EXPORT))
    by_last = {r["last name"]: r["first name"] for r in rows}
    assert by_last == {
        "Boss": manager.first_name,
        "'+Plus": "'=1+2",
        "'@At": "'-Minus",
        "Name": "Plain",
    }


def test_a_shopper_cannot_export(signed_in):
    assert signed_in(AccountFactory()).get(EXPORT).status_code == 403


def test_export_trim_and_reimport_into_another_market_the_manager_runs(app):
    """Spec 000's tip: download the users export, trim it down, and re-import it elsewhere."""
    first = MarketFactory(pickup_locations_enabled=True, name="Athens")
    second = MarketFactory(pickup_locations_enabled=True, name="Watkinsville")
    PickupLocationFactory(market=first, name="Downtown")
    PickupLocationFactory(market=second, name="downtown")
    person = {"first_name": "Mia", "last_name": "Manager", "email": "mia@example.org"}
    at_first = AccountFactory(manager=True, market=first, **person)
    at_second = AccountFactory(manager=True, market=second, **person)
    people = [
        ("Zoë", "Ørsted", "zoe@example.org", "+17065431234", first.pickup_locations[0]),
        ("Seán", "O'Hara", "sean@example.org", "", None),
        ("=cmd", "-x", "formula@example.org", "+442079460958", None),
        ("Left", "Behind", "left@example.org", "", None),
    ]
    for first_name, last_name, email, phone, pickup in people:
        AccountFactory(
            market=first,
            first_name=first_name,
            last_name=last_name,
            email=email,
            phone=phone,
            pickup_location=pickup,
        )
    AccountFactory(market=second, email="sean@example.org")  # already there

    client = app.test_client()
    sign_in(client, at_first)
    exported = client.get(EXPORT).get_data()
    lines = exported.decode("utf-8-sig").splitlines(keepends=True)
    trimmed = "".join(line for line in lines if "left@" not in line and "mia@" not in line)

    other = app.test_client()
    sign_in(other, at_second)
    preview_url = upload(other, ("\ufeff" + trimmed).encode("utf-8")).headers["Location"]
    page = other.get(preview_url).get_data(as_text=True)
    assert sorted(statuses(page).values()) == [
        "Ready",
        "Ready",
        "Skipped: already has an account",
    ]
    token = csrf_token_from(page)
    other.post(preview_url, data={"csrf_token": token})

    db.session.expire_all()
    moved = {
        a.email: a
        for a in db.session.scalars(
            select(Account).where(
                Account.market_id == second.id, Account.created_by_id.is_not(None)
            )
        )
    }
    assert set(moved) == {"zoe@example.org", "formula@example.org"}
    zoe, formula = moved["zoe@example.org"], moved["formula@example.org"]
    assert (zoe.first_name, zoe.last_name, zoe.phone) == ("Zoë", "Ørsted", "+17065431234")
    assert zoe.pickup_location.market_id == second.id
    assert (formula.first_name, formula.last_name) == ("=cmd", "-x")
    assert formula.phone == "+442079460958"
    assert {a.created_by_id for a in moved.values()} == {at_second.id}

"""A shopper asks for a copy of their data or for erasure; the manager sees and handles it."""

import pytest
from sqlalchemy.exc import IntegrityError

from lgadmin.extensions import db
from lgadmin.privacy.models import DataRequest, DataRequestKind
from tests.conftest import csrf_token_from
from tests.factories import AccountFactory, MarketFactory


def _account_page(client) -> str:
    return client.get("/m/athens/account").get_data(as_text=True)


def _ask(client, what: str) -> str:
    token = csrf_token_from(_account_page(client))
    response = client.post(
        f"/m/athens/account/data/{what}", data={"csrf_token": token}, follow_redirects=True
    )
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_copy_requested_by_the_shopper_is_handled_by_the_download(
    signed_in, manager_client, customer
):
    shopper = signed_in(customer)
    assert "Your data" in _account_page(shopper)

    page = _ask(shopper, "copy")
    assert "We have your request for a copy of your data." in page
    assert "waiting for a manager" in page
    again = _ask(shopper, "copy")
    assert "Already requested: you asked for a copy of your data on" in again
    assert db.session.query(DataRequest).filter_by(account_id=customer.id).count() == 1

    details = manager_client.get(f"/admin/customers/details/?id={customer.id}")
    assert "Requested a copy of their data on" in details.get_data(as_text=True)
    listing = manager_client.get("/admin/data-requests/").get_data(as_text=True)
    assert "Robin Hayes" in listing and "A copy of their data" in listing and "Open" in listing

    assert manager_client.get(f"/admin/customers/{customer.id}/data.zip").status_code == 200

    request = db.session.query(DataRequest).filter_by(account_id=customer.id).one()
    assert request.handled_at is not None and request.outcome == "exported"
    assert "Requested a copy of their data on" not in manager_client.get(
        f"/admin/customers/details/?id={customer.id}"
    ).get_data(as_text=True)
    assert "done on" in _account_page(shopper)
    assert "Exported on" in manager_client.get("/admin/data-requests/").get_data(as_text=True)


def test_an_erasure_request_is_handled_by_the_erasure(signed_in, manager_client, customer):
    shopper = signed_in(customer)
    assert "We have your request to erase your account." in _ask(shopper, "erasure")

    details = manager_client.get(f"/admin/customers/details/?id={customer.id}")
    html = details.get_data(as_text=True)
    assert "Asked to erase their account on" in html
    manager_client.post(
        f"/admin/customers/{customer.id}/erase",
        data={"csrf_token": csrf_token_from(html), "confirm": "ERASE"},
    )

    request = db.session.query(DataRequest).filter_by(account_id=customer.id).one()
    assert request.kind == DataRequestKind.ERASURE and request.outcome == "erased"


def test_requests_of_another_market_are_not_listed(signed_in, manager_client, customer):
    elsewhere = MarketFactory(slug="elsewhere")
    stranger = AccountFactory(market=elsewhere, first_name="Quinn", last_name="Faraway")
    db.session.add(DataRequest(market_id=elsewhere.id, account_id=stranger.id, kind="export"))
    db.session.commit()

    listing = manager_client.get("/admin/data-requests/").get_data(as_text=True)

    assert "Faraway" not in listing


def test_a_shopper_cannot_request_for_another_market(signed_in, customer):
    MarketFactory(slug="elsewhere")
    shopper = signed_in(customer)
    token = csrf_token_from(_account_page(shopper))

    response = shopper.post("/m/elsewhere/account/data/copy", data={"csrf_token": token})

    assert response.status_code == 404
    assert db.session.query(DataRequest).count() == 0


def test_the_database_keeps_one_open_request_of_a_kind_per_account(customer):
    def add():
        db.session.add(
            DataRequest(
                market_id=customer.market_id,
                account_id=customer.id,
                kind=DataRequestKind.ERASURE,
            )
        )
        db.session.flush()

    add()
    with pytest.raises(IntegrityError), db.session.begin_nested():
        add()


def _zip_names(response) -> list[str]:
    import io
    import zipfile

    return zipfile.ZipFile(io.BytesIO(response.get_data())).namelist()


def test_the_shopper_downloads_their_copy_once_a_manager_has_answered(
    signed_in, manager_client, customer
):
    shopper = signed_in(customer)
    early = shopper.get("/m/athens/account/data/copy.zip", follow_redirects=True)
    assert "Your copy isn&#39;t ready" in early.get_data(as_text=True)
    _ask(shopper, "copy")
    assert "Download your data" not in _account_page(shopper)

    manager_client.get(f"/admin/customers/{customer.id}/data.zip")
    page = _account_page(shopper)
    assert "Download your data" in page and "this link works until" in page
    copy = shopper.get("/m/athens/account/data/copy.zip")
    assert copy.status_code == 200
    assert copy.headers["Content-Disposition"] == "attachment; filename=athens-my-data.zip"
    assert _zip_names(copy) == [f"customer-{customer.id}.json", f"customer-{customer.id}.html"]
    from lgadmin.audit.models import AuditEntry

    entries = db.session.query(AuditEntry).filter_by(action="customer.data_exported").all()
    own = [e for e in entries if e.actor_id == customer.id]
    assert [e.summary.split(":")[0] for e in own] == [
        f"Exported their own data (customer #{customer.id})"
    ]
    assert own[0].details["rows"] > 1  # the profile and each record of the copy


def test_the_copy_expires_a_week_after_the_answer(signed_in, manager_client, customer):
    from datetime import timedelta

    shopper = signed_in(customer)
    _ask(shopper, "copy")
    manager_client.get(f"/admin/customers/{customer.id}/data.zip")
    answered = db.session.query(DataRequest).filter_by(account_id=customer.id).one()
    answered.handled_at -= timedelta(days=8)
    db.session.commit()

    assert "Download your data" not in _account_page(shopper)
    late = shopper.get("/m/athens/account/data/copy.zip")
    assert late.status_code == 302 and late.headers["Location"].endswith("/account#your-data")


def test_another_shoppers_answered_request_gives_no_copy(signed_in, manager_client, customer):
    shopper = signed_in(customer)
    _ask(shopper, "copy")
    manager_client.get(f"/admin/customers/{customer.id}/data.zip")
    neighbour = signed_in(AccountFactory(market=customer.market))
    response = neighbour.get("/m/athens/account/data/copy.zip")
    assert response.status_code == 302
    assert "application/zip" not in response.headers.get("Content-Type", "")

"""Download customer data: one ZIP with everything held about the account (GDPR art. 15, 20)."""

import io
import json
import zipfile

from lgadmin.accounts.models import Account
from lgadmin.audit.models import AuditEntry
from lgadmin.extensions import TABLE_PREFIX, db
from lgadmin.onboarding.models import Token
from lgadmin.privacy.export import ACCOUNT_REFERENCES
from lgadmin.staff.roles import StaffRole
from tests.factories import AccountFactory, MarketFactory
from tests.privacy.conftest import RAW_PAYLOAD, STRIPE_CUSTOMER


def _download(client, account):
    return client.get(f"/admin/customers/{account.id}/data.zip")


def _files(response) -> dict[str, str]:
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    return {name: archive.read(name).decode() for name in archive.namelist()}


def test_every_table_that_references_an_account_is_covered_by_the_export():
    references = {
        f"{column.table.name.removeprefix(TABLE_PREFIX)}.{column.name}"
        for table in db.metadata.tables.values()
        for column in table.columns
        for fk in column.foreign_keys
        if fk.column.table.name == f"{TABLE_PREFIX}account"
    }
    assert references == set(ACCOUNT_REFERENCES), (
        "add the new account reference to privacy.export.ACCOUNT_REFERENCES (and the export)"
    )


def test_download_is_one_zip_with_the_data_as_json_and_a_readable_page(manager_client, customer):
    response = _download(manager_client, customer)

    assert response.status_code == 200
    assert response.mimetype == "application/zip"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment")
    assert f"customer-{customer.id}-data.zip" in disposition
    files = _files(response)
    assert set(files) == {f"customer-{customer.id}.json", f"customer-{customer.id}.html"}
    data = json.loads(files[f"customer-{customer.id}.json"])

    assert data["profile"]["email"] == "robin@example.org"
    assert data["profile"]["phone"] == "+17065550123"
    assert data["profile"]["balance"] == {"amount": "0.00", "currency": "USD"}
    assert data["addresses"][0]["line1"] == "12 Oak St"
    [order] = data["orders"]
    assert order["total"] == {"amount": "9.00", "currency": "USD"}
    assert order["items"] == [
        {
            "name": "Heirloom tomatoes",
            "unit": "lb",
            "quantity": "2.000",
            "unit_price": {"amount": "4.50", "currency": "USD"},
        }
    ]
    assert order["placed_at"].endswith("+00:00")
    assert [(e["kind"], e["amount"]["amount"]) for e in data["ledger"]] == [
        ("order", "-9.00"),
        ("prepayment", "9.00"),
    ]
    assert data["membership"]["history"][0]["change"] == "add_year"
    assert data["membership"]["expires_on"]
    [comment] = data["comments"]
    assert (comment["by"], comment["text"]) == ("Maria Lopez", "Prefers the Saturday pickup.")
    assert data["mail_events"][0]["kind"] == "Unsubscribe"
    [session] = data["act_as_sessions"]
    assert session["manager"] == "Maria Lopez" and session["reason"] == "Phone call about an order"
    assert session["actions"][0]["path"] == "/m/athens/cart"
    consents = data["consents"]
    assert consents["receives_mailings"] is True
    assert consents["signed_up_at"]
    assert consents["unsubscribes_and_complaints"][0]["reason"] == "clicked unsubscribe"
    assert data["cards"] == [
        {"brand": "Visa", "last4": "4242", "expiry": "07/2031", "default": True}
    ]
    assert data["cart"][0]["product"] == "Heirloom tomatoes"
    assert data["tokens"][0]["purpose"] == "reset_password"

    page = files[f"customer-{customer.id}.html"]
    for heading in ("Profile", "Addresses", "Orders and their items", "Balance ledger", "Consents"):
        assert f"<h2>{heading}</h2>" in page
    assert "Heirloom tomatoes" in page and "9.00 USD" in page


def test_the_download_holds_no_secrets(manager_client, customer):
    customer = db.session.get(Account, customer.id)
    token_hash = db.session.query(Token).filter_by(account_id=customer.id).one().token_hash
    everything = "".join(_files(_download(manager_client, customer)).values())

    for secret in (
        customer.password_hash,
        token_hash,
        STRIPE_CUSTOMER,
        "pm_test_",
        "mailgun-signature-token",
        RAW_PAYLOAD,
    ):
        assert secret not in everything


def test_the_readable_page_escapes_what_a_customer_typed(manager_client, market):
    hostile = AccountFactory(market=market, first_name="<script>alert(1)</script>", last_name="X")

    page = _files(_download(manager_client, hostile))[f"customer-{hostile.id}.html"]

    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_download_is_in_the_audit_log(manager_client, manager, customer):
    _download(manager_client, customer)

    entry = db.session.query(AuditEntry).filter_by(action="customer.data_exported").one()
    assert (entry.actor_id, entry.target_id) == (manager.id, customer.id)
    assert "robin@example.org" not in entry.summary


def test_another_markets_customer_is_not_found(manager_client):
    stranger = AccountFactory(market=MarketFactory())

    assert _download(manager_client, stranger).status_code == 404
    assert db.session.query(AuditEntry).filter_by(action="customer.data_exported").count() == 0


def test_a_staff_role_may_not_download_customer_data(signed_in, market, customer):
    support = AccountFactory(market=market, staff_role=StaffRole.CUSTOMER_SUPPORT)
    client = signed_in(support)

    assert _download(client, customer).status_code == 403
    details = client.get(f"/admin/customers/details/?id={customer.id}").get_data(as_text=True)
    assert "Download customer data" not in details and "Erase customer" not in details

"""The signals a host listens to (lgadmin.signals): each sent once, after the commit, with
the arguments its docstring lists, for an action done the way a manager or shopper does it.

In one folder rather than beside each domain's tests: together they are the contract a
host relies on (every signal, its arguments, nothing sent for a rollback, a failing
receiver breaks nothing), and read against the module's list in one place.
"""

import io
import logging
from contextlib import ExitStack
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from lgadmin import signals
from lgadmin.accounts.models import Account
from lgadmin.balance.models import LedgerEntry
from lgadmin.balance.service import adjust_balance
from lgadmin.deliverability.models import MailEventKind
from lgadmin.extensions import db
from lgadmin.onboarding.guests import place_guest_order
from tests.conftest import csrf_token_from
from tests.deliverability.payloads import (
    MAILGUN_KEY,
    POSTMARK_PASSWORD,
    POSTMARK_USER,
    metadata,
    post_postmark,
    postmark_bounce,
)
from tests.factories import AccountFactory, ProductFactory
from tests.onboarding.helpers import post_form

NAMES = (
    "account_created",
    "balance_adjusted",
    "membership_changed",
    "mail_event_applied",
    "act_as_started",
    "act_as_ended",
    "accounts_merged",
    "customer_erased",
)


def _plain(value):
    """A model as (class name, id), read in the receiver: after the commit, as a host would."""
    if isinstance(value, db.Model):
        return type(value).__name__, value.id
    return value


@pytest.fixture
def heard(app):
    """Every lgadmin signal sent for this app: name -> [arguments of each call]."""
    calls = {name: [] for name in NAMES}

    def listener(name):
        def receive(sender, **arguments):
            assert sender is app
            calls[name].append({key: _plain(value) for key, value in arguments.items()})

        return receive

    with ExitStack() as stack:
        for name in NAMES:
            stack.enter_context(getattr(signals, name).connected_to(listener(name), sender=app))
        yield calls


def _only(heard, name):
    """The one call of `name`, and no other signal sent."""
    others = {key: calls for key, calls in heard.items() if calls and key != name}
    assert not others, f"unexpected signals: {others}"
    assert len(heard[name]) == 1, heard[name]
    return heard[name][0]


def _details_token(client, account) -> str:
    page = client.get(f"/admin/customers/details/?id={account.id}")
    return csrf_token_from(page.get_data(as_text=True))


def _post_details(client, account, action, data, **kwargs):
    token = _details_token(client, account)
    return client.post(
        f"/admin/customers/{account.id}/{action}", data={"csrf_token": token, **data}, **kwargs
    )


def _account(email) -> Account:
    db.session.expire_all()
    return db.session.query(Account).filter_by(email=email).one()


# --- account_created --------------------------------------------------------------------


def test_a_customer_added_by_a_manager(manager_client, heard):
    response = post_form(
        manager_client,
        "/admin/customers/",
        {"first_name": "Nia", "last_name": "New", "email": "nia@example.org"},
        post_path="/admin/customers/add",
        headers={"X-Requested-With": "XMLHttpRequest"},
    )
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    created = _account("nia@example.org")
    assert _only(heard, "account_created") == {"account": ("Account", created.id)}


def test_each_customer_of_a_csv_import(manager_client, heard):
    csv = "Email,First name,Last name\r\nana@example.org,Ana,Lopez\r\nbo@example.org,Bo,Chen\r\n"
    token = csrf_token_from(manager_client.get("/admin/customers/").get_data(as_text=True))
    preview = manager_client.post(
        "/admin/customers/import/",
        data={"csrf_token": token, "file": (io.BytesIO(csv.encode()), "customers.csv")},
        content_type="multipart/form-data",
    ).headers["Location"]
    token = csrf_token_from(manager_client.get(preview).get_data(as_text=True))
    assert manager_client.post(preview, data={"csrf_token": token}).status_code == 302
    ids = [_account(email).id for email in ("ana@example.org", "bo@example.org")]
    assert heard["account_created"] == [{"account": ("Account", i)} for i in ids]


def test_a_shopper_who_signs_up(client, market, heard):
    response = post_form(
        client,
        f"/m/{market.slug}/signup",
        {
            "first_name": "Zoe",
            "last_name": "Ng",
            "email": "zoe@example.org",
            "password": "Carrots42",
            "confirm": "Carrots42",
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    created = _account("zoe@example.org")
    assert _only(heard, "account_created") == {"account": ("Account", created.id)}


def test_a_guest_who_orders_once_not_again_when_ordering_again(market, heard):
    product = ProductFactory(grower__account__market=market)
    order = place_guest_order(market, "guest@example.org", [(product, Decimal(1))])
    assert heard["account_created"] == []  # not before the commit
    db.session.commit()
    assert _only(heard, "account_created") == {"account": ("Account", order.account_id)}
    place_guest_order(market, "guest@example.org", [(product, Decimal(1))])
    db.session.commit()
    assert len(heard["account_created"]) == 1


# --- balance, membership ----------------------------------------------------------------


def test_a_balance_adjusted_by_a_manager(manager_client, manager, shopper, heard):
    response = _post_details(
        manager_client, shopper, "adjust-balance", {"amount": "25.00", "reason": "cash"}
    )
    assert response.status_code == 302
    (entry_id,) = db.session.scalars(
        select(LedgerEntry.id).where(LedgerEntry.account_id == shopper.id)
    ).all()
    assert _only(heard, "balance_adjusted") == {
        "account": ("Account", shopper.id),
        "entry": ("LedgerEntry", entry_id),
        "amount_cents": 2500,
        "actor": ("Account", manager.id),
    }


def test_a_membership_changed_by_a_manager(manager_client, manager, shopper, heard):
    response = _post_details(
        manager_client, shopper, "membership", {"expires_on": "2031-07-04", "version": "1"}
    )
    assert response.status_code == 302
    assert _only(heard, "membership_changed") == {
        "account": ("Account", shopper.id),
        "actor": ("Account", manager.id),
        "expires_before": None,
        "expires_after": date(2031, 7, 4),
    }


# --- mail events ------------------------------------------------------------------------


@pytest.fixture
def webhook_credentials(app, monkeypatch):
    monkeypatch.setitem(app.config, "POSTMARK_WEBHOOK_USER", POSTMARK_USER)
    monkeypatch.setitem(app.config, "POSTMARK_WEBHOOK_PASSWORD", POSTMARK_PASSWORD)
    monkeypatch.setitem(app.config, "MAILGUN_WEBHOOK_SIGNING_KEY", MAILGUN_KEY)


def test_a_hard_bounce_applied_once_and_a_second_changes_nothing(
    client, shopper, heard, webhook_credentials
):
    bounce = postmark_bounce(shopper.email, meta=metadata(shopper))
    assert post_postmark(client, bounce).status_code == 200
    call = _only(heard, "mail_event_applied")
    assert call["account"] == ("Account", shopper.id)
    assert call["kind"] is MailEventKind.HARD_BOUNCE
    assert call["event"][0] == "MailEvent"
    again = postmark_bounce(shopper.email, meta=metadata(shopper), ID=999)
    assert post_postmark(client, again).status_code == 200
    assert len(heard["mail_event_applied"]) == 1


# --- act-as -----------------------------------------------------------------------------


def test_act_as_started_and_ended(manager_client, manager, shopper, market, heard):
    page = manager_client.get(f"/admin/customers/{shopper.id}/act-as")
    token = csrf_token_from(page.get_data(as_text=True))
    started = manager_client.post(
        f"/admin/customers/{shopper.id}/act-as", data={"csrf_token": token, "reason": "Phone"}
    )
    assert started.status_code == 302
    call = _only(heard, "act_as_started")
    assert call["manager"] == ("Account", manager.id)
    assert call["shopper"] == ("Account", shopper.id)
    session_id = call["session"][1]
    assert call["session"] == ("ActAsSession", session_id)

    token = csrf_token_from(manager_client.get(f"/m/{market.slug}/account").get_data(as_text=True))
    assert manager_client.post("/act-as/end", data={"csrf_token": token}).status_code == 302
    assert heard["act_as_ended"] == [
        {
            "session": ("ActAsSession", session_id),
            "manager": ("Account", manager.id),
            "shopper": ("Account", shopper.id),
            "how": "ended",
        }
    ]
    assert len(heard["act_as_started"]) == 1


# --- merge, erasure ---------------------------------------------------------------------


def test_accounts_merged(manager_client, manager, market, heard):
    rob = AccountFactory(market=market, email="rob@example.org", first_name="Rob")
    robert = AccountFactory(market=market, email="robert@example.org", first_name="Robert")
    page = manager_client.get(f"/admin/customers/{rob.id}/merge?into={robert.id}")
    token = csrf_token_from(page.get_data(as_text=True))
    response = manager_client.post(
        f"/admin/customers/{rob.id}/merge", data={"into": robert.id, "csrf_token": token}
    )
    assert response.status_code == 302
    call = _only(heard, "accounts_merged")
    assert isinstance(call.pop("moved"), dict)
    assert call == {
        "kept": ("Account", robert.id),
        "merged": ("Account", rob.id),
        "merged_email": "rob@example.org",
        "actor": ("Account", manager.id),
    }


def test_customer_erased(manager_client, manager, shopper, heard):
    response = _post_details(manager_client, shopper, "erase", {"confirm": "ERASE"})
    assert response.status_code == 302
    assert _only(heard, "customer_erased") == {
        "account": ("Account", shopper.id),
        "actor": ("Account", manager.id),
    }
    db.session.expire_all()
    assert db.session.get(Account, shopper.id).erased_at is not None


# --- only what was committed ------------------------------------------------------------


def test_a_rolled_back_adjustment_sends_nothing(manager, shopper, heard):
    adjust_balance(shopper.market, shopper.id, 500, "cash", "", manager)
    db.session.rollback()
    db.session.commit()  # a later commit does not send what was rolled back
    assert heard["balance_adjusted"] == []
    adjust_balance(shopper.market, shopper.id, 700, "cash", "", manager)
    db.session.remove()  # the request ends without a commit
    assert heard["balance_adjusted"] == []


def test_a_rolled_back_savepoint_takes_only_its_own_signals(manager, shopper, market, heard):
    other = AccountFactory(market=market, email="other@example.org")
    adjust_balance(shopper.market, shopper.id, 500, "cash", "", manager)
    savepoint = db.session.begin_nested()
    adjust_balance(other.market, other.id, 700, "cash", "", manager)
    savepoint.rollback()
    kept = db.session.begin_nested()
    adjust_balance(other.market, other.id, 900, "cash", "", manager)
    kept.commit()  # a savepoint released is not a commit yet
    assert heard["balance_adjusted"] == []
    db.session.commit()
    sent = [(c["account"][1], c["amount_cents"]) for c in heard["balance_adjusted"]]
    assert sent == [(shopper.id, 500), (other.id, 900)]


def test_a_failing_receiver_is_logged_and_breaks_nothing(
    app, manager_client, shopper, heard, caplog, monkeypatch
):
    # Alembic's fileConfig (a migration test earlier in the run) disables existing loggers.
    monkeypatch.setattr(signals.log, "disabled", False)

    def broken(sender, **arguments):
        raise RuntimeError("the host's receiver is broken")

    with (
        signals.balance_adjusted.connected_to(broken, sender=app),
        caplog.at_level(logging.ERROR, logger="lgadmin.signals"),
    ):
        response = _post_details(
            manager_client, shopper, "adjust-balance", {"amount": "5", "reason": "cash"}
        )
    assert response.status_code == 302
    assert _account(shopper.email).balance_cents == 500
    assert len(heard["balance_adjusted"]) == 1  # the other receiver still heard it
    (failure,) = [r for r in caplog.records if r.name == "lgadmin.signals"]
    assert "balance-adjusted" in failure.getMessage()
    assert failure.exc_info[0] is RuntimeError

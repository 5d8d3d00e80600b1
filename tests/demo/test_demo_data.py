import re

from sqlalchemy import func, select

from lgadmin.accounts.models import Account, Comment
from lgadmin.balance.models import LedgerEntry
from lgadmin.catalog.models import GrowerProfile
from lgadmin.extensions import db
from lgadmin.markets.models import Market
from lgadmin.orders.models import CartItem, Order
from lgadmin.payments.models import PaymentMethod
from lgadmin.timeutil import market_today

LOGIN_LINE = re.compile(r"^login: (\S+) (\S+) (\S+@\S+) (/\S*)$")


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=["lgadmin", "demo-data", *args])
    assert result.exit_code == 0, result.output
    return result.output


def _counts():
    return [
        db.session.scalar(select(func.count()).select_from(model))
        for model in (Market, Account, Order, LedgerEntry, CartItem, PaymentMethod, Comment)
    ]


def test_demo_data_prints_one_line_per_login(app):
    output = _run(app, "--customers", "30")
    logins = [LOGIN_LINE.match(line) for line in output.splitlines() if line.startswith("login:")]
    assert all(logins) and len(logins) == 7
    roles = {(m.group(1), m.group(2)) for m in logins}
    assert ("superuser", "-") in roles
    assert {("manager", "athens"), ("manager", "riverside")} <= roles
    assert {("staff", "athens"), ("staff", "riverside")} <= roles
    assert {m.group(4) for m in logins} == {"/sign-in", "/m/athens/sign-in", "/m/riverside/sign-in"}


def test_demo_logins_sign_in(app, client):
    output = _run(app, "--customers", "10", "--password", "Demo-Pass-1")
    for match in filter(None, map(LOGIN_LINE.match, output.splitlines())):
        role, _, email, path = match.groups()
        fresh = app.test_client()
        page = fresh.get(path).get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        response = fresh.post(
            path, data={"email": email, "password": "Demo-Pass-1", "csrf_token": token}
        )
        assert response.status_code == 302, (role, email)
        expected = "/admin/" if role in ("manager", "superuser", "staff") else "/account"
        assert response.headers["Location"].endswith(expected)


def test_demo_data_is_idempotent(app):
    _run(app, "--customers", "20")
    before = _counts()
    _run(app, "--customers", "20")
    assert _counts() == before


def test_demo_data_covers_every_status_of_spec_000(app):
    _run(app, "--customers", "150")
    membership_market = db.session.scalars(
        select(Market).where(Market.membership_required.is_(True))
    ).one()
    assert membership_market.pickup_locations_enabled and membership_market.pickup_locations
    accounts = db.session.scalars(select(Account).where(Account.market_id.is_not(None))).all()
    in_market = [a for a in accounts if a.market_id == membership_market.id]
    today = market_today(membership_market)
    assert any(a.is_manager for a in accounts)
    assert any(a.is_volunteer for a in accounts)
    assert any(a.is_wholesale for a in accounts)
    assert any(not a.receives_mailings for a in accounts)
    assert any(not a.active for a in accounts)
    assert any(a.balance_cents < 0 for a in accounts)
    assert any(a.balance_cents > 0 for a in accounts)
    assert any(a.membership_expires_on and a.membership_expires_on >= today for a in in_market)
    assert any(a.membership_expires_on and a.membership_expires_on < today for a in in_market)
    assert any(a.membership_expires_on is None and a.trial_orders_left > 0 for a in in_market)
    # Shoppers on trial with none, some and all of the market's trial orders left.
    offered = membership_market.trial_orders_allowed
    on_trial = {
        a.trial_orders_left
        for a in in_market
        if a.membership_expires_on is None and not a.is_guest and not a.is_manager
    }
    assert {0, offered} <= on_trial and any(0 < left < offered for left in on_trial)
    assert db.session.scalar(select(func.count()).select_from(GrowerProfile)) >= 2
    assert db.session.scalar(select(func.count()).select_from(PaymentMethod)) > 0
    assert db.session.scalar(select(func.count()).select_from(CartItem)) > 0
    orders = db.session.scalars(select(Order)).all()
    assert any(o.amount_due_cents == 0 for o in orders)
    assert any(o.amount_due_cents > 0 for o in orders)
    assert db.session.scalar(select(func.count()).where(Comment.is_system.is_(True))) > 0


def test_demo_balances_equal_their_ledgers(app):
    _run(app, "--customers", "80")
    ledger = dict(
        db.session.execute(
            select(LedgerEntry.account_id, func.sum(LedgerEntry.amount_cents)).group_by(
                LedgerEntry.account_id
            )
        ).all()
    )
    for account in db.session.scalars(select(Account)):
        assert account.balance_cents == ledger.get(account.id, 0), account.email


def test_create_superuser_from_options(app, client):
    runner = app.test_cli_runner()
    result = runner.invoke(
        args=[
            "lgadmin",
            "create-superuser",
            "--email",
            "Ops@Example.org",
            "--password",
            "Str0ng-pass",
        ]
    )
    assert result.exit_code == 0, result.output
    again = runner.invoke(
        args=[
            "lgadmin",
            "create-superuser",
            "--email",
            "ops@example.org",
            "--password",
            "Str0ng-pass",
        ]
    )
    assert again.exit_code != 0 and "already a superuser" in again.output
    page = client.get("/sign-in").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    response = client.post(
        "/sign-in",
        data={"email": "ops@example.org", "password": "Str0ng-pass", "csrf_token": token},
    )
    assert response.headers["Location"].endswith("/admin/")


def test_create_superuser_asks_for_what_is_missing(app):
    result = app.test_cli_runner().invoke(
        args=["lgadmin", "create-superuser"], input="staff@example.org\nS3cret-pass\nS3cret-pass\n"
    )
    assert result.exit_code == 0, result.output
    assert db.session.scalars(select(Account).where(Account.email == "staff@example.org")).one()


def test_demo_data_shows_the_account_features_of_issue_11(app):
    from lgadmin.addresses.models import Address
    from lgadmin.groups.models import CustomerGroup
    from lgadmin.loyalty.models import LoyaltyEntry

    _run(app, "--customers", "120")
    accounts = db.session.scalars(select(Account).where(Account.market_id.is_not(None))).all()
    assert any(a.loyalty_points for a in accounts)
    assert any(a.customer_group_id for a in accounts)
    assert any(a.tax_exempt and a.vat_id for a in accounts)
    assert any(a.is_guest for a in accounts) and any(not a.is_verified for a in accounts)
    assert {a.staff_role for a in accounts if a.staff_role} and all(
        a.password_hash for a in accounts if a.staff_role
    )
    assert db.session.scalar(select(func.count()).select_from(CustomerGroup)) >= 2
    per_account = db.session.execute(
        select(Address.account_id, func.count()).group_by(Address.account_id)
    ).all()
    assert any(count > 1 for _, count in per_account)
    ledger = dict(
        db.session.execute(
            select(LoyaltyEntry.account_id, func.sum(LoyaltyEntry.points)).group_by(
                LoyaltyEntry.account_id
            )
        ).all()
    )
    for account in accounts:
        if account.loyalty_points is not None:
            assert account.loyalty_points == ledger.get(account.id, 0), account.email


def test_the_demo_gives_each_market_open_data_requests(app):
    from lgadmin.privacy.models import DataRequest

    _run(app, "--customers", "20")
    per_market = db.session.execute(
        select(DataRequest.market_id, func.count())
        .where(DataRequest.handled_at.is_(None))
        .group_by(DataRequest.market_id)
    ).all()
    assert sorted(count for _, count in per_market) == [2, 2]

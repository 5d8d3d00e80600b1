"""The one gate every read of market data by id goes through."""

import pytest
from sqlalchemy import select, update

from lgadmin.accounts.models import Account
from lgadmin.extensions import db
from lgadmin.tenancy import (
    NotInMarket,
    belongs_to,
    find_in_market,
    get_in_market,
    in_market,
    of_market,
    select_in_market,
)
from tests.factories import AccountFactory, MarketFactory


@pytest.fixture
def two_markets(app):
    with app.app_context():
        home, other = MarketFactory(), MarketFactory()
        mine, theirs = AccountFactory(market=home), AccountFactory(market=other)
        yield home, other, mine.id, theirs.id


def test_a_row_of_the_market_is_found(app, two_markets):
    home, _, mine, _ = two_markets
    assert find_in_market(Account, mine, home).id == mine
    assert get_in_market(Account, str(mine), home).id == mine


@pytest.mark.parametrize("forged", ["theirs", "0", "-1", "1e3", "9" * 30, "", None, "1 OR 1=1"])
def test_another_markets_row_and_forged_ids_find_nothing(app, two_markets, forged):
    home, _, _, theirs = two_markets
    record_id = theirs if forged == "theirs" else forged
    assert find_in_market(Account, record_id, home) is None
    with pytest.raises(NotInMarket):
        get_in_market(Account, record_id, home)


def test_a_list_holds_only_the_markets_rows(app, two_markets):
    home, other, mine, theirs = two_markets
    ids = set(db.session.scalars(select_in_market(Account, home).with_only_columns(Account.id)))
    assert ids == {mine}
    ids = set(db.session.scalars(select_in_market(Account, other, Account.id)))
    assert ids == {theirs}


def test_a_view_answers_404_for_a_row_outside_the_market(app, signed_in, two_markets):
    home, _, _, theirs = two_markets
    manager = AccountFactory(market=home, manager=True)
    client = signed_in(manager)
    assert client.get(f"/admin/customers/details/?id={theirs}").status_code == 404


def test_a_market_is_named_by_itself_or_its_id(app, two_markets):
    home, _, mine, theirs = two_markets
    assert find_in_market(Account, mine, home.id).id == mine
    assert find_in_market(Account, theirs, home.id) is None
    ids = set(db.session.scalars(select_in_market(Account, home.id, Account.id)))
    assert ids == {mine}


def test_belongs_to_compares_a_loaded_row_with_a_market(app, two_markets):
    home, other, mine, _ = two_markets
    account = db.session.get(Account, mine)
    assert belongs_to(account, home) and belongs_to(account, home.id)
    assert not belongs_to(account, other) and not belongs_to(account, other.id)
    assert not belongs_to(None, home) and not belongs_to(account, None)


def test_in_market_narrows_changes_too(app, two_markets):
    """An UPDATE through the gate touches the market's rows only."""
    home, _, mine, theirs = two_markets
    changed = update(Account).values(city="Seen").execution_options(synchronize_session=False)
    db.session.execute(in_market(changed, Account, home))
    db.session.expire_all()
    assert db.session.get(Account, mine).city == "Seen"
    assert db.session.get(Account, theirs).city != "Seen"


def test_of_market_compares_with_another_tables_market(app, two_markets):
    """A correlated condition: the accounts in the same market as a given account."""
    home, _, mine, _ = two_markets
    same = select(Account.market_id).where(Account.id == mine).scalar_subquery()
    ids = set(db.session.scalars(select(Account.id).where(of_market(Account, same))))
    assert mine in ids and all(db.session.get(Account, i).market_id == home.id for i in ids)

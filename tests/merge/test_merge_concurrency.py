"""Side by side on PostgreSQL: the same pair merged both ways at once."""

import threading

from sqlalchemy import func, select

from lgadmin.accounts.models import Account, AccountMerge
from lgadmin.balance.models import LedgerEntry
from lgadmin.balance.service import adjust_balance
from lgadmin.extensions import db
from lgadmin.markets.models import Market
from lgadmin.merge.service import MergeRefused, merge_accounts
from tests.factories import AccountFactory


def test_a_pair_merged_both_ways_at_once_merges_once_without_a_deadlock(app, postgres_url):
    manager = AccountFactory(manager=True)
    a = AccountFactory(market=manager.market)
    b = AccountFactory(market=manager.market)
    adjust_balance(a.market, a.id, 700, "cash", "", manager)
    adjust_balance(b.market, b.id, 300, "cash", "", manager)
    db.session.commit()
    ids = (manager.id, manager.market_id, a.id, b.id)
    barrier = threading.Barrier(2)
    outcomes = []

    def merge(source_id, target_id):
        with app.app_context():
            actor = db.session.get(Account, ids[0])
            market = db.session.get(Market, ids[1])
            source, target = db.session.get(Account, source_id), db.session.get(Account, target_id)
            barrier.wait()
            try:
                merge_accounts(actor, market, source, target)
                db.session.commit()
                outcomes.append("merged")
            except MergeRefused as error:
                db.session.rollback()
                outcomes.append(str(error))
            finally:
                db.session.remove()

    threads = [
        threading.Thread(target=merge, args=(a.id, b.id)),
        threading.Thread(target=merge, args=(b.id, a.id)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert len(outcomes) == 2 and outcomes.count("merged") == 1
    assert any("already merged" in outcome for outcome in outcomes)
    db.session.expire_all()
    record = db.session.scalars(select(AccountMerge)).one()
    kept = db.session.get(Account, record.kept_account_id)
    gone = db.session.get(Account, record.merged_account_id)
    assert kept.balance_cents == 1000 == _ledger_sum(kept.id)
    assert gone.balance_cents == 0 == _ledger_sum(gone.id)


def _ledger_sum(account_id):
    return db.session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_cents), 0)).where(
            LedgerEntry.account_id == account_id
        )
    )

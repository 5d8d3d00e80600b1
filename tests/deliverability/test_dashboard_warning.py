"""The dashboard warns when a market's hard bounces point to a domain-level problem."""

from datetime import timedelta

from lgadmin.deliverability.models import MailEvent, MailEventKind, MailSend
from lgadmin.deliverability.sends import bounce_warning
from lgadmin.extensions import db
from lgadmin.timeutil import utcnow
from tests.factories import AccountFactory, MarketFactory

WARNING = 'data-warning="hard-bounces"'


def _bounces(market, reasons, *, hours_ago=1):
    at = utcnow() - timedelta(hours=hours_ago)
    for n, reason in enumerate(reasons):
        db.session.add(
            MailEvent(
                provider="postmark",
                provider_event_id=f"bounce:{market.id}:{hours_ago}:{n}",
                kind=MailEventKind.HARD_BOUNCE,
                email=f"b{n}@example.org",
                reason=reason,
                market_id=market.id,
                received_at=at,
                processed_at=at,
                raw="{}",
            )
        )
    db.session.commit()


def _sends(market, count):
    db.session.add_all(MailSend(market_id=market.id, sent_at=utcnow()) for _ in range(count))
    db.session.commit()


def test_many_hard_bounces_show_a_warning_with_counts_and_common_reasons(app, signed_in):
    market = MarketFactory()
    _sends(market, 100)
    _bounces(market, ["550 5.7.1 Message rejected as spam"] * 7 + ["blocked by policy"] * 4)
    manager = AccountFactory(market=market, manager=True)
    page = signed_in(manager).get("/admin/").get_data(as_text=True)
    assert WARNING in page
    warning = page.split(WARNING)[1].split("</div>")[0]
    assert "11 hard bounces in the last 24 hours, out of 100 emails sent (11%)" in warning
    assert "550 5.7.1 Message rejected as spam (7)" in warning
    assert "blocked by policy (4)" in warning
    assert "contact platform support" in warning


def test_support_address_is_shown_when_configured(app, signed_in, monkeypatch):
    monkeypatch.setitem(app.config, "LGADMIN_SUPPORT_EMAIL", "help@platform.example.net")
    market = MarketFactory()
    _bounces(market, ["rejected"] * 10)
    page = signed_in(AccountFactory(market=market, manager=True)).get("/admin/")
    assert 'href="mailto:help@platform.example.net"' in page.get_data(as_text=True)


def test_a_few_bounces_or_a_low_rate_show_no_warning(app, signed_in):
    few, big = MarketFactory(), MarketFactory()
    _bounces(few, ["mailbox full"] * 9)
    _sends(big, 1000)
    _bounces(big, ["mailbox full"] * 40)  # 4% of its sends
    assert bounce_warning(few) is None and bounce_warning(big) is None
    page = signed_in(AccountFactory(market=few, manager=True)).get("/admin/")
    assert WARNING not in page.get_data(as_text=True)


def test_only_the_last_24_hours_and_this_market_count(app):
    market, other = MarketFactory(), MarketFactory()
    _bounces(market, ["old"] * 10, hours_ago=25)
    _bounces(other, ["other market"] * 10)
    assert bounce_warning(market) is None
    assert bounce_warning(other)["bounces"] == 10


def test_thresholds_come_from_the_configuration(app, monkeypatch):
    monkeypatch.setitem(app.config, "LGADMIN_BOUNCE_ALERT_COUNT", 3)
    monkeypatch.setitem(app.config, "LGADMIN_BOUNCE_ALERT_RATE", 0.5)
    market = MarketFactory()
    _sends(market, 4)
    _bounces(market, ["no such user"] * 3)
    assert bounce_warning(market)["rate"] == 0.75


def test_reasons_in_the_warning_are_shown_as_text(app, signed_in):
    market = MarketFactory()
    _bounces(market, ["<script>alert(1)</script>"] * 10)
    page = signed_in(AccountFactory(market=market, manager=True)).get("/admin/")
    text = page.get_data(as_text=True)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; (10)" in text and "<script>alert(1)" not in text

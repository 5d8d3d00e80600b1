"""factory_boy factories for the domain; every factory commits, as a request would see it."""

from datetime import timedelta

import factory
from werkzeug.security import generate_password_hash

from lgadmin.accounts.models import Account
from lgadmin.catalog.models import GrowerApproval, GrowerProfile, Product
from lgadmin.extensions import db
from lgadmin.markets.models import Market, PickupLocation
from lgadmin.payments.models import PaymentMethod
from lgadmin.timeutil import market_today, utcnow

PASSWORD = "Secret123"
# A cheap hash keeps sign-in fast in tests; production uses werkzeug's default (scrypt).
PASSWORD_HASH = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")


class Base(factory.alchemy.SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


class MarketFactory(Base):
    class Meta:
        model = Market

    slug = factory.Sequence(lambda n: f"market-{n}")
    name = factory.Sequence(lambda n: f"Market {n}")
    timezone = "America/New_York"
    currency = "USD"


class PickupLocationFactory(Base):
    class Meta:
        model = PickupLocation

    market = factory.SubFactory(MarketFactory)
    name = factory.Sequence(lambda n: f"Pickup {n}")


class AccountFactory(Base):
    class Meta:
        model = Account

    market = factory.SubFactory(MarketFactory)
    # Predictable names: a random "Roberts" or "Smith" would match the tests' searches.
    first_name = factory.Sequence(lambda n: f"Pat{n}")
    last_name = factory.Sequence(lambda n: f"Tester{n}")
    email = factory.Sequence(lambda n: f"customer{n}@example.org")
    password_hash = PASSWORD_HASH
    joined_at = factory.Sequence(lambda n: utcnow() - timedelta(days=n))

    class Params:
        manager = factory.Trait(is_manager=True)
        member = factory.Trait(
            membership_expires_on=factory.LazyAttribute(
                lambda account: market_today(account.market) + timedelta(days=30)
            )
        )


class SuperuserFactory(AccountFactory):
    market = None
    is_superuser = True
    email = factory.Sequence(lambda n: f"staff{n}@platform.example.org")


class GrowerFactory(Base):
    class Meta:
        model = GrowerProfile

    account = factory.SubFactory(AccountFactory)
    market_id = factory.SelfAttribute("account.market_id")
    name = factory.Sequence(lambda n: f"Farm {n}")
    approval = GrowerApproval.APPROVED


class ProductFactory(Base):
    class Meta:
        model = Product

    grower = factory.SubFactory(GrowerFactory)
    market_id = factory.SelfAttribute("grower.market_id")
    name = factory.Sequence(lambda n: f"Product {n}")
    unit = "lb"
    price_cents = 450


class PaymentMethodFactory(Base):
    class Meta:
        model = PaymentMethod

    account = factory.SubFactory(AccountFactory)
    stripe_payment_method_id = factory.Sequence(lambda n: f"pm_test_{n}")
    brand = "visa"
    last4 = "4242"
    exp_month = 12
    exp_year = factory.LazyFunction(lambda: utcnow().year + 2)
    is_default = True

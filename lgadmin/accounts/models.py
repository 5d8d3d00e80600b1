import enum
from datetime import date, datetime

from flask_login import UserMixin
from sqlalchemy import (
    DDL,
    BigInteger,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    update,
)
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship
from sqlalchemy.orm.util import identity_key

from ..extensions import db, enum_column
from ..markets.models import Market, PickupLocation
from ..staff.roles import StaffRole
from ..timeutil import market_today, utcnow
from .search_text import account_search_text, duplicate_keys


class LinePosition(enum.StrEnum):
    FIRST = "first"
    FIRST_COME = "first_come"
    LAST = "last"

    @property
    def label(self) -> str:
        return {
            "first": "Always first in line",
            "first_come": "First come, first served",
            "last": "Always last in line",
        }[self.value]


class Account(UserMixin, db.Model):
    """A customer of one market (a superuser has no market)."""

    __tablename__ = "lgadmin_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int | None] = mapped_column(ForeignKey("lgadmin_market.id"))
    # Stored trimmed and lower-cased; (market, email) is unique.
    email: Mapped[str] = mapped_column(String(254))
    first_name: Mapped[str] = mapped_column(String(80), default="")
    last_name: Mapped[str] = mapped_column(String(80), default="")
    # The names and email folded for search (lower-case, no accents): see search_text.py.
    # Kept by the mapper events below on every insert and update; never set it by hand.
    search_text: Mapped[str] = mapped_column(Text, default="", server_default="")
    # The keys possible duplicates are grouped on (search_text.duplicate_keys): the mailbox,
    # the phone and the folded name, None for none. Kept with search_text; never set by hand.
    email_key: Mapped[str | None] = mapped_column(String(254))
    phone_key: Mapped[str | None] = mapped_column(String(32))
    name_key: Mapped[str | None] = mapped_column(Text)
    phone: Mapped[str] = mapped_column(String(32), default="")
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="US")
    pickup_location_id: Mapped[int | None] = mapped_column(ForeignKey("lgadmin_pickup_location.id"))

    password_hash: Mapped[str | None] = mapped_column(String(255))
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_sign_in_at: Mapped[datetime | None]
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("lgadmin_account.id"))

    active: Mapped[bool] = mapped_column(default=True)
    is_superuser: Mapped[bool] = mapped_column(default=False)
    is_manager: Mapped[bool] = mapped_column(default=False)
    is_volunteer: Mapped[bool] = mapped_column(default=False)
    is_wholesale: Mapped[bool] = mapped_column(default=False)
    receives_mailings: Mapped[bool] = mapped_column(default=True)
    # Set by a hard bounce: nothing at all is sent until a manager re-enables mail.
    email_bounced_at: Mapped[datetime | None]
    line_position: Mapped[LinePosition] = mapped_column(
        enum_column(LinePosition),
        default=LinePosition.FIRST_COME,
    )

    membership_expires_on: Mapped[date | None]
    trial_orders_left: Mapped[int] = mapped_column(default=0)
    # Cache of the ledger sum, kept in the same transaction as each ledger row.
    balance_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    # Order totals (cancelled orders left out), kept by orders.service in the order's
    # transaction so the grid can sort and filter on them without touching the orders.
    order_count: Mapped[int] = mapped_column(default=0)
    total_spent_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    last_order_at: Mapped[datetime | None]
    manager_comments: Mapped[str] = mapped_column(Text, default="")
    stripe_customer_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Bumped on every change a manager saves, so a stale form can be refused.
    version: Mapped[int] = mapped_column(default=1)
    # Set when the owner proved the address (set-password, signup confirmation, sign-in link).
    email_verified_at: Mapped[datetime | None]
    # A guest ordered with an email but never registered: no password, can't sign in.
    is_guest: Mapped[bool] = mapped_column(default=False)
    customer_group_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_customer_group.id", ondelete="SET NULL")
    )
    tax_exempt: Mapped[bool] = mapped_column(default=False)
    vat_id: Mapped[str] = mapped_column(String(40), default="")
    # Cache of the loyalty ledger's sum; None means the customer has no loyalty account.
    loyalty_points: Mapped[int | None] = mapped_column(BigInteger)
    # A staff role limits what a non-manager may do in the admin (staff.roles).
    staff_role: Mapped[StaffRole | None] = mapped_column(enum_column(StaffRole))
    # Set once when the customer's personal data was erased (privacy.service); never undone.
    erased_at: Mapped[datetime | None]
    # Every session remembers the value it signed in with; bumping it ends them all
    # (lgadmin.sessions: sign-out, a new password, deactivation, merge, erasure).
    session_version: Mapped[int] = mapped_column(default=0)

    market: Mapped[Market | None] = relationship()
    pickup_location: Mapped[PickupLocation | None] = relationship()
    created_by: Mapped["Account | None"] = relationship(remote_side=[id])
    grower: Mapped["GrowerProfile | None"] = relationship(  # noqa: F821
        back_populates="account", uselist=False
    )
    customer_group: Mapped["CustomerGroup | None"] = relationship()  # noqa: F821

    __table_args__ = (
        UniqueConstraint("market_id", "email"),
        # The grid's sorts, each with the id as tie-breaker.
        Index("ix_lgadmin_account_market_first_name", "market_id", "first_name", "id"),
        Index("ix_lgadmin_account_market_last_name", "market_id", "last_name", "id"),
        Index("ix_lgadmin_account_market_joined_at", "market_id", "joined_at", "id"),
        Index("ix_lgadmin_account_market_balance", "market_id", "balance_cents", "id"),
        Index("ix_lgadmin_account_market_order_count", "market_id", "order_count", "id"),
        Index("ix_lgadmin_account_market_total_spent", "market_id", "total_spent_cents", "id"),
        Index("ix_lgadmin_account_market_last_order", "market_id", "last_order_at", "id"),
        # Possible duplicates: one market's accounts grouped on each key.
        Index("ix_lgadmin_account_market_email_key", "market_id", "email_key"),
        Index("ix_lgadmin_account_market_phone_key", "market_id", "phone_key"),
        Index("ix_lgadmin_account_market_name_key", "market_id", "name_key"),
        # Partial search ignoring case and accents on PostgreSQL (pg_trgm); SQLite scans.
        Index(
            "ix_lgadmin_account_search_text_trgm",
            "search_text",
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
        ).ddl_if(dialect="postgresql"),
    )

    def __str__(self) -> str:
        return self.full_name or self.email

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def is_active(self) -> bool:  # Flask-Login: inactive accounts cannot sign in
        return self.active

    @property
    def is_verified(self) -> bool:
        return self.email_verified_at is not None

    @property
    def is_member(self) -> bool:
        expires = self.membership_expires_on
        return expires is not None and expires >= market_today(self.market)

    def end_sessions(self) -> None:
        """Sign the account out everywhere: every session signed in with an older
        session_version is refused from its next request (lgadmin.sessions)."""
        self.session_version = (self.session_version or 0) + 1


# A new password, or an account closed (deactivated, merged away, erased), ends every
# session of it, whichever service makes the change: here, so no path can forget.
@event.listens_for(Account.password_hash, "set")
def _password_changed(account, value, old_value, initiator):
    if inspect(account).has_identity and value != old_value:
        account.end_sessions()


@event.listens_for(Account.active, "set")
def _deactivated(account, value, old_value, initiator):
    if inspect(account).has_identity and not value:
        account.end_sessions()


@event.listens_for(Account, "before_insert")
@event.listens_for(Account, "before_update")
def _keep_search_text(mapper, connection, account: Account) -> None:
    # Every way an account is created or renamed goes through the ORM, so the folded
    # search text and the duplicate keys can't fall behind the names, email and phone
    # they are made of.
    account.search_text = account_search_text(account.first_name, account.last_name, account.email)
    keys = duplicate_keys(
        account.email, account.phone, account.country, account.first_name, account.last_name
    )
    for column, key in keys.items():
        setattr(account, column, key)


# The market's customer count (Market.customer_count) moves with its accounts: one UPDATE per
# flush that adds or deletes any, in the flush's own transaction, so a rollback takes it back
# with the rows. Every way an account is created or deleted goes through the ORM session
# (sign-up, Add Customers, imports, guests, deletion); merging and erasing keep the row.
_DELETED_MARKETS = "lgadmin_deleted_account_markets"


@event.listens_for(Session, "before_flush")
def _note_deleted_accounts(session, flush_context, instances) -> None:
    # Read now, while the row is there to load an expired market_id from.
    deleted = {id(obj): obj.market_id for obj in session.deleted if isinstance(obj, Account)}
    if deleted:
        session.info[_DELETED_MARKETS] = deleted


@event.listens_for(Session, "after_flush")
def _count_customers(session, flush_context) -> None:
    deleted = session.info.pop(_DELETED_MARKETS, {})
    deltas: dict[int, int] = {}
    for obj in session.new:
        if isinstance(obj, Account) and obj.market_id is not None:
            deltas[obj.market_id] = deltas.get(obj.market_id, 0) + 1
    for obj in session.deleted:
        if isinstance(obj, Account):
            market_id = deleted.get(id(obj), inspect(obj).dict.get("market_id"))
            if market_id is not None:
                deltas[market_id] = deltas.get(market_id, 0) - 1
    connection = session.connection()
    for market_id, delta in deltas.items():
        if delta:
            connection.execute(
                update(Market)
                .where(Market.id == market_id)
                .values(customer_count=Market.customer_count + delta)
            )
            loaded = session.identity_map.get(identity_key(Market, market_id))
            if loaded is not None:
                # The copy in memory is behind the row now: read it again when next asked.
                session.info.setdefault(_STALE_MARKETS, []).append(loaded)


_STALE_MARKETS = "lgadmin_stale_market_counts"


@event.listens_for(Session, "after_flush_postexec")
def _reread_counts(session, flush_context) -> None:
    for market in session.info.pop(_STALE_MARKETS, []):
        session.expire(market, ["customer_count"])


event.listen(
    Account.__table__,
    "before_create",
    DDL("CREATE EXTENSION IF NOT EXISTS pg_trgm").execute_if(dialect="postgresql"),
)


class Comment(db.Model):
    """A dated note on an account, by a manager or by the system (mail events)."""

    __tablename__ = "lgadmin_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    account_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_account.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    is_system: Mapped[bool] = mapped_column(default=False)
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[Account | None] = relationship(foreign_keys=[author_id])

    __table_args__ = (Index("ix_lgadmin_comment_account_created", "account_id", "created_at"),)


class AccountMerge(db.Model):
    """A duplicate account merged into another: the pointer from the emptied account to the kept.

    The merged account stays (anonymised, inactive) so that rows left pointing
    at it (audit, act-as log, what it created) still resolve.
    """

    __tablename__ = "lgadmin_account_merge"

    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id"))
    merged_account_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_account.id"), unique=True)
    kept_account_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_account.id"))
    merged_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("lgadmin_account.id", ondelete="SET NULL")
    )
    merged_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_lgadmin_account_merge_kept", "kept_account_id"),)

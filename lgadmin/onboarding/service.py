"""Creating accounts: by a manager (one at a time or from a CSV row), or by a shopper signing up."""

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from ..accounts.models import Account
from ..accounts.passwords import hash_password, password_problem
from ..addresses.service import mailing_address_edited
from ..audit.service import record
from ..extensions import db
from ..markets.models import Market
from ..membership.service import grant_trial_orders
from ..signals import account_created, send_after_commit
from ..tenancy import of_market, select_in_market
from ..timeutil import utcnow
from .models import Invitation
from .values import CustomerValues, clean_customer, existing_emails


class AlreadyHasAccount(Exception):
    """The address has an account at the market already."""


class InvalidDetails(Exception):
    """Some fields are wrong; `problems` maps each field to what is wrong."""

    def __init__(self, problems: dict):
        super().__init__(", ".join(problems))
        self.problems = problems


def insert_account(market: Market, values: CustomerValues, **columns) -> Account:
    """Add the account inside a savepoint; AlreadyHasAccount when the address is taken.

    The (market, email) unique constraint settles two submissions racing for the
    same address: the loser's savepoint rolls back and the rest of its
    transaction (other CSV rows, say) goes on.
    """
    if existing_emails(market, [values.email]):
        raise AlreadyHasAccount(values.email)
    account = Account(
        market_id=market.id,
        email=values.email,
        first_name=values.first_name,
        last_name=values.last_name,
        phone=values.phone,
        pickup_location_id=values.pickup_location_id,
        joined_at=utcnow(),
        **values.address,
        **columns,
    )
    grant_trial_orders(account, market)
    try:
        if _savepoints_work():
            with db.session.begin_nested():
                db.session.add(account)
        else:
            db.session.add(account)
            db.session.flush()
    except IntegrityError:
        if not _savepoints_work():
            db.session.rollback()
        raise AlreadyHasAccount(values.email) from None
    add_mailing_address_to_book(account)
    send_after_commit(account_created, account=account)
    return account


def _savepoints_work() -> bool:
    """pysqlite commits when the outermost SAVEPOINT is released, so SQLite does without.

    SQLite lets one writer in at a time: a batch that wrote first (the CSV
    import claims its preview) cannot meet a concurrent duplicate, and a
    single insert that does is rolled back whole.
    """
    return db.session.get_bind().dialect.name != "sqlite"


def create_customer(manager: Account, market: Market, raw: dict, *, source: str) -> Account:
    """A manager creates one account (no password: a welcome email lets them set one).

    Commits; raises InvalidDetails or AlreadyHasAccount. The caller queues the
    welcome email (onboarding.emails.queue_welcome_emails).
    """
    values = clean_customer(market, raw)
    if values.problems:
        raise InvalidDetails(values.problems)
    try:
        account = add_customer(manager, market, values, source=source)
        db.session.commit()
    except AlreadyHasAccount:
        db.session.rollback()
        raise
    return account


def add_customer(manager: Account, market: Market, values: CustomerValues, *, source: str):
    """The account and its audit row in the caller's transaction."""
    account = insert_account(market, values, created_by_id=manager.id)
    record(
        manager,
        market.id,
        "account.create",
        account,
        f"Created the account of {account.full_name} <{account.email}>",
        source=source,
    )
    return account


class GuestMustBeInvited(Exception):
    """The address ordered here as a guest: it registers through an emailed invitation,
    so nobody else can sign up with it and see those orders."""


def sign_up(market: Market, raw: dict, password: str, invitation=None) -> Account:
    """A shopper creates their own account with a password; commits.

    Raises InvalidDetails, AlreadyHasAccount or GuestMustBeInvited. Invitations
    to the address at this market are marked accepted and linked to the new
    account. Signing up with the address an invitation was mailed to proves
    it (verified); a guest with that address registers on their own row,
    keeping their orders.
    """
    values = clean_customer(market, raw)
    problem = password_problem(password)
    if problem:
        values.problems["password"] = problem
    if values.problems:
        raise InvalidDetails(values.problems)
    invited = invitation is not None and invitation.email == values.email
    # One look-up, before any password is hashed: a guest's address and a member's are
    # refused in the same time, so the answer's timing doesn't tell them apart either.
    existing = account_by_email(market, values.email)
    guest = existing if existing is not None and existing.is_guest else None
    if existing is not None and guest is None:
        raise AlreadyHasAccount(values.email)
    if guest is not None and not invited:
        raise GuestMustBeInvited(values.email)
    try:
        if guest is not None:
            account = register_guest(guest, values, password)
        else:
            account = insert_account(market, values, password_hash=hash_password(password))
        if invited:
            account.email_verified_at = utcnow()
        db.session.flush()
        accept_invitations(account)
        record(
            account,
            market.id,
            "account.signup",
            account,
            f"{account.email} signed up" + (" (was a guest)" if guest is not None else ""),
        )
        db.session.commit()
    except AlreadyHasAccount:
        db.session.rollback()
        raise
    return account


def register_guest(guest: Account, values: CustomerValues, password: str) -> Account:
    """The guest's own row becomes a registered account, so their orders stay theirs."""
    guest.is_guest = False
    guest.password_hash = hash_password(password)
    guest.first_name, guest.last_name = values.first_name, values.last_name
    guest.phone = values.phone or guest.phone
    guest.pickup_location_id = values.pickup_location_id or guest.pickup_location_id
    for column, value in values.address.items():
        setattr(guest, column, value)
    grant_trial_orders(guest, guest.market)
    guest.version += 1
    add_mailing_address_to_book(guest)
    return guest


def add_mailing_address_to_book(account: Account) -> None:
    """An address typed at signup or by a manager is the first entry of the address book."""
    db.session.flush()
    mailing_address_edited(account)


def accept_invitations(account: Account) -> None:
    db.session.execute(
        update(Invitation)
        .where(
            of_market(Invitation, account.market_id),
            Invitation.email == account.email,
            Invitation.accepted_at.is_(None),
        )
        .values(accepted_at=utcnow(), account_id=account.id)
    )


def account_by_email(market: Market, email: str) -> Account | None:
    return db.session.scalars(
        select_in_market(Account, market).where(Account.email == email)
    ).first()

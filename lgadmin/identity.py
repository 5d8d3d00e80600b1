"""Who is signed in, as lgadmin sees it: the identity adapter (issue 22, point 2).

lgadmin never asks Flask-Login directly who is signed in. It asks the adapter installed
by `LGAdmin(app, identity=...)`, through `current_account` (and `sign_in_as`/`sign_out`
when it must change who is signed in: sign-in pages, act-as). Roles come from the lgadmin
`Account` the adapter names: its `is_superuser`, `is_manager`, `staff_role` and `market`.
A host user the adapter maps to no account is nobody to lgadmin: no admin, no shop.

- Standalone (`lgadmin.app.create_app`): `LoginIdentity`, lgadmin's own Flask-Login
  LoginManager over its `Account` (the plug-in installs it and its user loader).
- Hosted: the host keeps its own LoginManager and passes a subclass of `Identity` that
  says which lgadmin account, if any, its signed-in user is. lgadmin refuses to start on
  an app that already has a LoginManager and was given no adapter, rather than replace the
  host's user loader (which made the host's user 1 lgadmin's account 1, a superuser).
"""

from flask import current_app, session, url_for
from flask_login import current_user, login_user, logout_user
from werkzeug.local import LocalProxy

from .extensions import login_manager

EXTENSION_KEY = "lgadmin_identity"


class HostIdentityRequired(RuntimeError):
    """Start-up: the app has its own LoginManager and lgadmin was given no identity adapter."""


class SignInRefused(Exception):
    """The adapter doesn't let lgadmin sign an account in (the plug-in answers 403)."""


class Identity:
    """What a host implements to tell lgadmin who is signed in. Override `account`;
    the rest has safe defaults.

    `account()` is asked several times a request: cache it (e.g. in `flask.g`) when it
    costs a query.
    """

    #: May lgadmin's own sign-in and signup pages sign an lgadmin account in through
    #: `sign_in_as`? A host that signs people in itself leaves it False (those pages: 403).
    signs_in = False
    #: May act-as put a manager into a shopper's seat (`sign_in_as(shopper)`) and back
    #: (`restore(manager)`)? `SeatInSession` below does it for a host.
    swaps_seats = False

    def account(self):
        """The lgadmin `Account` the current person is, or None (the default: nobody)."""
        return None

    def is_signed_in(self) -> bool:
        """Is anyone (a host user too) signed in? Someone signed in whom lgadmin doesn't
        know is refused with 403; nobody signed in is sent to `login_url`."""
        return current_user.is_authenticated if _has_login_manager() else False

    def login_url(self, next_url: str | None) -> str | None:
        """Where to send someone not signed in who asks for an lgadmin page (None: 403)."""
        manager = getattr(current_app, "login_manager", None)
        view = getattr(manager, "login_view", None)
        return url_for(view, next=next_url) if view else None

    def sign_in_as(self, account) -> None:
        """Make `account` the one signed in (lgadmin's sign-in pages, taking a shopper's
        seat for act-as). Refused unless the adapter implements it."""
        raise SignInRefused("this host signs people in itself")

    def restore(self, account) -> None:
        """Put `account` (a manager leaving a shopper's seat) back as the one signed in."""
        self.sign_in_as(account)

    def sign_out(self) -> None:
        """End the current person's sign-in (lgadmin's Sign out button)."""
        if _has_login_manager():
            logout_user()

    # Derived from account(): what lgadmin's role checks read.
    def is_superuser(self) -> bool:
        account = self.account()
        return bool(account is not None and account.active and account.is_superuser)

    def market_and_role(self):
        """(market, role) of the current account: role is "superuser", "manager", the staff
        role's value, "customer", or None when lgadmin doesn't know the person."""
        account = self.account()
        if account is None or not account.active:
            return None, None
        if account.is_superuser:
            return None, "superuser"
        if account.is_manager:
            return account.market, "manager"
        return account.market, account.staff_role or "customer"


class NoAccess(Identity):
    """Maps nobody: lgadmin's screens answer 403 (or the host's login page) to everyone."""


class SeatInSession(Identity):
    """Act-as for a host: the shopper's seat is kept in the session, beside the host's login.

    A host implements `host_account()` (what `account()` is for any other adapter),
    `load_account(account_id)` and `sign_in_host_user(account)`. Taking a seat clears the
    session (the host's sign-in too: the manager is the shopper until the seat is left);
    leaving it signs the manager's host user back in through `sign_in_host_user`.
    """

    swaps_seats = True
    SEAT_KEY = "lgadmin_seat_account_id"

    def host_account(self):
        """The lgadmin Account of the host's signed-in user, or None."""
        return None

    def load_account(self, account_id: int):
        """The lgadmin Account with that id (e.g. `db.session.get(Account, account_id)`)."""
        raise NotImplementedError

    def sign_in_host_user(self, account) -> bool:
        """Sign in the host user whose lgadmin account is `account` (a manager leaving a
        seat); False when there is none (the manager then leaves signed out)."""
        return False

    def account(self):
        seated = session.get(self.SEAT_KEY)
        return self.load_account(seated) if seated is not None else self.host_account()

    def sign_in_as(self, account) -> None:
        session[self.SEAT_KEY] = account.id

    def restore(self, account) -> None:
        session.pop(self.SEAT_KEY, None)
        if not self.sign_in_host_user(account):
            self.sign_out()

    def sign_out(self) -> None:
        session.pop(self.SEAT_KEY, None)
        super().sign_out()


class LoginIdentity(Identity):
    """Standalone: lgadmin's own LoginManager, whose user loader loads its `Account`."""

    signs_in = True
    swaps_seats = True

    def account(self):
        if getattr(current_app, "login_manager", None) is not login_manager:
            # A LoginManager set up after lgadmin's: its user loader isn't lgadmin's, so its
            # user 1 would pass for lgadmin's account 1. Refuse rather than guess.
            raise HostIdentityRequired(
                "lgadmin: the app's LoginManager was set up after lgadmin installed its own. "
                "Set yours up first and pass LGAdmin(app, identity=...) (see lgadmin.identity)."
            )
        return current_user._get_current_object() if current_user.is_authenticated else None

    def is_signed_in(self) -> bool:
        return self.account() is not None

    def login_url(self, next_url: str | None) -> str | None:
        return url_for("lgadmin_auth.sign_in", next=next_url)

    def sign_in_as(self, account) -> None:
        login_user(account)

    def sign_out(self) -> None:
        logout_user()


def _has_login_manager() -> bool:
    return getattr(current_app, "login_manager", None) is not None


def current_identity() -> Identity:
    """The adapter the plug-in installed on this app."""
    return current_app.extensions[EXTENSION_KEY]


class Nobody:
    """What `current_account` is when lgadmin knows nobody signed in: every check says no."""

    is_authenticated = False
    is_active = False
    is_anonymous = True
    active = False
    is_superuser = False
    is_manager = False
    staff_role = None
    id = None
    market = None
    market_id = None
    email = None

    def get_id(self):
        return None


NOBODY = Nobody()


def _current_account():
    account = current_identity().account()
    return NOBODY if account is None else account


#: The lgadmin account signed in (through the adapter), or NOBODY. The one place lgadmin
#: reads who is signed in; templates get it as `current_account`.
current_account = LocalProxy(_current_account)


def sign_in_as(account) -> None:
    current_identity().sign_in_as(account)


def restore(account) -> None:
    current_identity().restore(account)


def sign_out() -> None:
    current_identity().sign_out()


def ensure_signs_in() -> None:
    """Before lgadmin's sign-in or signup page changes anything (the session cleared):
    SignInRefused when the adapter doesn't let lgadmin sign its accounts in."""
    if not current_identity().signs_in:
        raise SignInRefused("This site signs people in itself.")


ACT_AS_UNAVAILABLE = "Acting as a customer isn't available: this site's sign-in doesn't support it."


def act_as_unavailable() -> str | None:
    """Why act-as can't start with this adapter (it can't swap seats), or None."""
    return None if current_identity().swaps_seats else ACT_AS_UNAVAILABLE


def ensure_swaps_seats() -> None:
    if not current_identity().swaps_seats:
        raise SignInRefused(ACT_AS_UNAVAILABLE)

"""How lgadmin learns who is signed in on this host: the identity adapter.

A host user is nobody to lgadmin unless `users.lgadmin_account_id` names an lgadmin
account; what that account is (superuser, manager or staff of a market, customer) is what
lgadmin lets them do. Act-as keeps the shopper's seat in the session and, when the manager
leaves it, signs the manager's host user back in.
"""

from flask import g
from flask_login import current_user, login_user
from sqlalchemy import select

from lgadmin.accounts.models import Account
from lgadmin.identity import SeatInSession

from .models import User, db


class GreenValleyIdentity(SeatInSession):
    def host_account(self):
        if not current_user.is_authenticated or current_user.lgadmin_account_id is None:
            return None
        if "lgadmin_account" not in g:  # asked several times a request
            g.lgadmin_account = db.session.get(Account, current_user.lgadmin_account_id)
        return g.lgadmin_account

    def load_account(self, account_id: int):
        return db.session.get(Account, account_id)

    def sign_in_host_user(self, account) -> bool:
        user = db.session.scalar(select(User).where(User.lgadmin_account_id == account.id))
        if user is None:
            return False
        g.pop("lgadmin_account", None)
        login_user(user)
        return True

"""The manager's "Refresh from Stripe" action for a customer of their market."""

from flask import flash, redirect, url_for
from flask_admin import expose

from ..accounts.models import Account
from ..admin.base import AdminView
from ..audit.service import record
from ..extensions import db
from ..identity import current_account
from ..staff import roles
from ..tenancy import get_in_market, require_market
from .client import PaymentsError
from .service import refresh_payment_methods


class PaymentsView(AdminView):
    """Actions only, reached from the customer details; not in the menu."""

    required_permission = roles.REFRESH_PAYMENTS

    def is_visible(self) -> bool:
        return False

    @expose("/")
    @roles.requires(roles.REFRESH_PAYMENTS)
    def index(self):
        return redirect(url_for("lgadmin_customers.index_view"))

    @expose("/refresh/<lgadmin_id:account_id>", methods=["POST"])
    @roles.requires(roles.REFRESH_PAYMENTS)
    def refresh(self, account_id: int):
        market = require_market()
        account = get_in_market(Account, account_id, market)
        try:
            result = refresh_payment_methods(account)
        except PaymentsError as error:
            db.session.rollback()
            flash(f"Could not refresh from Stripe: {error}", "error")
        else:
            record(
                current_account,
                market.id,
                "lgadmin_payments.refresh",
                account,
                summary=result.message,
                cards=len(result.cards),
            )
            db.session.commit()
            flash(result.message, "success")
        return redirect(url_for("lgadmin_customers.details_view", id=account_id))

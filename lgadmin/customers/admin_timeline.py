"""The customer's Timeline: a card on the details page and its own paged page."""

from flask import request
from flask_admin import expose

from ..accounts.models import Account
from ..act_as.seat import close_overdue_sessions
from ..staff import roles
from ..staff.roles import requires
from ..tenancy import require_market
from .timeline import GROUPS, timeline_page


class CustomerTimelineMixin:
    """Mixed into the customer view ahead of the details: every account comes from get_one."""

    @expose("/<int:account_id>/timeline")
    @requires(roles.VIEW_CUSTOMERS)
    def timeline_view(self, account_id: int):
        account = self.get_one(account_id)
        market = require_market()
        close_overdue_sessions(shopper_id=account.id)
        timeline = timeline_page(
            market,
            account,
            page=request.args.get("page", 1, type=int),
            group=request.args.get("kind", ""),
        )
        return self.render(
            "lgadmin/customers/timeline.html",
            model=account,
            market=market,
            timeline=timeline,
            groups=GROUPS,
        )

    def _account_extras_context(self, account: Account, forms: dict) -> dict:
        context = super()._account_extras_context(account, forms)
        close_overdue_sessions(shopper_id=account.id)
        context["timeline"] = timeline_page(require_market(), account)
        return context

"""The customer's Timeline: a section of the details page and its own paged page."""

from flask import request
from flask_admin import expose

from ..accounts.models import Account
from ..act_as.seat import close_overdue_sessions
from ..admin.base import PartView
from ..admin.sections import SectionPart
from ..staff import roles
from ..staff.roles import requires
from ..tenancy import get_in_market, require_market
from .timeline import GROUPS, timeline_page


def timeline_section(account, market, forms) -> SectionPart:
    # An act-as session that ran out while nobody was in the seat shows as ended.
    close_overdue_sessions(shopper_id=account.id)
    return SectionPart(
        "lgadmin/customers/_timeline.html", {"timeline": timeline_page(market, account)}
    )


class CustomerTimelineView(PartView):
    required_permission = roles.VIEW_CUSTOMERS

    @expose("/<lgadmin_id:account_id>/timeline")
    @requires(roles.VIEW_CUSTOMERS)
    def timeline_view(self, account_id: int):
        market = require_market()
        account = get_in_market(Account, account_id, market)
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

"""The customer's loyalty points on the details page (spec 002): adjust, enrol, the history."""

from flask import flash, redirect, url_for
from flask_admin import expose

from ..accounts.models import Account
from ..admin.base import PartView
from ..admin.sections import SectionPart
from ..extensions import db
from ..identity import current_account
from ..staff import roles
from ..staff.roles import requires
from ..submissions import ALREADY_APPLIED, AlreadyApplied
from ..tenancy import get_in_market, require_market
from ..urls import safe_next_url
from .forms import AdjustLoyaltyForm, EnrollLoyaltyForm
from .service import NO_LOYALTY_ACCOUNT, LoyaltyError, adjust_points, enroll, loyalty_history

RECENT_POINTS = 10


def loyalty_section(account, market, forms) -> SectionPart:
    return SectionPart(
        "lgadmin/loyalty/_details_section.html",
        {
            "loyalty_form": forms.get("loyalty") or AdjustLoyaltyForm(formdata=None),
            "enroll_form": EnrollLoyaltyForm(formdata=None),
            "loyalty_entries": loyalty_history(account, RECENT_POINTS),
        },
    )


class CustomerLoyaltyView(PartView):
    required_permission = roles.VIEW_CUSTOMERS

    @expose("/<lgadmin_id:account_id>/loyalty", methods=("POST",))
    @requires(roles.ADJUST_LOYALTY)
    def adjust_loyalty_view(self, account_id: int):
        account = get_in_market(Account, account_id, require_market())
        form = AdjustLoyaltyForm()
        back = safe_next_url(form.next.data) or url_for(
            "lgadmin_customers.details_view", id=account.id
        )
        if form.validate_on_submit():
            try:
                entry = adjust_points(
                    account,
                    current_account,
                    form.action.data,
                    form.points.data,
                    form.reason.data,
                    submission_key=form.submission_key.data,
                )
                db.session.commit()
            except AlreadyApplied:
                db.session.rollback()
                flash(ALREADY_APPLIED.format(what="points adjustment"), "info")
                return redirect(back)
            except LoyaltyError as error:
                db.session.rollback()
                if str(error) == NO_LOYALTY_ACCOUNT or error.field not in form:
                    flash(str(error), "error")
                    return redirect(back)
                form[error.field].errors = [*form[error.field].errors, str(error)]
            else:
                verb = "added" if entry.points > 0 else "deducted"
                flash(
                    f"Successfully {verb} {abs(entry.points):,} points. "
                    f"New balance: {entry.balance_after:,} points.",
                    "success",
                )
                return redirect(back)
        return self.details_page(account, 400, loyalty=form)

    @expose("/<lgadmin_id:account_id>/loyalty/enroll", methods=("POST",))
    @requires(roles.ADJUST_LOYALTY)
    def enroll_loyalty_view(self, account_id: int):
        account = get_in_market(Account, account_id, require_market())
        if EnrollLoyaltyForm().validate_on_submit():
            if not account.market.loyalty_enabled:
                flash("The loyalty program is not active at this market.", "error")
            elif enroll(account, current_account):
                db.session.commit()
                flash("Loyalty account opened with 0 points.", "success")
        return self.back_to_details(account, "loyalty")

    @expose("/<lgadmin_id:account_id>/loyalty/history")
    @requires(roles.VIEW_CUSTOMERS)
    def loyalty_history_view(self, account_id: int):
        market = require_market()
        account = get_in_market(Account, account_id, market)
        return self.render(
            "lgadmin/customers/loyalty_history.html",
            model=account,
            entries=loyalty_history(account),
            market=market,
        )

"""The customer's membership on the details page: its status and the manager's change."""

from flask import flash
from flask_admin import expose

from ..accounts.models import Account
from ..accounts.versions import StaleForm
from ..admin.base import PartView
from ..admin.sections import SectionPart
from ..extensions import db
from ..identity import current_account
from ..staff import roles
from ..staff.roles import requires
from ..tenancy import get_in_market, require_market
from ..timeutil import format_date
from .forms import MembershipForm
from .service import MembershipError, membership_status, update_membership


def membership_section(account, market, forms) -> SectionPart:
    form = forms.get("membership") or MembershipForm(formdata=None, version=account.version)
    return SectionPart(
        "lgadmin/membership/_details_section.html",
        {"membership": membership_status(account), "membership_form": form},
    )


class CustomerMembershipView(PartView):
    required_permission = roles.VIEW_CUSTOMERS

    @expose("/<lgadmin_id:account_id>/membership", methods=("POST",))
    @requires(roles.UPDATE_MEMBERSHIP)
    def membership_view(self, account_id: int):
        account = get_in_market(Account, account_id, require_market())
        form = MembershipForm()
        if form.validate_on_submit():
            try:
                after = update_membership(
                    account,
                    current_account,
                    change=form.change.data or None,
                    expires_on=form.expires_on.data,
                    expected_version=form.version.data,
                )
                db.session.commit()
            except StaleForm as error:
                return self.stale(account, error)
            except MembershipError as error:
                form.change.errors.append(str(error))
            else:
                flash(f"Membership updated: now expires {format_date(after)}.", "success")
                return self.back_to_details(account, "membership")
        return self.details_page(account, 400, membership=form)

"""One customer's group and tax status, on the details page (spec 004)."""

from flask import flash
from flask_admin import expose

from ..accounts.forms import options
from ..accounts.models import Account
from ..accounts.versions import StaleForm
from ..admin.base import PartView
from ..admin.sections import SectionPart
from ..extensions import db
from ..identity import current_account
from ..staff import roles
from ..staff.roles import requires
from ..tenancy import get_in_market, require_market
from .forms import GroupTaxForm
from .service import GroupError, format_percent, market_groups, update_group_and_tax


def group_tax_section(account, market, forms) -> SectionPart:
    form = forms.get("group_tax") or GroupTaxForm(
        formdata=None,
        obj=account,
        customer_group_id=str(account.customer_group_id or ""),
    )
    form.customer_group_id.choices = options(
        [("", "No group")]
        + [
            (group.id, f"{group.name} ({format_percent(group.discount_percent)} % off)")
            for group, _ in market_groups(market)
        ]
    )
    return SectionPart("lgadmin/groups/_details_section.html", {"group_tax_form": form})


class CustomerGroupTaxView(PartView):
    required_permission = roles.VIEW_CUSTOMERS

    @expose("/<lgadmin_id:account_id>/group-tax", methods=("POST",))
    @requires(roles.EDIT_INFO)
    def group_tax_view(self, account_id: int):
        account = get_in_market(Account, account_id, require_market())
        form = GroupTaxForm()
        if form.validate_on_submit():
            try:
                changed = update_group_and_tax(
                    account,
                    current_account,
                    form.customer_group_id.data,
                    form.tax_exempt.data,
                    form.vat_id.data,
                    expected_version=form.version.data,
                )
                db.session.commit()
            except StaleForm as error:
                return self.stale(account, error)
            except GroupError as error:
                db.session.rollback()
                form[error.field].errors = [*form[error.field].errors, str(error)]
            else:
                flash("Group and tax saved." if changed else "Nothing changed.", "success")
                return self.back_to_details(account, "group-tax")
        return self.details_page(account, 400, group_tax=form)

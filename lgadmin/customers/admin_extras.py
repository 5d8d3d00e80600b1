"""More of the customer details: Loyalty, Addresses, Group & Tax, guests (specs 001-004).

Mixed into the customer view next to CustomerDetailsMixin, so every route goes
through its market-scoped get_one and the same access check; each POST names
the staff permission it needs.
"""

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user

from ..accounts.models import Account
from ..accounts.versions import StaleForm
from ..addresses.forms import AddressForm, DeleteAddressForm
from ..addresses.service import AddressError, address_book, address_of, delete_address, save_address
from ..extensions import db
from ..groups.service import GroupError, format_percent, market_groups, update_group_and_tax
from ..loyalty.service import (
    NO_LOYALTY_ACCOUNT,
    LoyaltyError,
    adjust_points,
    enroll,
    give_bonus_points,
    loyalty_history,
    parse_points,
)
from ..onboarding.emails import queue_invitation_emails
from ..onboarding.guests import GuestError, invite_guest
from ..segments.grid import matching_account_ids
from ..segments.service import segment_criteria, segment_with_pickup_name
from ..staff import roles
from ..staff.roles import requires
from ..submissions import ALREADY_APPLIED, AlreadyApplied
from ..tenancy import require_market
from ..urls import mail_link_root, safe_next_url
from .forms import (
    AdjustLoyaltyForm,
    BonusPointsForm,
    EnrollLoyaltyForm,
    GroupTaxForm,
    InviteGuestForm,
    options,
)

RECENT_POINTS = 10
ADDRESS_FIELDS = (
    "label",
    "recipient",
    "line1",
    "line2",
    "city",
    "region",
    "postal_code",
    "country",
)


class AccountExtrasMixin:
    # -- what the details page shows -----------------------------------------
    def _account_extras_context(self, account: Account, forms: dict) -> dict:
        market = require_market()
        group_form = forms.get("group_tax") or GroupTaxForm(
            formdata=None,
            obj=account,
            customer_group_id=str(account.customer_group_id or ""),
        )
        group_form.customer_group_id.choices = options(
            [("", "No group")]
            + [
                (group.id, f"{group.name} ({format_percent(group.discount_percent)} % off)")
                for group, _ in market_groups(market)
            ]
        )
        book = address_book(account)
        edited = forms.get("address")  # (address id or None, form) re-shown with its errors
        address_forms = []
        for address in book:
            if edited and edited[0] == address.id:
                form = edited[1]
            else:
                form = AddressForm(formdata=None, obj=address, prefix=f"a{address.id}")
            address_forms.append((address, form))
        new_address = (
            edited[1] if edited and edited[0] is None else AddressForm(formdata=None, prefix="new")
        )
        return {
            "loyalty_form": forms.get("loyalty") or AdjustLoyaltyForm(formdata=None),
            "enroll_form": EnrollLoyaltyForm(formdata=None),
            "loyalty_entries": loyalty_history(account, RECENT_POINTS),
            "group_tax_form": group_form,
            "address_forms": address_forms,
            "new_address_form": new_address,
            "delete_address_form": DeleteAddressForm(formdata=None),
            "invite_guest_form": InviteGuestForm(formdata=None),
        }

    # -- loyalty ---------------------------------------------------------------
    @expose("/<int:account_id>/loyalty", methods=("POST",))
    @requires(roles.ADJUST_LOYALTY)
    def adjust_loyalty_view(self, account_id: int):
        account = self.get_one(account_id)
        form = AdjustLoyaltyForm()
        back = safe_next_url(form.next.data) or url_for(".details_view", id=account.id)
        if form.validate_on_submit():
            try:
                entry = adjust_points(
                    account,
                    current_user,
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
        return self._render_details(account, 400, loyalty=form)

    @expose("/<int:account_id>/loyalty/enroll", methods=("POST",))
    @requires(roles.ADJUST_LOYALTY)
    def enroll_loyalty_view(self, account_id: int):
        account = self.get_one(account_id)
        if EnrollLoyaltyForm().validate_on_submit():
            if not account.market.loyalty_enabled:
                flash("The loyalty program is not active at this market.", "error")
            elif enroll(account, current_user):
                db.session.commit()
                flash("Loyalty account opened with 0 points.", "success")
        return self._back_to(account, "loyalty")

    @expose("/<int:account_id>/loyalty/history")
    @requires(roles.VIEW_CUSTOMERS)
    def loyalty_history_view(self, account_id: int):
        account = self.get_one(account_id)
        return self.render(
            "lgadmin/customers/loyalty_history.html",
            model=account,
            entries=loyalty_history(account),
            market=require_market(),
        )

    @expose("/bonus-points", methods=("POST",))
    @requires(roles.BONUS_POINTS)
    def bonus_points_view(self):
        market = require_market()
        form = BonusPointsForm()
        back = safe_next_url(form.next.data) or url_for(".index_view")
        if not form.validate_on_submit():
            flash("The form expired; open Bonus points again.", "error")
            return redirect(back)
        criteria = None
        if form.segment.data:  # bonus points to a whole segment
            found = segment_with_pickup_name(market, form.segment.data)
            if found is None:
                abort(404)
            criteria = segment_criteria(found[0]).values
        ids = matching_account_ids(
            market,
            search=form.search.data,
            active_only=form.status.data == "active",
            customer_type=form.type.data,
            verified=form.verified.data,
            criteria=criteria,
        )
        try:
            given, skipped, own_left_out = give_bonus_points(
                current_user, market, ids, form.points.data, form.reason.data
            )
            db.session.commit()
        except LoyaltyError as error:
            db.session.rollback()
            flash(f"No bonus points were given: {error}", "error")
        else:
            message = f"Gave {parse_points(form.points.data):,} bonus points to "
            message += f"{given:,} customer{'s' if given != 1 else ''}."
            if skipped:
                message += f" {skipped:,} without a loyalty account were skipped."
            if own_left_out:
                message += " Your own account was left out: another manager can give you points."
            flash(message, "success")
        return redirect(back)

    # -- addresses -------------------------------------------------------------
    @expose("/<int:account_id>/addresses", methods=("POST",))
    @requires(roles.MANAGE_ADDRESSES)
    def add_address_view(self, account_id: int):
        account = self.get_one(account_id)
        return self._save_address(account, None, AddressForm(prefix="new"))

    @expose("/<int:account_id>/addresses/<int:address_id>", methods=("POST",))
    @requires(roles.MANAGE_ADDRESSES)
    def edit_address_view(self, account_id: int, address_id: int):
        account = self.get_one(account_id)
        address = self._address(account, address_id)
        return self._save_address(account, address, AddressForm(prefix=f"a{address.id}"))

    @expose("/<int:account_id>/addresses/<int:address_id>/delete", methods=("POST",))
    @requires(roles.MANAGE_ADDRESSES)
    def delete_address_view(self, account_id: int, address_id: int):
        account = self.get_one(account_id)
        address = self._address(account, address_id)
        if DeleteAddressForm().validate_on_submit():
            delete_address(account, current_user, address)
            db.session.commit()
            flash("Address removed.", "success")
        return self._back_to(account, "addresses")

    def _address(self, account, address_id):
        address = address_of(account, address_id)
        if address is None:
            abort(404)
        return address

    def _save_address(self, account, address, form):
        if form.validate_on_submit():
            values = {name: getattr(form, name).data for name in ADDRESS_FIELDS}
            try:
                save_address(
                    account,
                    current_user,
                    values,
                    address=address,
                    default_billing=form.default_billing.data,
                    default_shipping=form.default_shipping.data,
                )
                db.session.commit()
            except AddressError as error:
                db.session.rollback()
                for name, problem in error.problems.items():
                    form[name].errors = [*form[name].errors, problem]
            else:
                flash("Address saved.", "success")
                return self._back_to(account, "addresses")
        key = address.id if address is not None else None
        return self._render_details(account, 400, address=(key, form))

    # -- group & tax -------------------------------------------------------------
    @expose("/<int:account_id>/group-tax", methods=("POST",))
    @requires(roles.EDIT_INFO)
    def group_tax_view(self, account_id: int):
        account = self.get_one(account_id)
        form = GroupTaxForm()
        if form.validate_on_submit():
            try:
                changed = update_group_and_tax(
                    account,
                    current_user,
                    form.customer_group_id.data,
                    form.tax_exempt.data,
                    form.vat_id.data,
                    expected_version=form.version.data,
                )
                db.session.commit()
            except StaleForm as error:
                return self._stale(account, error)
            except GroupError as error:
                db.session.rollback()
                form[error.field].errors = [*form[error.field].errors, str(error)]
            else:
                flash("Group and tax saved." if changed else "Nothing changed.", "success")
                return self._back_to(account, "group-tax")
        return self._render_details(account, 400, group_tax=form)

    # -- guests ------------------------------------------------------------------
    @expose("/<int:account_id>/invite-guest", methods=("POST",))
    @requires(roles.INVITE_GUEST)
    def invite_guest_view(self, account_id: int):
        account = self.get_one(account_id)
        if InviteGuestForm().validate_on_submit():
            try:
                invitation = invite_guest(current_user, require_market(), account)
                db.session.commit()
            except GuestError as error:
                db.session.rollback()
                flash(str(error), "error")
            else:
                queue_invitation_emails([invitation.id], mail_link_root())
                flash(
                    f"Invitation sent to {account.email}. Their orders will be in their "
                    "account once they register.",
                    "success",
                )
        return self._back_to(account)


def grid_filters_of_request() -> dict:
    """The grid's current search and filters, for the Bonus points form."""
    view_args = g.get("customer_view_args")
    extra = view_args.extra_args if view_args else {}
    return {
        "search": (view_args.search if view_args else None) or "",
        "status": extra.get("status", ""),
        "type": extra.get("type", ""),
        "verified": extra.get("verified", ""),
        "segment": extra.get("segment", ""),
        "next": request.full_path.rstrip("?"),
    }

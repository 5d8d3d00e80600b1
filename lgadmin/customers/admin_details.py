"""The manager's changes to the customer's own record, from the details page (spec 000).

Its sections of the page are in customers.details; this view takes their forms' POSTs. Every
account and order is read through the tenancy gate, so another market's id is a 404.
"""

from flask import flash, redirect, url_for
from flask_admin import expose

from ..accounts.models import Account
from ..accounts.versions import StaleForm
from ..admin.base import PartView
from ..extensions import db
from ..identity import current_account
from ..onboarding.emails import queue_invitation_emails
from ..onboarding.guests import GuestError, invite_guest
from ..orders.models import Order
from ..staff import roles
from ..staff.roles import requires
from ..tenancy import get_in_market, require_market
from ..urls import mail_link_root
from .forms import CommentForm, DeleteAccountForm, EditInfoForm, InviteGuestForm, SpecialInfoForm
from .service import (
    INFO_FIELDS,
    SPECIAL_FLAGS,
    InvalidField,
    add_manager_comment,
    delete_account,
    update_info,
    update_special_info,
)

# What a closed (erased or merged) account's page still offers: reading it, and its data.
READING = frozenset(
    {roles.VIEW_CUSTOMERS, roles.EXPORT_CUSTOMER_DATA, roles.VIEW_AUDIT_LOG, roles.VIEW_ACT_AS_LOG}
)


class CustomerAccountView(PartView):
    """/admin/customers/<id>/edit-info and the other changes to the account itself."""

    required_permission = roles.VIEW_CUSTOMERS

    @expose("/<lgadmin_id:account_id>/edit-info", methods=("POST",))
    @requires(roles.EDIT_INFO)
    def edit_info_view(self, account_id: int):
        account = get_in_market(Account, account_id, require_market())
        form = EditInfoForm()
        if form.validate_on_submit():
            values = {
                field: getattr(form, field).data
                for field in INFO_FIELDS
                if field != "pickup_location_id"
            }
            try:
                values["pickup_location_id"] = _pickup_id(form.pickup_location_id.data)
                update_info(account, current_account, values, expected_version=form.version.data)
                db.session.commit()
            except StaleForm as error:
                return self.stale(account, error)
            except InvalidField as error:
                db.session.rollback()
                getattr(form, error.field).errors.append(str(error))
            else:
                flash("Customer information saved.", "success")
                return self.back_to_details(account)
        return self.details_page(account, 400, edit=form, open_section="edit")

    @expose("/<lgadmin_id:account_id>/special-info", methods=("POST",))
    @requires(roles.EDIT_SPECIAL_INFO)
    def special_info_view(self, account_id: int):
        account = get_in_market(Account, account_id, require_market())
        form = SpecialInfoForm()
        if form.validate_on_submit():
            flags = {field: getattr(form, field).data for field in SPECIAL_FLAGS}
            try:
                changed = update_special_info(
                    account,
                    current_account,
                    flags,
                    form.line_position.data,
                    expected_version=form.version.data,
                    staff_role=form.staff_role.data,
                    complainer_agreed=form.complainer_agreed.data,
                )
                db.session.commit()
            except StaleForm as error:
                return self.stale(account, error)
            except InvalidField as error:
                db.session.rollback()
                getattr(form, error.field).errors.append(str(error))
            else:
                flash("Special information updated." if changed else "Nothing changed.", "success")
                return self.back_to_details(account, "special")
        return self.details_page(account, 400, special=form)

    @expose("/<lgadmin_id:account_id>/comments", methods=("POST",))
    @requires(roles.ADD_COMMENT)
    def add_comment_view(self, account_id: int):
        account = get_in_market(Account, account_id, require_market())
        form = CommentForm()
        if form.validate_on_submit():
            add_manager_comment(account, current_account, form.body.data)
            db.session.commit()
            flash("Comment added.", "success")
            return self.back_to_details(account, "comments")
        return self.details_page(account, 400, comment=form)

    @expose("/<lgadmin_id:account_id>/delete-account", methods=("POST",))
    @requires(roles.DELETE_ACCOUNT)
    def delete_account_view(self, account_id: int):
        account = get_in_market(Account, account_id, require_market())
        form = DeleteAccountForm()
        if form.validate_on_submit():
            name = str(account)
            try:
                delete_account(account, current_account)
                db.session.commit()
            except InvalidField as error:
                db.session.rollback()
                # At the top of the view, and again beside the button the manager just pressed.
                flash(str(error), "error")
                form.form_errors.append(str(error))
            else:
                flash(f"The account of {name} was permanently deleted.", "success")
                return redirect(url_for("lgadmin_customers.index_view"))
        return self.details_page(account, 400, delete=form)

    @expose("/<lgadmin_id:account_id>/invite-guest", methods=("POST",))
    @requires(roles.INVITE_GUEST)
    def invite_guest_view(self, account_id: int):
        account = get_in_market(Account, account_id, require_market())
        if InviteGuestForm().validate_on_submit():
            try:
                invitation = invite_guest(current_account, require_market(), account)
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
        return self.back_to_details(account)

    @expose("/orders/<lgadmin_id:order_id>")
    @requires(roles.VIEW_CUSTOMERS)
    def order_view(self, order_id: int):
        market = require_market()
        order = get_in_market(Order, order_id, market)
        return self.render(
            "lgadmin/customers/order.html",
            order=order,
            model=get_in_market(Account, order.account_id, market),
            market=market,
        )


def _pickup_id(raw: str) -> int | None:
    if not raw:
        return None
    ids = {p.id for p in require_market().pickup_locations}
    try:
        chosen = int(raw)
    except ValueError:
        chosen = None
    if chosen not in ids:
        raise InvalidField("pickup_location_id", "Choose one of your pickup locations.")
    return chosen

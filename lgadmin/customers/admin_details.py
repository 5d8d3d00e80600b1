"""The customer details page and the manager's actions on it (spec 000)."""

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.closed import closed_reason
from ..accounts.models import Account
from ..accounts.versions import StaleForm
from ..auth.resets import ResetLinkRefused, record_reset_link
from ..balance.models import LedgerEntry
from ..balance.service import (
    BalanceError,
    ReasonMissing,
    adjust_balance,
    chosen_reason,
    parse_amount,
)
from ..contact import display_phone, market_region
from ..deliverability.complaints import spam_complaint_on
from ..extensions import db
from ..mail import queue_job
from ..membership.service import MembershipError, update_membership
from ..money import format_money
from ..onboarding.emails import send_password_reset
from ..orders.models import Order
from ..orders.service import apply_payment_to_open_orders
from ..payments.client import payments_enabled
from ..staff import roles
from ..staff.roles import can, requires
from ..submissions import ALREADY_APPLIED, AlreadyApplied
from ..tenancy import require_market
from ..timeutil import format_date
from ..urls import mail_link_root
from .details import customer_details
from .forms import (
    AdjustBalanceForm,
    CommentForm,
    DeleteAccountForm,
    EditInfoForm,
    MembershipForm,
    SendResetLinkForm,
    SpecialInfoForm,
    options,
)
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


class CustomerDetailsMixin:
    """Mixed into the customer ModelView: every route goes through get_one (market-scoped)."""

    details_template = "lgadmin/customers/details.html"

    # -- pages -------------------------------------------------------------
    @expose("/details/")
    def details_view(self):
        account = self.get_one(request.args.get("id"))
        return self._render_details(account)

    def _render_details(self, account: Account, status: int = 200, **forms):
        market = require_market()
        pickups = options(
            [("", "No pickup location")] + [(p.id, p.name) for p in market.pickup_locations]
        )
        edit = forms.get("edit") or EditInfoForm(formdata=None, obj=account)
        edit.pickup_location_id.choices = pickups
        if "edit" not in forms:
            edit.pickup_location_id.data = str(account.pickup_location_id or "")
            edit.phone.data = display_phone(account.phone, market_region(market))
        closed = closed_reason(account)
        context = {
            "model": account,
            "market": market,
            # A closed account's page reads, but offers no action: the services refuse them too.
            "can": (lambda permission: can(permission) and permission in READING)
            if closed
            else can,
            "details": customer_details(account),
            "balance_form": forms.get("balance") or AdjustBalanceForm(formdata=None),
            "membership_form": forms.get("membership")
            or MembershipForm(formdata=None, version=account.version),
            "edit_form": edit,
            "special_form": forms.get("special")
            or SpecialInfoForm(
                formdata=None,
                obj=account,
                line_position=account.line_position.value,
                staff_role=account.staff_role.value if account.staff_role else "",
            ),
            "comment_form": forms.get("comment") or CommentForm(formdata=None),
            "delete_form": forms.get("delete") or DeleteAccountForm(formdata=None),
            "reset_link_form": SendResetLinkForm(formdata=None),
            "reset_link_error": forms.get("reset_link_error", ""),
            "open_section": forms.get("open_section", ""),
            "payments_enabled": payments_enabled(),
            "spam_complaint_on": spam_complaint_on(account),
            "return_url": url_for(".index_view"),
            **self._account_extras_context(account, forms),
        }
        return self.render(self.details_template, **context), status

    def _back_to(self, account: Account, anchor: str = ""):
        return redirect(url_for(".details_view", id=account.id) + (f"#{anchor}" if anchor else ""))

    # -- actions -----------------------------------------------------------
    @expose("/<int:account_id>/adjust-balance", methods=("POST",))
    @requires(roles.ADJUST_BALANCE)
    def adjust_balance_view(self, account_id: int):
        account = self.get_one(account_id)
        form = AdjustBalanceForm()
        if form.validate_on_submit():
            try:
                code, text = chosen_reason(form.reason.data, form.reason_text.data)
                cents = _amount(form)
                entry = adjust_balance(
                    account.id,
                    cents,
                    code,
                    text,
                    current_user,
                    pay_orders=apply_payment_to_open_orders
                    if form.apply_to_open_orders.data
                    else None,
                    submission_key=form.submission_key.data,
                )
                db.session.commit()
            except AlreadyApplied:
                db.session.rollback()
                flash(ALREADY_APPLIED.format(what="adjustment"), "info")
                return self._back_to(account, "balance")
            except ReasonMissing as error:
                db.session.rollback()
                form.reason.errors.append(str(error))
            except BalanceError as error:
                db.session.rollback()
                form.amount.errors.append(str(error))
            except InvalidField as error:
                db.session.rollback()
                getattr(form, error.field).errors.append(str(error))
            except SQLAlchemyError as error:
                db.session.rollback()  # the ledger row, cached balance and audit go together
                current_app.logger.error("lgadmin: balance adjustment failed: %s", error)
                form.amount.errors.append(
                    "The adjustment could not be saved because of a database error; "
                    "nothing was changed. Try again."
                )
            else:
                currency = account.market.currency
                flash(
                    # The reason as the manager typed it (or the one picked), as the ledger has it.
                    f"Balance adjusted by {format_money(cents, currency)} ({entry.reason_text}). "
                    f"New balance: {format_money(account.balance_cents, currency)}.",
                    "success",
                )
                return self._back_to(account, "balance")
        return self._render_details(account, 400, balance=form, open_section="balance")

    @expose("/<int:account_id>/membership", methods=("POST",))
    @requires(roles.UPDATE_MEMBERSHIP)
    def membership_view(self, account_id: int):
        account = self.get_one(account_id)
        form = MembershipForm()
        if form.validate_on_submit():
            try:
                after = update_membership(
                    account,
                    current_user,
                    change=form.change.data or None,
                    expires_on=form.expires_on.data,
                    expected_version=form.version.data,
                )
                db.session.commit()
            except StaleForm as error:
                return self._stale(account, error)
            except MembershipError as error:
                form.change.errors.append(str(error))
            else:
                flash(f"Membership updated: now expires {format_date(after)}.", "success")
                return self._back_to(account, "membership")
        return self._render_details(account, 400, membership=form)

    @expose("/<int:account_id>/edit-info", methods=("POST",))
    @requires(roles.EDIT_INFO)
    def edit_info_view(self, account_id: int):
        account = self.get_one(account_id)
        form = EditInfoForm()
        if form.validate_on_submit():
            values = {
                field: getattr(form, field).data
                for field in INFO_FIELDS
                if field != "pickup_location_id"
            }
            try:
                values["pickup_location_id"] = self._pickup_id(form.pickup_location_id.data)
                update_info(account, current_user, values, expected_version=form.version.data)
                db.session.commit()
            except StaleForm as error:
                return self._stale(account, error)
            except InvalidField as error:
                db.session.rollback()
                getattr(form, error.field).errors.append(str(error))
            else:
                flash("Customer information saved.", "success")
                return self._back_to(account)
        return self._render_details(account, 400, edit=form, open_section="edit")

    @expose("/<int:account_id>/special-info", methods=("POST",))
    @requires(roles.EDIT_SPECIAL_INFO)
    def special_info_view(self, account_id: int):
        account = self.get_one(account_id)
        form = SpecialInfoForm()
        if form.validate_on_submit():
            flags = {field: getattr(form, field).data for field in SPECIAL_FLAGS}
            try:
                changed = update_special_info(
                    account,
                    current_user,
                    flags,
                    form.line_position.data,
                    expected_version=form.version.data,
                    staff_role=form.staff_role.data,
                    complainer_agreed=form.complainer_agreed.data,
                )
                db.session.commit()
            except StaleForm as error:
                return self._stale(account, error)
            except InvalidField as error:
                db.session.rollback()
                getattr(form, error.field).errors.append(str(error))
            else:
                flash("Special information updated." if changed else "Nothing changed.", "success")
                return self._back_to(account, "special")
        return self._render_details(account, 400, special=form)

    @expose("/<int:account_id>/comments", methods=("POST",))
    @requires(roles.ADD_COMMENT)
    def add_comment_view(self, account_id: int):
        account = self.get_one(account_id)
        form = CommentForm()
        if form.validate_on_submit():
            add_manager_comment(account, current_user, form.body.data)
            db.session.commit()
            flash("Comment added.", "success")
            return self._back_to(account, "comments")
        return self._render_details(account, 400, comment=form)

    @expose("/<int:account_id>/send-reset-link", methods=("POST",))
    @requires(roles.SEND_PASSWORD_RESET)
    def send_reset_link_view(self, account_id: int):
        account = self.get_one(account_id)
        if not SendResetLinkForm().validate_on_submit():
            abort(400)
        market = require_market()
        try:
            record_reset_link(current_user, market, account)
            db.session.commit()
        except ResetLinkRefused as error:
            db.session.rollback()
            return self._render_details(account, 400, reset_link_error=str(error))
        # The job of the shopper's own "Forgot password": the same email, link and limits.
        outcome = queue_job(send_password_reset, market.id, account.email, mail_link_root())
        if outcome.unsent:
            flash(f"The reset link could not be emailed: {outcome.unsent[0]}.", "error")
        else:
            flash(
                f"A password reset link is on its way to {account.email}; it works for 24 hours.",
                "success",
            )
        return self._back_to(account)

    @expose("/<int:account_id>/delete-account", methods=("POST",))
    @requires(roles.DELETE_ACCOUNT)
    def delete_account_view(self, account_id: int):
        account = self.get_one(account_id)
        form = DeleteAccountForm()
        if form.validate_on_submit():
            name = str(account)
            try:
                delete_account(account, current_user)
                db.session.commit()
            except InvalidField as error:
                db.session.rollback()
                # At the top of the view, and again beside the button the manager just pressed.
                flash(str(error), "error")
                form.form_errors.append(str(error))
            else:
                flash(f"The account of {name} was permanently deleted.", "success")
                return redirect(url_for(".index_view"))
        return self._render_details(account, 400, delete=form)

    # -- related records -----------------------------------------------------
    @expose("/<int:account_id>/history")
    @requires(roles.VIEW_CUSTOMERS)
    def history_view(self, account_id: int):
        account = self.get_one(account_id)
        entries = db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.account_id == account.id)
            .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
        ).all()
        return self.render(
            "lgadmin/customers/history.html",
            model=account,
            entries=entries,
            market=require_market(),
        )

    @expose("/adjustments/<int:entry_id>")
    @requires(roles.VIEW_CUSTOMERS)
    def adjustment_view(self, entry_id: int):
        entry = self._in_market(LedgerEntry, entry_id)
        return self.render(
            "lgadmin/customers/adjustment.html",
            entry=entry,
            model=self.get_one(entry.account_id),
            market=require_market(),
        )

    @expose("/orders/<int:order_id>")
    @requires(roles.VIEW_CUSTOMERS)
    def order_view(self, order_id: int):
        order = self._in_market(Order, order_id)
        return self.render(
            "lgadmin/customers/order.html",
            order=order,
            model=self.get_one(order.account_id),
            market=require_market(),
        )

    # -- helpers -------------------------------------------------------------
    def _in_market(self, model, record_id: int):
        record = db.session.get(model, record_id)
        if record is None or record.market_id != require_market().id:
            abort(404)
        return record

    def _pickup_id(self, raw: str) -> int | None:
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

    def _stale(self, account: Account, error: StaleForm):
        db.session.rollback()
        db.session.refresh(account)
        flash(str(error), "error")
        return self._render_details(account, 409)


def _amount(form: AdjustBalanceForm) -> int:
    try:
        return parse_amount(form.amount.data)
    except BalanceError as error:
        raise InvalidField("amount", str(error)) from None

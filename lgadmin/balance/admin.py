"""The customer's balance on the details page: the adjustment, the history, one entry.

Routes under /admin/customers (spec 000); every account and entry is read through the
tenancy gate, so another market's id is a 404.
"""

from flask import current_app, flash
from flask_admin import expose
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.models import Account
from ..admin.base import PartView
from ..admin.sections import SectionPart
from ..extensions import db
from ..money import format_money
from ..staff import roles
from ..staff.roles import requires
from ..submissions import ALREADY_APPLIED, AlreadyApplied
from ..tenancy import get_in_market, require_market
from .forms import AdjustBalanceForm
from .models import LedgerEntry
from .service import BalanceError, adjust_balance, parse_amount

RECENT_ADJUSTMENTS = 10


class InvalidReason(ValueError):
    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field


def balance_section(account, market, forms) -> SectionPart:
    return SectionPart(
        "lgadmin/balance/_details_section.html",
        {"balance_form": forms.get("balance") or AdjustBalanceForm(formdata=None)},
    )


def adjustments_section(account, market, forms) -> SectionPart:
    adjustments = db.session.scalars(
        select(LedgerEntry)
        .where(LedgerEntry.account_id == account.id)
        .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
        .limit(RECENT_ADJUSTMENTS)
    ).all()
    count = db.session.scalar(select(func.count()).where(LedgerEntry.account_id == account.id))
    return SectionPart(
        "lgadmin/balance/_adjustments.html", {"adjustments": adjustments, "ledger_count": count}
    )


class CustomerBalanceView(PartView):
    required_permission = roles.VIEW_CUSTOMERS

    @expose("/<int:account_id>/adjust-balance", methods=("POST",))
    @requires(roles.ADJUST_BALANCE)
    def adjust_balance_view(self, account_id: int):
        account = get_in_market(Account, account_id, require_market())
        form = AdjustBalanceForm()
        if form.validate_on_submit():
            code, text = form.reason.data or "", (form.reason_text.data or "").strip()
            if not code and text:
                code = "other"
            try:
                if not code or (code == "other" and not text):
                    raise InvalidReason("reason", "Pick a reason or type your own.")
                cents = _amount(form)
                entry = adjust_balance(
                    account.id,
                    cents,
                    code,
                    text,
                    current_user,
                    apply_to_open_orders=form.apply_to_open_orders.data,
                    submission_key=form.submission_key.data,
                )
                db.session.commit()
            except AlreadyApplied:
                db.session.rollback()
                flash(ALREADY_APPLIED.format(what="adjustment"), "info")
                return self.back_to_details(account, "balance")
            except BalanceError as error:
                db.session.rollback()
                form.amount.errors.append(str(error))
            except InvalidReason as error:
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
                return self.back_to_details(account, "balance")
        return self.details_page(account, 400, balance=form, open_section="balance")

    @expose("/<int:account_id>/history")
    @requires(roles.VIEW_CUSTOMERS)
    def history_view(self, account_id: int):
        market = require_market()
        account = get_in_market(Account, account_id, market)
        entries = db.session.scalars(
            select(LedgerEntry)
            .where(LedgerEntry.account_id == account.id)
            .order_by(LedgerEntry.created_at.desc(), LedgerEntry.id.desc())
        ).all()
        return self.render(
            "lgadmin/customers/history.html", model=account, entries=entries, market=market
        )

    @expose("/adjustments/<int:entry_id>")
    @requires(roles.VIEW_CUSTOMERS)
    def adjustment_view(self, entry_id: int):
        market = require_market()
        entry = get_in_market(LedgerEntry, entry_id, market)
        return self.render(
            "lgadmin/customers/adjustment.html",
            entry=entry,
            model=get_in_market(Account, entry.account_id, market),
            market=market,
        )


def _amount(form: AdjustBalanceForm) -> int:
    try:
        return parse_amount(form.amount.data)
    except BalanceError as error:
        raise InvalidReason("amount", str(error)) from None

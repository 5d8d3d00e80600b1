"""The customer's balance on the details page: the adjustment, the history, one entry.

Routes under /admin/customers (spec 000); every account and entry is read through the
tenancy gate, so another market's id is a 404.
"""

from flask import current_app, flash
from flask_admin import expose
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from ..accounts.models import Account
from ..admin.base import PartView
from ..admin.sections import SectionPart
from ..extensions import db
from ..identity import current_account
from ..money import format_money
from ..staff import roles
from ..staff.roles import requires
from ..submissions import ALREADY_APPLIED, AlreadyApplied
from ..tenancy import get_in_market, require_market
from .forms import AdjustBalanceForm
from .models import LedgerEntry
from .service import BalanceError, ReasonMissing, adjust_balance, chosen_reason, parse_amount

RECENT_ADJUSTMENTS = 10


class InvalidAmount(ValueError):
    """The typed amount can't be read; shown beside the amount field."""


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
    """Adjust Balance and the balance history.

    `pay_orders` settles open orders from a payment when the manager ticks the box; orders
    sit above balance, so the plug-in hands the rule in rather than balance importing it.
    """

    required_permission = roles.VIEW_CUSTOMERS

    def __init__(self, *, pay_orders=None, **kwargs):
        self.pay_orders = pay_orders
        super().__init__(**kwargs)

    @expose("/<lgadmin_id:account_id>/adjust-balance", methods=("POST",))
    @requires(roles.ADJUST_BALANCE)
    def adjust_balance_view(self, account_id: int):
        market = require_market()
        account = get_in_market(Account, account_id, market)
        form = AdjustBalanceForm()
        if form.validate_on_submit():
            try:
                code, text = chosen_reason(form.reason.data, form.reason_text.data)
                cents = _amount(form)
                entry = adjust_balance(
                    market,
                    account.id,
                    cents,
                    code,
                    text,
                    current_account,
                    pay_orders=self.pay_orders if form.apply_to_open_orders.data else None,
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
            except ReasonMissing as error:
                db.session.rollback()
                form.reason.errors.append(str(error))
            except InvalidAmount as error:
                db.session.rollback()
                form.amount.errors.append(str(error))
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

    @expose("/<lgadmin_id:account_id>/history")
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

    @expose("/adjustments/<lgadmin_id:entry_id>")
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
        raise InvalidAmount(str(error)) from None

"""Merge duplicate customers, and the Possible duplicates list, under /admin/customers.

Both accounts, the one merged and the one picked to keep, are read through the tenancy gate.
"""

from flask import current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_wtf import FlaskForm
from sqlalchemy.exc import SQLAlchemyError
from wtforms import HiddenField, SubmitField

from ..accounts.models import Account
from ..admin.base import PartView
from ..admin.sections import SectionPart
from ..extensions import db
from ..identity import current_account
from ..money import format_money
from ..staff import roles
from ..staff.roles import requires
from ..tenancy import find_in_market, get_in_market, require_market
from .duplicates import possible_duplicates
from .service import MergeRefused, merge_accounts, merge_candidates, merge_of, preview_merge

NOT_FOUND = "That customer was not found at this market."


class MergeForm(FlaskForm):
    into = HiddenField()
    submit = SubmitField("Merge")


def merge_section(account, market, forms) -> SectionPart:
    """The merge button, or where a merged account went."""
    return SectionPart("lgadmin/merge/_details_section.html", {"merged_into": merge_of(account)})


class CustomerMergeView(PartView):
    required_permission = roles.VIEW_CUSTOMERS

    @expose("/<lgadmin_id:account_id>/merge")
    @requires(roles.MERGE_CUSTOMERS)
    def merge_view(self, account_id: int):
        """Pick the account to keep (search by name or email), then preview the merge."""
        market = require_market()
        source = get_in_market(Account, account_id, market)
        into = request.args.get("into", "").strip()
        if into:
            target = find_in_market(Account, into, market)
            if target is None:
                flash(NOT_FOUND, "error")
                return self._render_picker(source, "", 404)
            preview = preview_merge(current_account, market, source, target)
            form = MergeForm(formdata=None, into=str(target.id))
            return self.render(
                "lgadmin/merge/preview.html",
                preview=preview,
                form=form,
                market=market,
            )
        return self._render_picker(source, request.args.get("q", ""))

    @expose("/<lgadmin_id:account_id>/merge", methods=("POST",))
    @requires(roles.MERGE_CUSTOMERS)
    def merge_accounts_view(self, account_id: int):
        market = require_market()
        source = get_in_market(Account, account_id, market)
        form = MergeForm()
        picker = url_for("lgadmin_customer_merge.merge_view", account_id=source.id)
        if not form.validate_on_submit():
            flash("The form expired; open the merge again.", "error")
            return redirect(picker)
        target = find_in_market(Account, form.into.data, market)
        if target is None:
            flash(NOT_FOUND if form.into.data else "Pick the customer to merge into.", "error")
            return redirect(picker)
        merged_name = str(source)
        try:
            merge_accounts(current_account, market, source, target)
            db.session.commit()
        except MergeRefused as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(
                url_for("lgadmin_customer_merge.merge_view", account_id=account_id, into=target.id)
            )
        except SQLAlchemyError as error:
            db.session.rollback()
            current_app.logger.error("lgadmin: merge failed: %s", error)
            flash(
                "The merge could not be saved because of a database error; nothing changed.",
                "error",
            )
            return redirect(
                url_for("lgadmin_customer_merge.merge_view", account_id=account_id, into=target.id)
            )
        flash(
            f"Merged {merged_name} into {target}. "
            f"Balance now {format_money(target.balance_cents, market.currency)}.",
            "success",
        )
        return redirect(url_for("lgadmin_customers.details_view", id=target.id))

    @expose("/duplicates/")
    @requires(roles.MERGE_CUSTOMERS)
    def duplicates_view(self):
        market = require_market()
        return self.render(
            "lgadmin/merge/duplicates.html",
            pairs=possible_duplicates(market),
            market=market,
        )

    def _render_picker(self, source, query: str, status: int = 200):
        market = require_market()
        return (
            self.render(
                "lgadmin/merge/pick.html",
                source=source,
                query=query,
                candidates=merge_candidates(market, source, query),
                market=market,
            ),
            status,
        )

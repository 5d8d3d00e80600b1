"""What the grid does to many customers at once: bulk actions on the selected rows, as
Flask-Admin actions (issue 13), the exports, and bonus points.

Every action posts to Flask-Admin's action_view with the selected `rowid`s and the
CSRF token of its action form; the service (customers.bulk) checks the market of
every id. Add to group and Email selected take a second step: a page naming the
count, with the group to choose or the email to write.
"""

from flask import Response, abort, flash, g, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.helpers import get_redirect_target

from ..campaigns.service import CampaignError
from ..extensions import db
from ..groups.service import format_percent, market_groups
from ..identity import current_account
from ..loyalty.forms import BonusPointsForm
from ..loyalty.service import LoyaltyError, give_bonus_points, parse_points
from ..onboarding.users_export import export_filename as users_export_filename
from ..onboarding.users_export import users_export
from ..segments.grid import matching_account_ids
from ..segments.service import segment_criteria, segment_with_pickup_name
from ..staff import roles
from ..staff.roles import requires
from ..tenancy import require_market
from ..timeutil import market_today
from ..urls import mail_link_root, safe_next_url
from .admin_insight import grid_filters
from .bulk import BULK_ACTIONS, BulkError, apply_bulk, bulk_details, customers, selected_accounts
from .export import (
    EXPORT_FORMATS,
    customers_download,
    export_filename,
)
from .export_jobs import (
    GRID,
    SELECTED,
    export_query,
    fits_one_page,
    grid_params,
    selected_params,
    start_export,
)


def _bulk_action(name: str):
    spec = BULK_ACTIONS[name]
    return action(name, spec.label, spec.confirm)


class BulkActionsMixin:
    def is_action_allowed(self, name: str) -> bool:
        spec = BULK_ACTIONS.get(name)
        if spec is None:
            return super().is_action_allowed(name)
        return roles.can(spec.permission)

    def get_actions_list(self):
        """The allowed actions in the order of the issue (Flask-Admin sorts them by name)."""
        actions, confirmations = super().get_actions_list()
        order = list(BULK_ACTIONS)
        actions.sort(key=lambda pair: order.index(pair[0]) if pair[0] in order else len(order))
        return actions, confirmations

    @expose("/action/", methods=("POST",))
    @requires(roles.VIEW_CUSTOMERS)
    def action_view(self):
        # Flask-Admin ignores an action the role may not run; we refuse it, as for any POST.
        name = request.form.get("action", "")
        if name in BULK_ACTIONS and not self.is_action_allowed(name):
            abort(403, "Your staff role doesn't allow this.")
        return self.handle_action()

    # -- the actions ---------------------------------------------------------------
    @_bulk_action("mark_inactive")
    def bulk_mark_inactive(self, ids):
        return self._apply_and_return("mark_inactive", ids)

    @_bulk_action("mark_active")
    def bulk_mark_active(self, ids):
        return self._apply_and_return("mark_active", ids)

    @_bulk_action("mailings_off")
    def bulk_mailings_off(self, ids):
        return self._apply_and_return("mailings_off", ids)

    @_bulk_action("add_membership_month")
    def bulk_add_membership_month(self, ids):
        return self._apply_and_return("add_membership_month", ids)

    @_bulk_action("add_to_group")
    def bulk_add_to_group(self, ids):
        if "group_id" not in request.form:
            return self._group_step(ids)
        try:
            return self._apply_and_return("add_to_group", ids, group_id=request.form["group_id"])
        except BulkError as error:
            return self._group_step(ids, error=str(error), status=400)

    @_bulk_action("email_selected")
    def bulk_email_selected(self, ids):
        return self._email_step(ids)

    @_bulk_action("export_selected")
    def bulk_export_selected(self, ids):
        market = require_market()
        result = self._apply("export_selected", ids)
        if result is None:
            return None
        if not result.changed:
            flash(f"Nothing to export: {result.message()}", "warning")
            return None
        if result.skipped:
            flash(result.message(), "warning")
        params = selected_params(result.changed)
        where, order = export_query(market, SELECTED, params)
        name = f"customers-{market.slug}-selected-{market_today(market).isoformat()}.csv"
        if not fits_one_page(where):
            return self._start_export_job(
                market,
                kind=SELECTED,
                fmt="csv",
                what="the selected customers",
                filename=name,
                params=params,
                audit=bulk_details(result),
            )
        return customers_download(
            current_account,
            market,
            where,
            order,
            "csv",
            name,
            what="the selected customers",
            selected=True,
            **bulk_details(result),
        )

    # -- exports and bonus points: what the grid's search and filters select -------------
    @expose("/export/<fmt>")
    @roles.requires(roles.EXPORT_CUSTOMERS)
    def export_view(self, fmt: str):
        """The current grid view (search, toggle, criteria or segment, sort) as CSV or Excel."""
        if fmt not in EXPORT_FORMATS:
            abort(404)
        market = require_market()
        view_args = self._get_list_extra_args()
        filters = grid_filters()
        if not filters.criteria.is_valid:
            flash("Fix the marked filters before exporting.", "error")
            return redirect(self._get_list_url(view_args))
        column = self._get_column_by_idx(view_args.sort)
        segment = filters.segment
        params = grid_params(
            search=view_args.search,
            active_only=filters.active_only,
            customer_type=filters.customer_type,
            verified=filters.verified,
            criteria=filters.criteria.raw,
            sort=column[0] if column else None,
            descending=bool(view_args.sort_desc),
            segment_id=segment.id if segment is not None else None,
        )
        where, order = export_query(market, GRID, params)
        name = export_filename(market, segment, market_today(market), fmt)
        what = f"segment “{segment.name}”" if segment is not None else "the customer grid"
        # the search, filters or segment, and sort
        audit = {"grid": self._grid_args(view_args)}
        if not fits_one_page(where):
            return self._start_export_job(
                market, kind=GRID, fmt=fmt, what=what, filename=name, params=params, audit=audit
            )
        return customers_download(
            current_account, market, where, order, fmt, name, what=what, **audit
        )

    def _start_export_job(self, market, **request):
        """An export larger than a page: a job, and its page to watch (the running one when
        the same export was asked for already)."""
        export, started = start_export(current_account, market, **request)
        db.session.commit()  # enqueues the job (or runs it, without Redis)
        if not started:
            flash("This export is already being written: here it is.", "info")
        return redirect(url_for(".export_job_view", export_id=export.id))

    @expose("/export.csv")
    @roles.requires(roles.EXPORT_CUSTOMERS)
    def users_export_view(self):
        market = require_market()
        content = users_export(current_account, market)
        db.session.commit()
        return Response(
            content,
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="{users_export_filename(market)}"'
            },
        )

    @expose("/bonus-points", methods=("POST",))
    @requires(roles.BONUS_POINTS)
    def bonus_points_view(self):
        market = require_market()
        form = BonusPointsForm()
        back = safe_next_url(form.next.data) or url_for("lgadmin_customers.index_view")
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
                current_account, market, ids, form.points.data, form.reason.data
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

    # -- Email selected: compose, then send through the campaign service ------------
    @expose("/bulk/email", methods=("POST",))
    @requires(roles.SEND_CAMPAIGNS)
    def bulk_email_view(self):
        ids = request.form.getlist("rowid")
        subject, message = request.form.get("subject", ""), request.form.get("message", "")
        try:
            result = apply_bulk(
                current_account,
                require_market(),
                "email_selected",
                ids,
                subject=subject,
                message=message,
                root=mail_link_root(),
            )
            db.session.commit()
        except CampaignError as error:
            db.session.rollback()
            return self._email_step(ids, subject, message, error.errors, 400)
        except BulkError as error:
            db.session.rollback()
            flash(str(error), "error")
            return redirect(self._return_url())
        if result.campaign is None:
            flash("None of the selected customers is in this market: nothing was sent.", "warning")
            return redirect(self._return_url())
        flash(result.message(), "success" if not result.skipped else "warning")
        return redirect(url_for("lgadmin_campaigns.campaign_view", campaign_id=result.campaign.id))

    # -- helpers ------------------------------------------------------------------------
    def _apply(self, name: str, ids, **params):
        try:
            result = apply_bulk(current_account, require_market(), name, ids, **params)
            db.session.commit()
        except BulkError as error:
            db.session.rollback()
            if error.field == "group_id":
                raise
            flash(str(error), "error")
            return None
        return result

    def _apply_and_return(self, name: str, ids, **params):
        """Run the action, flash what it did; Flask-Admin then returns to the grid page."""
        result = self._apply(name, ids, **params)
        if result is not None:
            flash(result.message(), "success" if result.changed else "warning")
        return None

    def _return_url(self) -> str:
        return get_redirect_target() or self.get_url(".index_view")

    def _selection(self, ids) -> dict:
        try:
            accounts, skipped = selected_accounts(require_market(), ids)
        except BulkError as error:
            abort(400, str(error))
        return {
            "posted_ids": [str(i) for i in ids],
            "count": len(accounts),
            "count_label": customers(len(accounts)),
            "skipped": len(skipped),
            "return_url": self._return_url(),
        }

    def _group_step(self, ids, error: str = "", status: int = 200):
        groups = [
            (group.id, f"{group.name} ({format_percent(group.discount_percent)} % off)")
            for group, _ in market_groups(require_market())
        ]
        return self._step_page(
            "lgadmin/customers/bulk_group.html",
            ids,
            status,
            groups=groups,
            chosen=request.form.get("group_id", ""),
            error=error,
            action_form=self.action_form(),
        )

    def _email_step(self, ids, subject="", message="", errors=None, status: int = 200):
        return self._step_page(
            "lgadmin/customers/bulk_email.html",
            ids,
            status,
            subject=subject,
            message=message,
            errors=errors or {},
        )

    def _step_page(self, template: str, ids, status: int, **context):
        """The second step of an action, naming the count; back to the grid if it is none."""
        selection = self._selection(ids)
        if not selection["count"]:
            flash(
                "None of the selected customers is in this market: nothing was changed.", "warning"
            )
            return redirect(self._return_url())
        return self.render(template, **selection, **context), status


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

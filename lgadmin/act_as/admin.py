"""Starting a session from the admin, and the market's act-as log."""

import csv
import io

from flask import Response, abort, current_app, flash, redirect, request, session
from flask_admin import expose
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length

from ..accounts.models import Account
from ..admin.base import MarketModelView, PartView
from ..admin.sections import SectionPart
from ..audit.service import record_export
from ..extensions import db
from ..identity import act_as_unavailable, current_account
from ..spreadsheet import neutralise
from ..staff import roles
from ..tenancy import get_in_market, require_market
from ..timeutil import format_datetime
from .models import ActAsSession
from .seat import SESSION_KEY, close_overdue_sessions, storefront_url, take_seat
from .service import MAX_REASON, ActAsRefused, refusal, start_act_as


class ActAsForm(FlaskForm):
    reason = TextAreaField(
        "Reason (optional)",
        validators=[
            Length(max=MAX_REASON, message=f"Keep the reason to {MAX_REASON} characters or fewer.")
        ],
    )
    submit = SubmitField("Act as customer")


def act_as_button(account, market, forms) -> SectionPart:
    """The details page's "Act as" button, beside the customer's name."""
    return SectionPart("lgadmin/act_as/_details_button.html")


def act_as_dialog(account, market, forms) -> SectionPart:
    """The dialog the button opens (one for the whole page)."""
    return SectionPart("lgadmin/act_as/_modal.html")


class CustomerActAsView(PartView):
    """/admin/customers/<id>/act-as: the page that starts a session."""

    required_permission = roles.VIEW_CUSTOMERS

    @expose("/<lgadmin_id:account_id>/act-as", methods=("GET", "POST"))
    @roles.requires(roles.ACT_AS)
    def act_as_view(self, account_id: int):
        shopper = get_in_market(Account, account_id, require_market())
        form = ActAsForm()
        already_acting = bool(session.get(SESSION_KEY))
        # A host's identity adapter that can't swap seats: act-as is refused, before
        # anything is recorded or any session touched.
        why_not = act_as_unavailable() or refusal(
            current_account, shopper, already_acting=already_acting
        )
        if request.method == "POST":
            if not form.validate_on_submit():
                if form.csrf_token.errors:
                    abort(400)
                return self._act_as_page(shopper, form, why_not), 400
            if why_not:
                abort(403, why_not)
            try:
                record = start_act_as(
                    current_account,
                    shopper,
                    form.reason.data,
                    ip_address=request.remote_addr or "",
                    user_agent=request.user_agent.string,
                    already_acting=already_acting,
                )
            except ActAsRefused as error:
                abort(403, str(error))
            db.session.commit()
            manager = current_account._get_current_object()
            take_seat(manager, shopper, record)
            flash(f"You are now acting as {shopper}.", "info")
            return redirect(storefront_url(shopper.market.slug))
        return self._act_as_page(shopper, form, why_not)

    def _act_as_page(self, shopper, form, why_not):
        return self.render("lgadmin/act_as/start.html", shopper=shopper, form=form, refusal=why_not)


def _when(view, context, record, name):
    value = getattr(record, name)
    return format_datetime(value, require_market()) if value else ""


def _how_it_ended(view, context, record, name):
    return record.how_it_ended


def _person(view, context, record, name):
    account = getattr(record, name)
    return f"{account.full_name} <{account.email}>" if account else ""


class ActAsLogView(MarketModelView):
    model_class = ActAsSession
    required_permission = roles.VIEW_ACT_AS_LOG
    list_template = "lgadmin/act_as/log.html"
    can_create = can_edit = can_delete = False
    can_view_details = True
    details_template = "lgadmin/act_as/session.html"
    column_list = ("started_at", "manager", "shopper", "reason", "ended_at", "end_reason")
    column_labels = {
        "started_at": "Started",
        "manager": "Manager",
        "shopper": "Customer",
        "reason": "Reason",
        "ended_at": "Ended",
        "end_reason": "How it ended",
    }
    column_default_sort = [("started_at", True), ("id", True)]
    column_sortable_list = ("started_at",)
    column_formatters = {
        "started_at": _when,
        "ended_at": _when,
        "manager": _person,
        "shopper": _person,
        "end_reason": _how_it_ended,
    }

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)
        if refused is None:
            # Sessions that ran out while nobody was in the seat are closed before the log
            # is read; the superusers' export covers every market.
            market_id = None if name == "export_view" else require_market().id
            close_overdue_sessions(market_id=market_id)
        return refused

    def get_query(self):
        return (
            super()
            .get_query()
            .options(joinedload(ActAsSession.manager), joinedload(ActAsSession.shopper))
        )

    @expose("/export.csv")
    @roles.requires_superuser
    def export_view(self):
        """The whole log, every market: for platform staff only."""
        records = db.session.scalars(
            select(ActAsSession)
            .options(
                joinedload(ActAsSession.manager),
                joinedload(ActAsSession.shopper),
                joinedload(ActAsSession.actions),
            )
            .order_by(ActAsSession.started_at, ActAsSession.id)
        ).unique()
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(
            [
                "session",
                "market",
                "manager",
                "customer",
                "reason",
                "started (UTC)",
                "ended (UTC)",
                "how it ended",
                "ip address",
                "user agent",
                "actions",
            ]
        )
        rows = 0
        for r in records:
            rows += 1
            writer.writerow(
                [
                    r.id,
                    r.market_id,
                    neutralise(r.manager.email),
                    neutralise(r.shopper.email),
                    neutralise(r.reason),
                    r.started_at.isoformat(timespec="seconds"),
                    r.ended_at.isoformat(timespec="seconds") if r.ended_at else "",
                    neutralise(r.end_reason or ""),
                    neutralise(r.ip_address),  # a proxy's forwarded address is whatever was sent
                    neutralise(r.user_agent),
                    len(r.actions),
                ]
            )
        # Every market's log: an entry of no market, which platform staff read.
        record_export(
            current_account, None, "lgadmin_act_as_log.export", "the whole act-as log", rows
        )
        db.session.commit()
        name = current_app.config.get("LGADMIN_ACT_AS_EXPORT_NAME", "act-as-log.csv")
        return Response(
            out.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={name}"},
        )

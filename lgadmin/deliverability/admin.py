"""The market's mail events in the admin: read-only, filterable by kind."""

from flask import url_for
from flask_admin.contrib.sqla.filters import FilterEqual
from flask_admin.contrib.sqla.view import ModelView
from markupsafe import Markup
from sqlalchemy import or_

from ..admin.base import MarketModelView
from ..identity import current_account
from ..staff import roles
from ..tenancy import belongs_to, of_market, require_market
from .models import MailEvent, MailEventKind


class KindFilter(FilterEqual):
    """Kind is one of ours; an unknown value in the URL is ignored rather than a 500
    (Flask-Admin's EnumEqualFilter looks values up by member name and raises KeyError)."""

    def clean(self, value):
        return MailEventKind(value)  # ValueError for anything else: the filter is skipped


def _account_cell(view, context, model, name):
    """The event's customer, linked, only when the account is of the event's own market: an
    event is recorded once per market, and no market sees another's customer by name."""
    account = model.account
    if model.market_id is None or not belongs_to(account, model.market_id):
        return ""
    href = url_for("lgadmin_customers.details_view", id=account.id)
    return Markup('<a href="{}">{}</a>').format(href, str(account))  # format() escapes both


def _applied_cell(view, context, model, name):
    if model.processed_at is None:
        return "Waiting"
    if model.not_applied_because:
        return f"Not applied: {model.not_applied_because}"
    # Reports stored before reasons were kept: an "Other" one was never applied.
    return "Not applied" if model.kind is MailEventKind.OTHER else "Applied"


class MailEventView(MarketModelView):
    model_class = MailEvent
    required_permission = roles.VIEW_MAIL_EVENTS
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_list = (
        "kind",
        "email",
        "account",
        "reason",
        "not_applied_because",
        "received_at",
        "processed_at",
    )
    column_details_list = (
        "kind",
        "provider",
        "provider_event_id",
        "email",
        "account",
        "reason",
        "not_applied_because",
        "occurred_at",
        "received_at",
        "processed_at",
        "raw",
    )
    column_labels = {
        "kind": "Kind",
        "email": "Address",
        "account": "Customer",
        "reason": "Reason",
        "not_applied_because": "Applied",
        "received_at": "Received",
        "processed_at": "Processed",
        "occurred_at": "Happened",
        "provider": "Provider",
        "provider_event_id": "Provider's event id",
        "raw": "As received",
    }
    column_filters = (
        KindFilter(
            MailEvent.kind, "Kind", options=[(kind.value, kind.label) for kind in MailEventKind]
        ),
    )
    column_sortable_list = ("received_at",)
    column_default_sort = [("received_at", True), ("id", True)]
    column_formatters = {
        "kind": lambda view, context, model, name: model.kind.label,
        "account": _account_cell,
        "not_applied_because": _applied_cell,
    }
    column_formatters_detail = column_formatters

    def _visible(self):
        """The market's events; a superuser also sees those no market could be told for."""
        mine = of_market(MailEvent, require_market())
        if current_account.is_superuser:
            return or_(mine, MailEvent.market_id.is_(None))
        return mine

    # MarketModelView's filter is the strict one; ours widens it for superusers only.
    def get_query(self):
        return ModelView.get_query(self).filter(self._visible())

    def get_count_query(self):
        return ModelView.get_count_query(self).filter(self._visible())

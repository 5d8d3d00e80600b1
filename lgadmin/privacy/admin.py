"""One customer's data in the admin: the download, the erasure, and the shoppers' requests.

CustomerPrivacyView's routes live under /admin/customers/<id>/; its part of the details
page is privacy_section. Every account is read through the tenancy gate.
"""

import io

from flask import flash, send_file, url_for
from flask_admin import expose
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from ..accounts.models import Account
from ..admin.base import MarketModelView, PartView
from ..admin.sections import SectionPart
from ..extensions import db
from ..identity import current_account
from ..staff import roles
from ..staff.roles import requires
from ..tenancy import get_in_market, require_market
from ..timeutil import format_datetime
from .forms import EraseCustomerForm
from .models import DataRequest
from .service import (
    PrivacyError,
    erase_customer,
    erasure_refusals,
    export_customer_data,
    requests_of,
)


def privacy_section(account, market, forms) -> SectionPart:
    requests = requests_of(account)
    privacy = {
        "open_requests": [r for r in requests if r.is_open],
        "erase_form": forms.get("erase") or EraseCustomerForm(formdata=None),
        "erase_refusals": erasure_refusals(account),
    }
    return SectionPart("lgadmin/privacy/_details_section.html", {"privacy": privacy})


class CustomerPrivacyView(PartView):
    """/admin/customers/<id>/data.zip and /erase."""

    required_permission = roles.VIEW_CUSTOMERS

    @expose("/<lgadmin_id:account_id>/data.zip")
    @requires(roles.EXPORT_CUSTOMER_DATA)
    def customer_data_view(self, account_id: int):
        market = require_market()
        account = get_in_market(Account, account_id, market)
        content = export_customer_data(current_account, market, account)
        db.session.commit()
        return send_file(
            io.BytesIO(content),
            mimetype="application/zip",
            as_attachment=True,
            download_name=f"customer-{account.id}-data.zip",
            max_age=0,
        )

    @expose("/<lgadmin_id:account_id>/erase", methods=("POST",))
    @requires(roles.ERASE_CUSTOMERS)
    def erase_customer_view(self, account_id: int):
        market = require_market()
        account = get_in_market(Account, account_id, market)
        form = EraseCustomerForm()
        if form.validate_on_submit():
            try:
                erase_customer(current_account, market, account)
                db.session.commit()
            except PrivacyError as error:
                db.session.rollback()
                flash(str(error), "error")
                form.confirm.errors = [*form.confirm.errors, str(error)]
            else:
                flash(f"Customer #{account.id} was erased.", "success")
                return self.back_to_details(account, "privacy")
        return self.details_page(account, 400, erase=form)


def _customer(view, context, request, name):
    account = request.account
    url = url_for("lgadmin_customers.details_view", id=account.id) + "#privacy"
    label = str(account)
    return Markup('<a href="{}">{}</a>').format(url, label)  # format() escapes both


def _kind(view, context, request, name):
    return request.kind.label


def _requested(view, context, request, name):
    return format_datetime(request.requested_at, require_market())


def _status(view, context, request, name):
    if request.is_open:
        return "Open"
    who = request.handled_by.full_name if request.handled_by else "a former manager"
    when = format_datetime(request.handled_at, require_market())
    return f"{request.outcome.capitalize()} on {when} by {who}"


class DataRequestView(MarketModelView):
    """Shoppers' requests for a copy of their data or for erasure, newest first."""

    model_class = DataRequest
    required_permission = roles.EXPORT_CUSTOMER_DATA
    can_create = can_edit = can_delete = False
    can_view_details = True
    column_list = ("requested_at", "account", "kind", "handled_at")
    column_details_list = column_list
    column_labels = {
        "requested_at": "Requested",
        "account": "Customer",
        "kind": "Asked for",
        "handled_at": "Status",
    }
    column_default_sort = [("requested_at", True), ("id", True)]
    column_sortable_list = ("requested_at",)
    column_formatters = {
        "account": _customer,
        "kind": _kind,
        "requested_at": _requested,
        "handled_at": _status,
    }
    column_formatters_detail = column_formatters

    def get_query(self):
        return (
            super()
            .get_query()
            .options(joinedload(DataRequest.account), joinedload(DataRequest.handled_by))
        )

"""The "Add Customers" window of the customer list.

Their routes are under /admin/customers/, with the grid's access check; every preview and
batch is read through the tenancy gate.
"""

import secrets

from flask import (
    Response,
    abort,
    current_app,
    flash,
    make_response,
    redirect,
    request,
    url_for,
)
from flask_admin import expose
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from ..admin.base import PartView
from ..extensions import db
from ..identity import current_account
from ..limits import invitations_limit
from ..mail_outbox import MailOutcome
from ..staff import roles
from ..tenancy import get_in_market, require_market
from ..urls import mail_link_root
from .csv_import import (
    MAX_BYTES,
    MAX_ROWS,
    CsvRefused,
    carry_out_import,
    create_preview,
    preview_totals,
    template_csv,
)
from .emails import queue_invitation_emails, queue_welcome_emails
from .forms import AddCustomerForm, ImportForm, InvitationsForm, UploadCsvForm
from .invitations import (
    MAX_ADDRESSES,
    InvitationsRefused,
    batch_invitation_ids,
    send_invitations,
)
from .models import ImportPreview, ImportStatus, InvitationBatch
from .service import AlreadyHasAccount, InvalidDetails, create_customer


def _wants_fragment() -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def add_customers_context(market, **forms) -> dict:
    """The "Add Customers" window: its three forms, each re-shown with its errors if given."""
    one = forms.get("one") or AddCustomerForm(formdata=None)
    one.set_pickup_choices(market)
    return {
        "one": one,
        "csv": forms.get("csv") or UploadCsvForm(formdata=None),
        "invite": forms.get("invite") or InvitationsForm(formdata=None),
        "max_rows": MAX_ROWS,
        "max_addresses": MAX_ADDRESSES,
        "market": market,
    }


def add_customers_grid_part(market) -> dict | None:
    """The grid page's "Add Customers" button, for who may add customers.

    The window itself is fetched when the button is pressed (window_view): most grid pages
    are read without it, and its three forms cost a tenth of the page's rendering. Without
    JavaScript the button is a link to the One at a time page.
    """
    if not roles.can(roles.ADD_CUSTOMERS):
        return None
    return {
        "add_customers": {
            "window_url": url_for("lgadmin_add_customers.window_view"),
            "page_url": url_for("lgadmin_add_customers.add_one_view"),
        }
    }


class AddCustomersView(PartView):
    """Routes of the "Add Customers" window: One at a time, Upload a CSV, Send invitations."""

    required_permission = roles.VIEW_CUSTOMERS

    @expose("/add-window")
    @roles.requires(roles.ADD_CUSTOMERS)
    def window_view(self):
        """The "Add Customers" window, fetched by the grid's button when it is pressed."""
        context = add_customers_context(require_market())
        response = make_response(
            self.render("lgadmin/onboarding/_add_customers_modal.html", add_customers=context)
        )
        response.headers["X-LGAdmin-Fragment"] = "1"
        return response

    # One at a time

    @expose("/add", methods=("GET", "POST"))
    @roles.requires(roles.ADD_CUSTOMERS)
    def add_one_view(self):
        market = require_market()
        form = AddCustomerForm()
        form.set_pickup_choices(market)
        created = None
        if form.validate_on_submit():
            raw = {name: field.data for name, field in form._fields.items()}
            try:
                created = create_customer(current_account, market, raw, source="one_at_a_time")
            except InvalidDetails as error:
                for name, problem in error.problems.items():
                    if name in form:
                        form[name].errors = [*form[name].errors, problem]
            except AlreadyHasAccount:
                form.email.errors = [
                    *form.email.errors,
                    f"{form.email.data.strip()} already has an account at {market.name}.",
                ]
            else:
                tell_about_mail(
                    queue_welcome_emails([created.id], mail_link_root()), "welcome email"
                )
                form = AddCustomerForm(formdata=None)  # cleared for the next person
                form.set_pickup_choices(market)
        status = 400 if request.method == "POST" and created is None else 200
        context = add_customers_context(market, one=form)
        template = (
            "lgadmin/onboarding/_add_one.html"
            if _wants_fragment()
            else "lgadmin/onboarding/add_one.html"
        )
        response = make_response(
            self.render(template, add_customers=context, created=created), status
        )
        response.headers["X-LGAdmin-Fragment"] = "1" if _wants_fragment() else "0"
        return response

    # Upload a CSV

    @expose("/import/template.csv")
    @roles.requires(roles.ADD_CUSTOMERS)
    def import_template_view(self):
        return Response(
            template_csv(),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="customers-template.csv"'},
        )

    @expose("/import/", methods=("GET", "POST"))
    @roles.requires(roles.ADD_CUSTOMERS)
    def import_upload_view(self):
        market = require_market()
        # Room for a 1 MB file and the form around it; the file's own size is checked after.
        request.max_content_length = MAX_BYTES + 64 * 1024
        error = None
        try:
            form = UploadCsvForm()
            submitted = form.validate_on_submit()
        except RequestEntityTooLarge:
            form, submitted = UploadCsvForm(formdata=None), False
            error = "The file is larger than 1 MB. Split it into smaller files."
        if submitted:
            upload = form.file.data
            try:
                preview = create_preview(
                    current_account, market, upload.read(MAX_BYTES + 1), upload.filename or ""
                )
            except CsvRefused as refused:
                error = str(refused)
            else:
                return redirect(
                    url_for("lgadmin_add_customers.import_preview_view", preview_id=preview.id)
                )
        elif request.method == "POST" and error is None:
            error = "; ".join(e for errors in form.errors.values() for e in errors)
        context = add_customers_context(market, csv=form)
        status = 400 if error else 200
        return self.render(
            "lgadmin/onboarding/upload.html", add_customers=context, error=error
        ), status

    @expose("/import/<lgadmin_id:preview_id>", methods=("GET", "POST"))
    @roles.requires(roles.ADD_CUSTOMERS)
    def import_preview_view(self, preview_id: int):
        market = require_market()
        preview = get_in_market(ImportPreview, preview_id, market)
        form = ImportForm()
        if request.method == "POST":
            if not form.validate_on_submit():
                abort(400)
            try:
                imported = carry_out_import(current_account, market, preview)
            except SQLAlchemyError as error:
                db.session.rollback()  # one transaction: no account of the file remains
                current_app.logger.error("lgadmin: import %s failed: %s", preview.id, error)
                flash(
                    "The import failed because of a database error; nothing was imported. "
                    "Press Import to try again.",
                    "error",
                )
                return redirect(
                    url_for("lgadmin_add_customers.import_preview_view", preview_id=preview.id)
                )
            if imported:
                created = preview.result["created"]
                outcome = queue_welcome_emails([c["account_id"] for c in created], mail_link_root())
                flash(f"Imported {len(created)} customers.", "success")
                tell_about_mail(outcome, "welcome emails")
            else:
                flash("This file was imported already; nothing was imported again.", "info")
            return redirect(
                url_for("lgadmin_add_customers.import_preview_view", preview_id=preview.id)
            )
        return self.render(
            "lgadmin/onboarding/preview.html",
            preview=preview,
            imported=preview.status == ImportStatus.IMPORTED,
            totals=preview_totals(preview),
            form=form,
            market=market,
        )

    # Send invitations

    @expose("/invitations/", methods=("GET", "POST"))
    @roles.requires(roles.ADD_CUSTOMERS)
    def invitations_view(self):
        market = require_market()
        form = InvitationsForm()
        error = None
        if form.validate_on_submit():
            key = (form.submission_key.data or "")[:64] or secrets.token_hex(16)
            try:
                with invitations_limit():
                    batch, is_new = send_invitations(
                        current_account, market, form.addresses.data, form.message.data, key
                    )
            except InvitationsRefused as refused:
                error = str(refused)
            else:
                if is_new:
                    outcome = queue_invitation_emails(batch_invitation_ids(batch), mail_link_root())
                    tell_about_mail(outcome, "invitations")
                return redirect(
                    url_for("lgadmin_add_customers.invitations_summary_view", batch_id=batch.id)
                )
        elif request.method == "POST":
            error = "; ".join(e for errors in form.errors.values() for e in errors)
        context = add_customers_context(market, invite=form)
        status = 400 if error else 200
        return self.render(
            "lgadmin/onboarding/invite.html", add_customers=context, error=error
        ), status

    @expose("/invitations/<lgadmin_id:batch_id>")
    @roles.requires(roles.ADD_CUSTOMERS)
    def invitations_summary_view(self, batch_id: int):
        market = require_market()
        batch = get_in_market(InvitationBatch, batch_id, market)
        return self.render(
            "lgadmin/onboarding/invite_summary.html", batch=batch, batch_market=market
        )


def tell_about_mail(outcome: MailOutcome, what: str) -> None:
    """Say plainly when mail was not sent, or waits in the outbox because the queue is down."""
    if outcome.unsent:
        count = len(outcome.unsent)
        flash(
            f"{count} {'email' if count == 1 else 'emails'} could not be sent: "
            + "; ".join(dict.fromkeys(outcome.unsent))
            + ". Everything else was saved; try again later, or tell platform support.",
            "error",
        )
    elif outcome.retrying:
        count = len(outcome.retrying)
        flash(
            f"{count} {'email was' if count == 1 else 'emails were'} refused for now ("
            + "; ".join(dict.fromkeys(outcome.retrying))
            + "); they are tried again automatically.",
            "warning",
        )
    elif outcome.waiting:
        flash(
            f"The background mail queue is unreachable, so the {what} "
            f"{'waits' if what.endswith('email') else 'wait'} in the outbox; "
            "it goes out when the queue is back.",
            "warning",
        )

"""The details page's "Send password reset link": the shopper's own "Forgot password" email,
sent by a manager. Its route is under /admin/customers/, with the grid's access check."""

from flask import abort, flash
from flask_admin import expose
from flask_wtf import FlaskForm
from wtforms import SubmitField

from ..accounts.models import Account
from ..admin.base import PartView
from ..admin.sections import SectionPart
from ..extensions import db
from ..identity import current_account
from ..mail_outbox import queue_job
from ..onboarding.emails import send_password_reset
from ..staff import roles
from ..tenancy import get_in_market, require_market
from ..urls import mail_link_root
from .resets import ResetLinkRefused, record_reset_link


class SendResetLinkForm(FlaskForm):
    submit = SubmitField("Send password reset link")


def reset_link_button(account, market, forms) -> SectionPart:
    return SectionPart(
        "lgadmin/auth/_reset_link_button.html",
        {
            "reset_link_form": SendResetLinkForm(formdata=None),
            "reset_link_error": forms.get("reset_link_error", ""),
        },
    )


def reset_link_error(account, market, forms) -> SectionPart | None:
    """Why the link was not sent, under the customer's name."""
    error = forms.get("reset_link_error", "")
    if not error:
        return None
    return SectionPart("lgadmin/auth/_reset_link_error.html", {"reset_link_error": error})


class ResetLinkView(PartView):
    """/admin/customers/<id>/send-reset-link: the shopper's own "Forgot password" email."""

    required_permission = roles.VIEW_CUSTOMERS

    @expose("/<lgadmin_id:account_id>/send-reset-link", methods=("POST",))
    @roles.requires(roles.SEND_PASSWORD_RESET)
    def send_reset_link_view(self, account_id: int):
        market = require_market()
        account = get_in_market(Account, account_id, market)
        if not SendResetLinkForm().validate_on_submit():
            abort(400)
        try:
            record_reset_link(current_account, market, account)
            db.session.commit()
        except ResetLinkRefused as error:
            db.session.rollback()
            return self.details_page(account, 400, reset_link_error=str(error))
        # The job of the shopper's own "Forgot password": the same email, link and limits.
        outcome = queue_job(
            send_password_reset,
            market.id,
            account.email,
            mail_link_root(),
            kind="Password reset link",
            recipient=account.email,
            market_id=market.id,
        )
        if outcome.unsent:
            flash(f"The reset link could not be emailed: {outcome.unsent[0]}.", "error")
        elif outcome.retrying:
            flash(
                f"The mail server refused the reset link for now ({outcome.retrying[0]}); "
                "it is tried again automatically.",
                "warning",
            )
        else:
            flash(
                f"A password reset link is on its way to {account.email}; it works for 24 hours.",
                "success",
            )
        return self.back_to_details(account)

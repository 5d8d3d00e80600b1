"""The shopper's side of onboarding at a market: signup, set or reset a password, forgot it."""

from flask import Blueprint, flash, redirect, render_template, request, session, url_for

from .. import limits
from ..accounts.models import Account
from ..accounts.passwords import PASSWORD_RULES, password_problem
from ..accounts.sign_ins import record_sign_in
from ..contact import normalize_email
from ..extensions import db
from ..identity import current_account, ensure_signs_in, sign_in_as
from ..mail_outbox import queue_job
from ..markets.models import Market
from ..markets.service import market_by_slug
from ..tenancy import belongs_to
from ..urls import mail_link_root
from .emails import send_password_reset, send_signup_answer
from .forms import ForgotPasswordForm, SetPasswordForm, SignupForm
from .invitations import usable_invitation
from .service import AlreadyHasAccount, GuestMustBeInvited, InvalidDetails, sign_up
from .tokens import set_password_with_token, usable_password_token
from .verification import confirm_email as use_confirmation_link
from .verification import send_confirmation_email

bp = Blueprint("lgadmin_onboarding", __name__)

FORGOT_SENT = (
    "If {email} has an account at {market}, we've sent it a link to choose a new password. "
    "The link works for 24 hours."
)
SIGNUP_EMAILED = (
    "{email} is already known at {market}: we've emailed it what to do next (sign in, or "
    "register with the link in the message)."
)
LINK_NOT_USABLE = (
    "That link has expired or was already used. Enter your email address and we'll send "
    "you a new one."
)


def _market(slug: str) -> Market:
    return market_by_slug(slug)


@bp.after_request
def _no_referrer(response):
    # Pages reached by a secret link must not hand the link on in a Referer header.
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/<market_slug>/signup", methods=("GET", "POST"))
@limits.per_address_and_client("signup", limits.SIGNUP_PER_ADDRESS, limits.SIGNUP_PER_CLIENT)
def signup(market_slug: str):
    market = _market(market_slug)
    if current_account.is_authenticated and belongs_to(current_account, market):
        return redirect(url_for("lgadmin_shop.account", market_slug=market.slug))
    form = SignupForm()
    form.set_pickup_choices(market)
    raw_invitation = request.args.get("invitation") or form.invitation.data
    invitation = usable_invitation(market, raw_invitation)
    if request.method == "GET" and invitation is not None:
        form.email.data = invitation.email
        form.invitation.data = raw_invitation
    if form.validate_on_submit():
        raw = {
            name: field.data
            for name, field in form._fields.items()
            if name not in ("password", "confirm", "invitation", "csrf_token", "submit")
        }
        try:
            account = sign_up(market, raw, form.password.data, invitation=invitation)
        except (GuestMustBeInvited, AlreadyHasAccount):
            # A guest's address and a member's get the same answer; the email says which.
            email = normalize_email(form.email.data)
            queue_job(
                send_signup_answer,
                market.id,
                email,
                mail_link_root(),
                kind="Signup answer",
                recipient=email,
                market_id=market.id,
            )
            flash(SIGNUP_EMAILED.format(email=email, market=market.name), "info")
            return redirect(url_for("lgadmin_shop_sign_in.market_sign_in", market_slug=market.slug))
        except InvalidDetails as error:
            for name, problem in error.problems.items():
                if name in form:
                    form[name].errors = [*form[name].errors, problem]
        else:
            if not account.is_verified:
                queue_job(
                    send_confirmation_email,
                    account.id,
                    mail_link_root(),
                    kind="Address confirmation",
                    recipient=account.email,
                    market_id=market.id,
                )
            ensure_signs_in()
            session.clear()
            sign_in_as(account)
            record_sign_in(account, "signup")
            flash(f"Welcome to {market.name}! Your account is ready.", "success")
            return redirect(url_for("lgadmin_shop.account", market_slug=market.slug))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "lgadmin/onboarding/signup.html",
        form=form,
        market=market,
        invitation=invitation,
        password_rules=PASSWORD_RULES,
    ), status


@bp.route("/<market_slug>/confirm-email/<token>")
def confirm_email(market_slug: str, token: str):
    market = _market(market_slug)
    account = use_confirmation_link(market, token)
    if account is None:
        flash("That confirmation link has expired or was already used.", "warning")
    else:
        db.session.commit()
        flash(f"Thank you: {account.email} is confirmed.", "success")
    return redirect(url_for("lgadmin_shop.account", market_slug=market.slug))


@bp.route("/<market_slug>/forgot-password", methods=("GET", "POST"))
@limits.per_address_and_client("reset", limits.RESET_PER_ADDRESS, limits.RESET_PER_CLIENT)
def forgot_password(market_slug: str):
    market = _market(market_slug)
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        email = normalize_email(form.email.data)
        # Always queued, whether or not the address has an account: the job decides.
        queue_job(
            send_password_reset,
            market.id,
            email,
            mail_link_root(),
            kind="Password reset link",
            recipient=email,
            market_id=market.id,
        )
        flash(FORGOT_SENT.format(email=email, market=market.name), "info")
        return redirect(url_for("lgadmin_shop_sign_in.market_sign_in", market_slug=market.slug))
    return render_template("lgadmin/onboarding/forgot_password.html", form=form, market=market)


@bp.route("/<market_slug>/set-password/<token>", methods=("GET", "POST"))
def set_password(market_slug: str, token: str):
    return _choose_password(market_slug, token, welcome=True)


@bp.route("/<market_slug>/reset-password/<token>", methods=("GET", "POST"))
def reset_password(market_slug: str, token: str):
    return _choose_password(market_slug, token, welcome=False)


def _choose_password(market_slug: str, raw: str, *, welcome: bool):
    market = _market(market_slug)
    token = usable_password_token(market, raw)
    if token is None:
        flash(LINK_NOT_USABLE, "warning")
        return redirect(url_for(".forgot_password", market_slug=market.slug))
    form = SetPasswordForm()
    if form.validate_on_submit():
        problem = password_problem(form.password.data)
        if problem:
            form.password.errors = [*form.password.errors, problem]
        else:
            account = set_password_with_token(token, form.password.data)
            if account is None:
                flash(LINK_NOT_USABLE, "warning")
                return redirect(url_for(".forgot_password", market_slug=market.slug))
            db.session.commit()
            if current_account.is_authenticated:
                session.clear()
            flash(
                "Your password is set. Sign in with your email address "
                f"({account.email}) and your new password.",
                "success",
            )
            return redirect(url_for("lgadmin_shop_sign_in.market_sign_in", market_slug=market.slug))
    account = db.session.get(Account, token.account_id)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "lgadmin/onboarding/set_password.html",
        form=form,
        market=market,
        account=account,
        welcome=welcome,
        password_rules=PASSWORD_RULES,
    ), status

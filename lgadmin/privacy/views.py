"""The shopper's "Your data" buttons on their account page."""

import io

from flask import Blueprint, abort, flash, redirect, send_file, url_for

from ..extensions import db, limiter
from ..limits import POST, by_account
from ..shop.pages import shopper_page
from ..timeutil import format_datetime
from .forms import DataRequestForm
from .models import DataRequestKind
from .service import (
    PrivacyError,
    download_own_data,
    request_data,
    requests_of,
    shopper_copy_until,
)

bp = Blueprint("lgadmin_shop_privacy", __name__)

REQUESTS_PER_ACCOUNT = "10 per hour"
ASKED_FOR = {
    DataRequestKind.EXPORT: "for a copy of your data",
    DataRequestKind.ERASURE: "to erase your account",
}


def your_data_context(account) -> dict:
    """What the account page's "Your data" section needs."""
    return {
        "data_requests": requests_of(account),
        "data_request_form": DataRequestForm(),
        "data_copy_until": shopper_copy_until(account),
    }


def _limited(view):
    return limiter.limit(
        REQUESTS_PER_ACCOUNT,
        key_func=by_account("data-requests"),
        methods=POST,
        scope="data-requests",
    )(view)


@bp.route("/<market_slug>/account/data/copy", methods=["POST"])
@_limited
@shopper_page
def request_copy(market, account):
    return _request(market, account, DataRequestKind.EXPORT)


@bp.route("/<market_slug>/account/data/erasure", methods=["POST"])
@_limited
@shopper_page
def request_erasure(market, account):
    return _request(market, account, DataRequestKind.ERASURE)


@bp.route("/<market_slug>/account/data/copy.zip")
@shopper_page
def download_copy(market, account):
    try:
        content = download_own_data(account, market)
        db.session.commit()
    except PrivacyError as error:
        db.session.rollback()
        flash(str(error), "info")
        return redirect(url_for("lgadmin_shop.account", market_slug=market.slug) + "#your-data")
    return send_file(
        io.BytesIO(content),
        mimetype="application/zip",
        as_attachment=True,
        download_name=f"{market.slug}-my-data.zip",
        max_age=0,
    )


def _request(market, account, kind: DataRequestKind):
    if not DataRequestForm().validate_on_submit():
        abort(400)
    try:
        data_request, created = request_data(account, market, kind)
        db.session.commit()
    except PrivacyError as error:
        db.session.rollback()
        flash(str(error), "error")
    else:
        if created:
            flash(
                f"We have your request {ASKED_FOR[kind]}. "
                f"A manager of {market.name} will take care of it.",
                "success",
            )
        else:
            when = format_datetime(data_request.requested_at, market)
            flash(f"Already requested: you asked {ASKED_FOR[kind]} on {when}.", "info")
    return redirect(url_for("lgadmin_shop.account", market_slug=market.slug) + "#your-data")

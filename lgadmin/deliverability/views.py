"""The providers' webhooks (/webhooks/mail/<provider>) and the shopper's unsubscribe page."""

import logging

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from ..security import csrf
from ..webhook_body import BodyRefused, read_webhook_json
from .providers import WebhookRefused, mailgun, postmark
from .service import schedule_processing, unsubscribe_by_link
from .storage import TokenReplayed, store_reported_events
from .unsubscribe import account_for_token

bp = Blueprint("lgadmin_mail_webhooks", __name__)
# The unsubscribe page, under the shopper pages' URL (LGADMIN_SHOP_URL).
unsubscribe_bp = Blueprint("lgadmin_unsubscribe", __name__)
log = logging.getLogger(__name__)


@bp.route("/mail/<provider>", methods=["POST"])
@csrf.exempt  # authenticated by the provider's credentials or signature instead
def mail_webhook(provider: str):
    """Store the provider's report and answer 200; a 4xx only when the request is not the
    provider's (401) or not a JSON body within bounds (413/400). A report already stored,
    or a token already seen, is answered 200 and changes nothing: any other answer would
    make the provider retry it for hours."""
    if provider not in (postmark.NAME, mailgun.NAME):
        abort(404)
    try:
        token = None
        if provider == postmark.NAME:
            postmark.authenticate(request, current_app.config)
            raw, payload = read_webhook_json(request)
            events = postmark.events_from(payload, raw)
        else:
            raw, payload = read_webhook_json(request)
            token = mailgun.signature_token(payload, current_app.config)
            events = mailgun.events_from(payload, raw)
        new_ids = store_reported_events(provider, events, token=token)
    except (WebhookRefused, BodyRefused) as refused:
        return jsonify(error=refused.message), refused.status
    except TokenReplayed:
        log.warning("%s webhook token seen before: nothing stored", provider)
        note = "This webhook token was already used; nothing was changed."
        return jsonify(stored=0, duplicates=len(events), note=note), 200
    # Stored and committed: the provider may forget it now; processing is the queue's job.
    schedule_processing(new_ids)
    return jsonify(stored=len(new_ids), duplicates=len(events) - len(new_ids)), 200


@unsubscribe_bp.route("/<market_slug>/unsubscribe/<token>", methods=["GET", "POST"])
@csrf.exempt  # RFC 8058 one-click POSTs carry no CSRF token; the signed token is the proof
def unsubscribe(market_slug: str, token: str):
    account = account_for_token(token)
    if account is None or account.market.slug != market_slug:
        abort(404)
    market = account.market
    if request.method == "POST":
        unsubscribe_by_link(account)
        return render_template("lgadmin/deliverability/unsubscribed.html", market=market)
    return render_template(
        "lgadmin/deliverability/unsubscribe.html", market=market, account=account, token=token
    )

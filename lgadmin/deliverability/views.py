"""The providers' webhooks (/webhooks/mail/<provider>) and the shopper's unsubscribe page."""

import json

from flask import Blueprint, abort, current_app, jsonify, render_template, request

from ..extensions import csrf
from .providers import WebhookRefused, mailgun, postmark
from .service import schedule_processing, unsubscribe_by_link
from .storage import TokenReplayed, store_reported_events
from .unsubscribe import account_for_token

bp = Blueprint("deliverability", __name__)
MAX_BODY_BYTES = 1024 * 1024


@bp.route("/webhooks/mail/<provider>", methods=["POST"])
@csrf.exempt  # authenticated by the provider's credentials or signature instead
def mail_webhook(provider: str):
    if provider not in (postmark.NAME, mailgun.NAME):
        abort(404)
    try:
        token = None
        if provider == postmark.NAME:
            postmark.authenticate(request, current_app.config)
            raw, payload = _json_body()
            events = postmark.events_from(payload, raw)
        else:
            raw, payload = _json_body()
            token = mailgun.signature_token(payload, current_app.config)
            events = mailgun.events_from(payload, raw)
        new_ids = store_reported_events(provider, events, token=token)
    except WebhookRefused as refused:
        return jsonify(error=refused.message), refused.status
    except TokenReplayed:
        return jsonify(error="This webhook token was already used."), 401
    # Stored and committed: the provider may forget it now; processing is the queue's job.
    schedule_processing(new_ids)
    return jsonify(stored=len(new_ids), duplicates=len(events) - len(new_ids)), 200


def _json_body() -> tuple[str, object]:
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise WebhookRefused(413, "The body is larger than 1 MB.")
    if request.mimetype != "application/json":
        raise WebhookRefused(400, "The body must be JSON (Content-Type: application/json).")
    body = request.stream.read(MAX_BODY_BYTES + 1)
    if len(body) > MAX_BODY_BYTES:
        raise WebhookRefused(413, "The body is larger than 1 MB.")
    try:
        raw = body.decode("utf-8")
        return raw, json.loads(raw)
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise WebhookRefused(400, "The body is not valid JSON.") from None


@bp.route("/m/<market_slug>/unsubscribe/<token>", methods=["GET", "POST"])
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

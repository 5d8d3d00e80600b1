"""Whether payments are on, and the Stripe client built from the app's settings."""

import stripe
from flask import current_app

PAYMENTS_OFF = "Payments are off: Stripe is not configured for this platform."
STRIPE_JS_URL = "https://js.stripe.com/v3/"
# A page waits at most this long for Stripe; the library's default is 80 seconds.
TIMEOUT_SECONDS = 20


class PaymentsError(Exception):
    """Something a manager or shopper should read: the message is shown as is."""


def payments_enabled() -> bool:
    """Payments are on exactly when a Stripe secret key is configured."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def card_form_enabled() -> bool:
    """Saving a card also needs the publishable key, for Stripe.js in the browser."""
    return payments_enabled() and bool(current_app.config.get("STRIPE_PUBLISHABLE_KEY"))


def stripe_client() -> stripe.StripeClient:
    """A client for this app's keys; a fresh one per call keeps no global state."""
    config = current_app.config
    if not config.get("STRIPE_SECRET_KEY"):
        raise PaymentsError(PAYMENTS_OFF)
    base = config.get("STRIPE_API_BASE")
    return stripe.StripeClient(
        config["STRIPE_SECRET_KEY"],
        base_addresses={"api": base} if base else None,
        # Retries are safe: every charge carries an idempotency key.
        max_network_retries=config.get("STRIPE_MAX_NETWORK_RETRIES", 2),
        http_client=stripe.new_default_http_client(timeout=TIMEOUT_SECONDS),
    )


def unreachable(error: stripe.StripeError) -> str:
    """What to tell a person when Stripe did not answer as hoped (never the raw payload)."""
    if isinstance(error, stripe.APIConnectionError):
        return "Stripe could not be reached. Please try again in a few minutes."
    if isinstance(error, stripe.AuthenticationError):
        return "Stripe refused the platform's keys. Please tell the platform staff."
    if isinstance(error, stripe.RateLimitError):
        return "Stripe is busy right now. Please try again in a minute."
    if isinstance(error, stripe.APIError):
        return "Stripe had a problem answering. Please try again in a few minutes."
    return f"Stripe refused the request: {error.user_message or 'no reason given'}"

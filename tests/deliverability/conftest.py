import pytest

from tests.deliverability.payloads import MAILGUN_KEY, POSTMARK_PASSWORD, POSTMARK_USER


@pytest.fixture(autouse=True)
def _webhook_credentials(app, monkeypatch):
    monkeypatch.setitem(app.config, "POSTMARK_WEBHOOK_USER", POSTMARK_USER)
    monkeypatch.setitem(app.config, "POSTMARK_WEBHOOK_PASSWORD", POSTMARK_PASSWORD)
    monkeypatch.setitem(app.config, "MAILGUN_WEBHOOK_SIGNING_KEY", MAILGUN_KEY)

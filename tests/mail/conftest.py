"""A real SMTP server on loopback (aiosmtpd) that keeps every message's bytes as received."""

import email
import email.policy
import socket
from dataclasses import dataclass

import pytest


@dataclass
class Received:
    raw: bytes  # the DATA exactly as the server got it (after dot-unstuffing)
    mail_from: str
    rcpt_tos: list

    @property
    def message(self):
        return email.message_from_bytes(self.raw, policy=email.policy.default)

    def raw_header_lines(self, name: str) -> list[str]:
        """The header's lines as written on the wire (its first line and any folded ones)."""
        head = self.raw.split(b"\r\n\r\n", 1)[0].decode("ascii")
        found, lines = False, []
        for line in head.split("\r\n"):
            if line[:1] in (" ", "\t"):
                if found:
                    lines.append(line)
                continue
            found = line.lower().startswith(name.lower() + ":")
            if found:
                lines.append(line)
        return lines


class RawHandler:
    def __init__(self):
        self.received: list[Received] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(
            Received(envelope.original_content, envelope.mail_from, envelope.rcpt_tos)
        )
        return "250 Message accepted for delivery"

    def to(self, address: str) -> Received:
        (one,) = [r for r in self.received if address in r.rcpt_tos]
        return one


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def smtp(app, monkeypatch):
    from aiosmtpd.controller import Controller

    handler = RawHandler()
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    # Flask-Mail read its settings when the app was made (and TESTING suppresses sending).
    state = app.extensions["mail"]
    monkeypatch.setattr(state, "server", "127.0.0.1")
    monkeypatch.setattr(state, "port", controller.port)
    monkeypatch.setattr(state, "suppress", False)
    monkeypatch.setitem(app.config, "LGADMIN_OUTBOX", None)
    monkeypatch.setitem(app.config, "MAIL_DEFAULT_SENDER", "noreply@mail.platform.example")
    monkeypatch.setitem(app.config, "LGADMIN_BASE_URL", "https://shop.platform.example/")
    yield handler
    controller.stop()

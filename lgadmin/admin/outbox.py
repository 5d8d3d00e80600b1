"""The embedded mail outbox, readable by superusers when no MAIL_SERVER is set."""

import email
import email.policy
from pathlib import Path

from flask import abort, current_app
from flask_admin import expose

from ..staff.roles import requires_superuser
from .base import AdminView, SuperuserOnlyMixin


def outbox_messages(outbox: Path, limit: int = 200) -> list[dict]:
    if not outbox.is_dir():
        return []
    files = sorted(outbox.glob("*.eml"), reverse=True)[:limit]
    return [dict(_headers(path), name=path.name) for path in files]


def _parse(path: Path):
    return email.message_from_bytes(path.read_bytes(), policy=email.policy.default)


def _headers(path: Path) -> dict:
    message = _parse(path)
    return {"to": message["To"], "subject": message["Subject"], "date": message["Date"]}


class OutboxView(SuperuserOnlyMixin, AdminView):
    def _outbox(self) -> Path | None:
        folder = current_app.config.get("LGADMIN_OUTBOX")
        return Path(folder) if folder else None

    def is_visible(self) -> bool:
        return super().is_visible() and self._outbox() is not None

    @expose("/")
    @requires_superuser
    def index(self):
        outbox = self._outbox()
        messages = outbox_messages(outbox) if outbox else []
        return self.render("lgadmin/admin/outbox.html", messages=messages, outbox=outbox)

    @expose("/<filename>")
    @requires_superuser
    def message(self, filename: str):
        outbox = self._outbox()
        if outbox is None or "/" in filename or not filename.endswith(".eml"):
            abort(404)
        path = outbox / filename
        if not path.is_file():
            abort(404)
        message = _parse(path)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        return self.render(
            "lgadmin/admin/outbox_message.html",
            message=message,
            text=text.get_content() if text else "",
            html=html.get_content() if html else None,
        )

"""The Outbox screen (superusers): every email's row in the mail outbox, what became of it
and why one failed, with "Try again" for a failed one; and, when no MAIL_SERVER is set, the
development folder the mail is written to instead of being sent."""

import email
import email.policy
from pathlib import Path

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_wtf import FlaskForm
from wtforms import SubmitField

from ..extensions import db
from ..mail_outbox import OutboxStatus, outbox_counts, outbox_rows, retry_mail
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


class RetryMailForm(FlaskForm):
    submit = SubmitField("Try again")


class OutboxView(SuperuserOnlyMixin, AdminView):
    def _outbox(self) -> Path | None:
        folder = current_app.config.get("LGADMIN_OUTBOX")
        return Path(folder) if folder else None

    @expose("/")
    @requires_superuser
    def index(self):
        status = request.args.get("status", "")
        if status not in {s.value for s in OutboxStatus}:
            status = ""
        outbox = self._outbox()
        messages = outbox_messages(outbox) if outbox else []
        return self.render(
            "lgadmin/admin/outbox.html",
            rows=outbox_rows(status or None),
            counts=outbox_counts(),
            status=status,
            retry_form=RetryMailForm(),
            messages=messages,
            outbox=outbox,
        )

    @expose("/mail/<lgadmin_id:row_id>/retry", methods=("POST",))
    @requires_superuser
    def retry(self, row_id: int):
        if not RetryMailForm().validate_on_submit():
            abort(400)
        row = retry_mail(row_id)
        if row is None:
            flash("Only a failed mail can be tried again; this one is not failed.", "warning")
        else:
            db.session.commit()
            flash(f"The mail to {row.recipient or 'its recipient'} is being tried again.", "info")
        return redirect(url_for(".index", status=request.args.get("status", "")))

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

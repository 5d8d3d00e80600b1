"""Forms that change money are applied once per submission.

Each such form carries a random key made when the page was rendered. The service that
applies it claims the key in the same transaction as the change, so a double click, a
browser's resend or a retried request finds the key taken and changes nothing again.
"""

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db
from .timeutil import utcnow

MAX_KEY = 64
ALREADY_APPLIED = "This {what} was saved already; it was not applied a second time."


class FormSubmission(db.Model):
    __tablename__ = "lgadmin_form_submission"
    id: Mapped[int] = mapped_column(primary_key=True)
    market_id: Mapped[int] = mapped_column(ForeignKey("lgadmin_market.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(MAX_KEY))
    kind: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (UniqueConstraint("market_id", "key"),)


class AlreadyApplied(Exception):
    """This submission was applied before: nothing is done again."""


def claim_submission(market_id: int, key: str | None, kind: str) -> None:
    """Take `key` for this market in the caller's transaction; AlreadyApplied if it was taken.

    Without a key (a caller other than a form: the CLI, demo data, a job) nothing is claimed.
    A concurrent request with the same key waits on the unique index and then finds it taken.
    """
    key = (key or "").strip()[:MAX_KEY]
    if not key:
        return
    try:
        with db.session.begin_nested():
            db.session.add(FormSubmission(market_id=market_id, key=key, kind=kind))
    except IntegrityError:
        raise AlreadyApplied(kind) from None

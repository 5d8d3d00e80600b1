"""Sending an email to a segment: the record first, then rq jobs that send in batches."""

from dataclasses import dataclass

from flask import current_app
from sqlalchemy import and_, func, insert, literal, select

from ..accounts.models import Account
from ..audit.service import record
from ..deliverability.sends import send_to_account
from ..extensions import db
from ..mail import TemporaryFailure, failure_reason, header_problem, is_temporary_failure
from ..mail_outbox import CAMPAIGN_BATCH, add_mail, last_attempt, still_working
from ..markets.models import Market
from ..segments.models import Segment
from ..segments.service import segment_criteria, segment_where
from ..tenancy import belongs_to, of_market, select_in_market
from ..timeutil import utcnow
from ..urls import mail_link_root
from .models import Campaign, CampaignRecipient, RecipientStatus

BATCH = 200
MAX_SUBJECT = 200
MAX_MESSAGE = 20_000
TEMPLATE = "lgadmin/mail/campaign"


class CampaignError(ValueError):
    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(errors.values()))
        self.errors = errors


@dataclass
class CampaignSummary:
    campaign: Campaign
    counts: dict[str, int]
    recipients: list

    @property
    def finished(self) -> bool:
        return self.campaign.finished_at is not None


def check_campaign(subject: str, message: str) -> dict[str, str]:
    errors = {}
    if not subject.strip():
        errors["subject"] = "Write a subject."
    elif header_problem(subject.strip()) == "line break":
        # A line break would let the subject write headers of its own (Bcc:...).
        errors["subject"] = "Keep the subject to one line, without line breaks."
    elif header_problem(subject):
        errors["subject"] = "Remove the control characters from the subject."
    elif len(subject) > MAX_SUBJECT:
        errors["subject"] = f"Keep the subject under {MAX_SUBJECT} characters."
    if not message.strip():
        errors["message"] = "Write the message."
    elif len(message) > MAX_MESSAGE:
        errors["message"] = f"Keep the message under {MAX_MESSAGE:,} characters."
    return errors


def send_campaign(
    manager, market: Market, segment: Segment, subject: str, message: str, *, root=None
):
    """Record a campaign to the segment's customers as they are now and queue its sending.

    Commits, because the jobs (possibly on other machines) must see the recipients.
    Customers with Receives Mailings off or a hard bounce are recorded and skipped by
    the send itself (deliverability.sends.may_receive), so the rule lives in one place.
    `root`: where the mail's links point (the view passes urls.mail_link_root()).
    """
    if not belongs_to(segment, market):
        raise LookupError("segment of another market")
    errors = check_campaign(subject or "", message or "")
    if errors:
        raise CampaignError(errors)
    where = segment_where(market, segment_criteria(segment))
    campaign = Campaign(
        market_id=market.id,
        segment_id=segment.id,
        segment_name=segment.name,
        criteria=dict(segment.criteria or {}),
        subject=subject.strip(),
        message=message.strip(),
        sent_by_id=manager.id,
    )
    return _record_and_queue(manager, market, campaign, where, f"segment “{segment.name}”", root)


def send_campaign_to_accounts(
    manager, market: Market, account_ids, subject: str, message: str, *, root=None
):
    """The same campaign to chosen customers of the market (the grid's "Email selected").

    Ids of another market are ignored: the recipients are read through the market filter.
    """
    errors = check_campaign(subject or "", message or "")
    if errors:
        raise CampaignError(errors)
    ids = sorted({int(i) for i in account_ids})
    campaign = Campaign(
        market_id=market.id,
        segment_id=None,
        segment_name=f"{len(ids):,} selected customer{'s' if len(ids) != 1 else ''}",
        criteria={},
        subject=subject.strip(),
        message=message.strip(),
        sent_by_id=manager.id,
    )
    where = and_(of_market(Account, market), Account.id.in_(ids))
    return _record_and_queue(manager, market, campaign, where, campaign.segment_name, root)


def _record_and_queue(manager, market: Market, campaign: Campaign, where, audience: str, root):
    db.session.add(campaign)
    db.session.flush()
    db.session.execute(
        insert(CampaignRecipient).from_select(
            ["campaign_id", "account_id", "email", "status", "reason"],
            select(
                literal(campaign.id),
                Account.id,
                Account.email,
                literal(RecipientStatus.QUEUED.value),
                literal(""),
            ).where(where),
        )
    )
    ids = db.session.scalars(
        select(CampaignRecipient.id)
        .where(CampaignRecipient.campaign_id == campaign.id)
        .order_by(CampaignRecipient.id)
    ).all()
    campaign.recipient_count = len(ids)
    if not ids:
        campaign.finished_at = utcnow()
    record(
        manager,
        market.id,
        "campaign.sent",
        campaign,
        f"Campaign “{campaign.subject}” to {audience} ({len(ids):,} customers)",
    )
    # Links in the mail (unsubscribe) must be absolute, and the jobs have no request to ask:
    # the caller's root, else LGADMIN_BASE_URL (read here, never the request's address).
    if root is None:
        root = mail_link_root() if current_app.config.get("LGADMIN_BASE_URL") else ""
    # In the outbox with the recipients, in one transaction: no recipient is left queued
    # with nothing to send them, whatever happens to the job queue.
    for start in range(0, len(ids), BATCH):
        batch = ids[start : start + BATCH]
        add_mail(
            send_campaign_batch,
            campaign.id,
            batch[0],
            batch[-1],
            root,
            kind=CAMPAIGN_BATCH,
            recipient=f"{len(batch):,} recipients of “{campaign.subject}”"[:254],
            market_id=market.id,
        )
    db.session.commit()
    return campaign


def send_campaign_batch(campaign_id: int, first_id: int, last_id: int, root: str = "") -> int:
    """Send the queued recipients with ids in [first_id, last_id]; returns how many went out.

    Each recipient is committed as it is done, so a retried job never mails anyone twice.
    `root` is the site's address, for the absolute links in each message.
    """
    if root:
        with current_app.test_request_context(base_url=root):
            return send_campaign_batch(campaign_id, first_id, last_id)
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        return 0
    market = db.session.get(Market, campaign.market_id)
    queued = db.session.scalars(
        select(CampaignRecipient).where(
            CampaignRecipient.campaign_id == campaign_id,
            CampaignRecipient.id.between(first_id, last_id),
            CampaignRecipient.status == RecipientStatus.QUEUED,
        )
    ).all()
    sent, waiting = 0, []
    for recipient in queued:
        sent += _send_one(campaign, market, recipient, waiting)
        still_working()
        db.session.commit()
    if waiting:
        if not last_attempt():
            # Back to the outbox, which runs the batch again after its back-off; the
            # recipients already sent are committed and are not mailed again.
            why = waiting[0].reason.removeprefix("Refused for now, retrying: ")
            raise TemporarySendFailure(f"{len(waiting):,} of the campaign's recipients ({why})")
        for recipient in waiting:
            recipient.status = RecipientStatus.FAILED
            why = recipient.reason.removeprefix("Refused for now, retrying: ")
            recipient.reason = f"Not sent: the mail server kept refusing ({why})"[:200]
        db.session.commit()
    _finish_if_done(campaign)
    return sent


class TemporarySendFailure(TemporaryFailure):
    """Some recipients were refused for now: the batch job is retried later."""


def _send_one(
    campaign: Campaign, market: Market, recipient: CampaignRecipient, waiting: list
) -> int:
    account = recipient.account
    if not belongs_to(account, market):
        recipient.status, recipient.reason = RecipientStatus.SKIPPED, "The account was deleted."
        return 0
    try:
        went = send_to_account(
            account, campaign.subject, TEMPLATE, bulk=True, campaign=campaign, market=market
        )
    except Exception as error:  # one bad address must not stop the others
        db.session.rollback()
        if is_temporary_failure(error):
            recipient.reason = f"Refused for now, retrying: {failure_reason(error)}"[
                :200
            ]  # stays queued
            waiting.append(recipient)
            return 0
        recipient.status = RecipientStatus.FAILED
        recipient.reason = f"Not sent: {failure_reason(error)}"[:200]
        return 0
    if not went:
        recipient.status = RecipientStatus.SKIPPED
        recipient.reason = (
            "Hard bounce: no mail until a manager fixes the address."
            if account.email_bounced_at is not None
            else "Receives Mailings is off."
        )
        return 0
    recipient.status, recipient.sent_at = RecipientStatus.SENT, utcnow()
    return 1


def _finish_if_done(campaign: Campaign) -> None:
    left = db.session.scalar(
        select(func.count())
        .select_from(CampaignRecipient)
        .where(
            CampaignRecipient.campaign_id == campaign.id,
            CampaignRecipient.status == RecipientStatus.QUEUED,
        )
    )
    if not left and campaign.finished_at is None:
        campaign.finished_at = utcnow()
        db.session.commit()


def market_campaigns(market: Market) -> list[Campaign]:
    return db.session.scalars(
        select_in_market(Campaign, market).order_by(Campaign.created_at.desc(), Campaign.id.desc())
    ).all()


def campaign_summary(campaign: Campaign, limit: int = 1000) -> CampaignSummary:
    """How many were sent, skipped, failed or still queued, and the first `limit` recipients."""
    counts = {status.value: 0 for status in RecipientStatus}
    for status, count in db.session.execute(
        select(CampaignRecipient.status, func.count())
        .where(CampaignRecipient.campaign_id == campaign.id)
        .group_by(CampaignRecipient.status)
    ):
        counts[RecipientStatus(status).value] = count
    recipients = db.session.scalars(
        select(CampaignRecipient)
        .where(CampaignRecipient.campaign_id == campaign.id)
        .order_by(CampaignRecipient.id)
        .limit(limit)
    ).all()
    return CampaignSummary(campaign, counts, recipients)

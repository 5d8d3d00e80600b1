"""What each provider's report means and what lgadmin does with it: the one table.

Both providers' parsers look their reports up here, so the same situation (a full mailbox, a
domain that refuses our mail) is classified the same way whoever reports it; the README's
table is rendered from SITUATIONS (`markdown_table()`, checked by a test).
"""

import re
from dataclasses import dataclass

from .models import MailEventKind

MAILGUN = "mailgun"
POSTMARK = "postmark"


@dataclass(frozen=True)
class Situation:
    what: str  # what happened, in a manager's words
    kind: MailEventKind  # what lgadmin does (OTHER: stored, not applied)
    mailgun: tuple[str, ...] = ()  # the provider's codes for it, as its parser spells them
    postmark: tuple[str, ...] = ()
    # A failure the provider has given up on: if its diagnostic says the mailbox is full,
    # spec 000 calls it a hard bounce whatever the provider's own type says.
    gave_up: bool = False
    # How the provider's report is recognised beyond its codes.
    mailgun_note: str = ""
    postmark_note: str = ""

    def codes(self, provider: str) -> tuple[str, ...]:
        return self.mailgun if provider == MAILGUN else self.postmark

    def note(self, provider: str) -> str:
        return self.mailgun_note if provider == MAILGUN else self.postmark_note


HARD = MailEventKind.HARD_BOUNCE
NOTHING = MailEventKind.OTHER

BAD_ADDRESS = Situation(
    "The address does not exist or is not valid",
    HARD,
    mailgun=(
        "failed, permanent, bounce",
        "failed, permanent, generic",
        "failed, permanent, hardfail",
        "failed, permanent, any other reason",
    ),
    postmark=("Bounce, HardBounce", "Bounce, BadEmailAddress"),
    gave_up=True,
)
_FULL_NOTE = "any report marked \\* whose diagnostic says 5.2.2, mailbox full or over quota"
FULL_MAILBOX = Situation(
    "The mailbox is full",
    HARD,
    mailgun_note=_FULL_NOTE,
    postmark_note=_FULL_NOTE,
)
REFUSED_BY_DOMAIN = Situation(
    "The recipient's domain refuses our mail",
    HARD,
    mailgun=("failed, permanent, espblock",),
    postmark=("Bounce, Blocked", "Bounce, DMARCPolicy"),
    gave_up=True,
)
PROVIDER_STOPPED = Situation(
    "The provider no longer sends to the address",
    HARD,
    mailgun=("failed, permanent, suppress-bounce",),
    postmark=("Bounce, ManuallyDeactivated",),
    gave_up=True,
)
COMPLAINT = Situation(
    "The recipient marked our mail as spam",
    MailEventKind.SPAM_COMPLAINT,
    mailgun=("complained",),
    postmark=("SpamComplaint", "Bounce, SpamComplaint"),
)
UNSUBSCRIBED = Situation(
    "The recipient unsubscribed",
    MailEventKind.UNSUBSCRIBE,
    mailgun=("unsubscribed",),
    postmark=("SubscriptionChange, suppressed by the recipient", "Bounce, Unsubscribe"),
)
GAVE_UP_RETRYING = Situation(
    "The provider gave up after temporary failures",
    NOTHING,
    mailgun=("failed, permanent, old",),
    postmark=("Bounce, SoftBounce",),
    gave_up=True,
)
TEMPORARY = Situation(
    "A temporary failure; the provider tries again",
    NOTHING,
    mailgun=("failed, temporary",),
    postmark=("Bounce, Transient", "Bounce, DnsError"),
)
EARLIER_STOP = Situation(
    "Not sent because of an earlier unsubscribe, complaint or suppression",
    NOTHING,
    mailgun=("failed, permanent, suppress-unsubscribe", "failed, permanent, suppress-complaint"),
    postmark=("SubscriptionChange, any other change",),
)
NOT_A_BOUNCE = Situation(
    "A report that says nothing about the address",
    NOTHING,
    mailgun=("accepted", "delivered", "opened", "clicked", "stored"),
    postmark=("Delivery", "Open", "Click", "Bounce, any other type"),
)
NOT_UNDERSTOOD = Situation(
    "A report lgadmin does not understand",
    NOTHING,
    mailgun=("any other event",),
    postmark=("any other record type",),
    mailgun_note="a signed body without event-data",
    postmark_note="a body that is not one JSON object",
)

SITUATIONS = (
    BAD_ADDRESS,
    FULL_MAILBOX,
    REFUSED_BY_DOMAIN,
    PROVIDER_STOPPED,
    COMPLAINT,
    UNSUBSCRIBED,
    GAVE_UP_RETRYING,
    TEMPORARY,
    EARLIER_STOP,
    NOT_A_BOUNCE,
    NOT_UNDERSTOOD,
)
WHAT_LGADMIN_DOES = {
    MailEventKind.HARD_BOUNCE: "Hard bounce: turns off Receives Mailings; the account stays active",
    MailEventKind.SPAM_COMPLAINT: "Spam complaint: turns off mailings and deactivates the account",
    MailEventKind.UNSUBSCRIBE: "Unsubscribe: turns off mailings and deactivates the account",
    MailEventKind.OTHER: "Nothing changes; Mail Events lists it as not applied, with the reason",
}
# RFC 3463's "mailbox full" status, and the words receiving servers use for it.
_MAILBOX_FULL = re.compile(
    r"\b5\.2\.2\b|mailbox (is )?full|over (the )?quota|quota exceeded|exceeded (the )?storage",
    re.IGNORECASE,
)
_BY_CODE = {
    provider: {code: situation for situation in SITUATIONS for code in situation.codes(provider)}
    for provider in (MAILGUN, POSTMARK)
}


def classify(provider: str, codes: list[str], diagnostic: str = "") -> Situation:
    """The situation of the first of `codes` (most specific first) the table knows.

    A failure the provider gave up on whose diagnostic says the mailbox is full is a full
    mailbox, however the provider typed it.
    """
    table = _BY_CODE[provider]
    situation = next((table[code] for code in codes if code in table), NOT_UNDERSTOOD)
    if situation.gave_up and says_mailbox_full(diagnostic):
        return FULL_MAILBOX
    return situation


def says_mailbox_full(diagnostic: str) -> bool:
    return bool(_MAILBOX_FULL.search(diagnostic or ""))


def markdown_table() -> str:
    """The README's table of provider codes and what lgadmin does with each."""
    rows = [
        "| What happened | Mailgun reports | Postmark reports | What lgadmin does |",
        "|---|---|---|---|",
    ]
    for situation in SITUATIONS:
        mailgun, postmark = (_reports_cell(situation, p) for p in (MAILGUN, POSTMARK))
        does = WHAT_LGADMIN_DOES[situation.kind]
        rows.append(f"| {situation.what} | {mailgun} | {postmark} | {does} |")
    return "\n".join(rows)


def _reports_cell(situation: Situation, provider: str) -> str:
    mark = " \\*" if situation.gave_up else ""
    parts = [f"`{code}`{mark}" for code in situation.codes(provider)]
    return "; ".join(parts + ([situation.note(provider)] if situation.note(provider) else []))

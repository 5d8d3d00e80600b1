"""Every model, imported once so the metadata (and Alembic) sees them all."""

from .accounts.models import Account, AccountMerge, Comment, LinePosition
from .act_as.models import ActAsAction, ActAsSession
from .addresses.models import Address
from .audit.models import AuditEntry
from .balance.models import LedgerAllocation, LedgerEntry, LedgerKind
from .campaigns.models import Campaign, CampaignRecipient, RecipientStatus
from .catalog.models import GrowerApproval, GrowerProfile, Product
from .customers.models import CustomerExport, ExportStatus, MarketFigures
from .deliverability.models import MailEvent, MailEventKind, MailSend, WebhookToken
from .groups.models import CustomerGroup
from .loyalty.models import LoyaltyEntry, LoyaltyKind
from .mail_outbox import OutboxMail, OutboxStatus
from .markets.models import Market, PickupLocation
from .onboarding.models import (
    ImportPreview,
    ImportStatus,
    Invitation,
    InvitationBatch,
    Token,
    TokenPurpose,
)
from .orders.models import CartItem, Order, OrderItem, PaymentChoice
from .payments.models import CardCharge, PaymentMethod, StripeEvent
from .privacy.models import DataRequest, DataRequestKind
from .segments.models import Segment
from .submissions import FormSubmission

__all__ = [
    "Account",
    "AccountMerge",
    "ActAsAction",
    "ActAsSession",
    "Address",
    "AuditEntry",
    "Campaign",
    "CampaignRecipient",
    "CardCharge",
    "CartItem",
    "Comment",
    "CustomerExport",
    "CustomerGroup",
    "FormSubmission",
    "DataRequest",
    "DataRequestKind",
    "ExportStatus",
    "GrowerApproval",
    "GrowerProfile",
    "ImportPreview",
    "ImportStatus",
    "Invitation",
    "InvitationBatch",
    "LedgerAllocation",
    "LedgerEntry",
    "LedgerKind",
    "LinePosition",
    "LoyaltyEntry",
    "MarketFigures",
    "LoyaltyKind",
    "MailEvent",
    "MailEventKind",
    "MailSend",
    "OutboxMail",
    "OutboxStatus",
    "Market",
    "Order",
    "OrderItem",
    "PaymentChoice",
    "PaymentMethod",
    "PickupLocation",
    "Product",
    "RecipientStatus",
    "Segment",
    "StripeEvent",
    "Token",
    "TokenPurpose",
    "WebhookToken",
]

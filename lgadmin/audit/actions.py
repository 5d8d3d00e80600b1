"""What each audit action code reads as on the Audit Log.

Services write a short code (`record(..., "balance.adjusted", ...)`); a manager reads the
label. Every code written anywhere has its label here (tests/audit checks the source), so
a new action can't reach the screen as a bare code.
"""

ACTION_LABELS = {
    "account.create": "Customer added",
    "account.password_set": "Password set",
    "account.reset_link_sent": "Password reset link sent",
    "account.signup": "Signed up",
    "act_as.started": "Act-as session started",
    "act_as.ended": "Act-as session ended",
    "lgadmin_act_as_log.export": "Act-as log exported",
    "address.deleted": "Address deleted",
    "address.saved": "Address saved",
    "auth.signed_in": "Signed in",
    "balance.adjusted": "Balance adjusted",
    "campaign.sent": "Newsletter sent",
    "customer.bulk_add_membership_month": "Bulk: membership month added",
    "customer.bulk_add_to_group": "Bulk: added to group",
    "customer.bulk_email_selected": "Bulk: email sent",
    "customer.bulk_export_selected": "Bulk: selected customers exported",
    "customer.bulk_mailings_off": "Bulk: mailings turned off",
    "customer.bulk_mark_active": "Bulk: marked active",
    "customer.bulk_mark_inactive": "Bulk: marked inactive",
    "customer.data_exported": "Customer data downloaded",
    "customer.deleted": "Account deleted",
    "customer.erased": "Personal data erased",
    "customer.group_tax_updated": "Group tax exemption applied",
    "customer.info_updated": "Customer info edited",
    "customer.merged": "Accounts merged",
    "customer.special_info_updated": "Special info updated",
    "lgadmin_customers.export": "Customers exported",
    "lgadmin_customers.export_downloaded": "Customer export downloaded",
    "customers.import": "Customers imported",
    "group.created": "Group created",
    "group.deleted": "Group deleted",
    "group.updated": "Group changed",
    "guest.invited": "Guest invited to register",
    "invitations.send": "Invitations sent",
    "loyalty.adjusted": "Loyalty points adjusted",
    "loyalty.bonus": "Bonus points given",
    "loyalty.enrolled": "Joined the loyalty program",
    "mail.hard_bounce": "Mail bounced (hard)",
    "mail.other": "Mail event reported",
    "mail.reenabled": "Mail re-enabled",
    "mail.spam_complaint": "Marked our mail as spam",
    "mail.unsubscribe": "Unsubscribed from mail",
    "market.settings_updated": "Market settings changed",
    "membership.updated": "Membership updated",
    "lgadmin_payments.refresh": "Payment methods refreshed",
    "segment.changed": "Segment changed",
    "segment.created": "Segment created",
    "segment.deleted": "Segment deleted",
}


def action_label(code: str) -> str:
    """The readable name of an action; a code this version doesn't know (a row written by
    an older one) reads as its words rather than as dotted code."""
    if code in ACTION_LABELS:
        return ACTION_LABELS[code]
    words = code.replace(".", " ").replace("_", " ").strip()
    return words[:1].upper() + words[1:]

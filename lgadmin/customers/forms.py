"""The manager's forms on the customer details page, with the labels of spec 000."""

import secrets

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    DateField,
    HiddenField,
    IntegerField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional
from wtforms.widgets import HiddenInput

from ..accounts.models import LinePosition
from ..balance.service import REASONS
from ..membership.service import CHANGES
from ..staff.roles import StaffRole


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a SelectField."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class VersionedForm(FlaskForm):
    """Carries the account's version, so a stale form is refused rather than applied."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional()])


class AdjustBalanceForm(FlaskForm):
    amount = StringField(
        "Adjustment amount", validators=[DataRequired("Enter an amount."), Length(max=20)]
    )
    reason = SelectField(
        "Reason", choices=options([("", "Pick a reason…"), *REASONS.items()]), validate_choice=False
    )
    reason_text = StringField("Or type your own reason", validators=[Length(max=200)])
    apply_to_open_orders = BooleanField("Apply to all open orders")
    # One key per rendered form: a double click or a resend applies once (submissions.py).
    submission_key = HiddenField(default=lambda: secrets.token_hex(16))
    submit = SubmitField("Adjust Balance")


class MembershipForm(VersionedForm):
    change = SelectField(
        "Adjustment",
        choices=options([("", "Choose…")] + [(key, label) for key, (label, _) in CHANGES.items()]),
        validate_choice=False,
    )
    expires_on = DateField("Or set an expiration date", validators=[Optional()])
    submit = SubmitField("Update Membership")


class EditInfoForm(VersionedForm):
    first_name = StringField("First name", validators=[Length(max=80)])
    last_name = StringField(
        "Last name", validators=[DataRequired("Last name is required."), Length(max=80)]
    )
    email = StringField("Email", validators=[DataRequired("Email is required."), Length(max=254)])
    phone = StringField("Phone", validators=[Length(max=32)])
    address_line1 = StringField("Address", validators=[Length(max=200)])
    address_line2 = StringField("Address line 2", validators=[Length(max=200)])
    city = StringField("City", validators=[Length(max=100)])
    region = StringField("State", validators=[Length(max=100)])
    postal_code = StringField("ZIP / postal code", validators=[Length(max=20)])
    pickup_location_id = SelectField("Pickup location", coerce=str, validate_choice=False)
    manager_comments = TextAreaField("Market manager comments", validators=[Length(max=4000)])
    submit = SubmitField("Save Changes")


class SpecialInfoForm(VersionedForm):
    is_manager = BooleanField("Market Manager")
    is_volunteer = BooleanField("Market Volunteer")
    is_wholesale = BooleanField("Wholesale Account")
    receives_mailings = BooleanField("Receives Mailings")
    # Shown only for a customer who reported our mail as spam.
    complainer_agreed = BooleanField("They agreed to receive our emails again")
    active = BooleanField("Active Account")
    line_position = SelectField(
        "Line Position",
        choices=options((p.value, p.label) for p in LinePosition),
        validate_choice=False,
    )
    staff_role = SelectField(
        "Staff role",
        choices=options([("", "No staff role"), *((r.value, r.label) for r in StaffRole)]),
        validate_choice=False,
    )
    submit = SubmitField("Update Special Info")


class CommentForm(FlaskForm):
    body = TextAreaField(
        "Add a comment", validators=[DataRequired("Write a comment first."), Length(max=4000)]
    )
    submit = SubmitField("Add Comment")


class DeleteAccountForm(FlaskForm):
    confirm = BooleanField(
        "I understand this permanently deletes the account",
        validators=[DataRequired("Tick the box to confirm the deletion.")],
    )
    submit = SubmitField("Delete Account")


class AdjustLoyaltyForm(FlaskForm):
    # The labels of spec 002's "Adjust Loyalty Points" dialog; the service checks the values.
    action = SelectField(
        "Action",
        choices=options([("add", "Add Points"), ("deduct", "Deduct Points")]),
        validate_choice=False,
    )
    points = StringField("Number of Points", validators=[Length(max=20)])
    reason = StringField("Reason", validators=[Length(max=200)])
    next = HiddenField()
    submission_key = HiddenField(default=lambda: secrets.token_hex(16))
    submit = SubmitField("Adjust Points")


class EnrollLoyaltyForm(FlaskForm):
    submit = SubmitField("Open a loyalty account")


class BonusPointsForm(FlaskForm):
    points = StringField("Number of Points", validators=[Length(max=20)])
    reason = StringField("Reason", validators=[Length(max=200)])
    # The grid's current search and filters: the customers who get the points.
    search = HiddenField()
    status = HiddenField()
    type = HiddenField()
    verified = HiddenField()
    segment = HiddenField()
    next = HiddenField()
    submit = SubmitField("Give Bonus Points")


class GroupTaxForm(VersionedForm):
    customer_group_id = SelectField("Customer group", coerce=str, validate_choice=False)
    tax_exempt = BooleanField("Tax exempt")
    vat_id = StringField("VAT ID", validators=[Length(max=40)])
    submit = SubmitField("Save Group & Tax")


class InviteGuestForm(FlaskForm):
    submit = SubmitField("Invite to register")


class SendResetLinkForm(FlaskForm):
    submit = SubmitField("Send password reset link")

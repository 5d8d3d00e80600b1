"""The manager's forms on the customer details page, with the labels of spec 000."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..accounts.forms import VersionedForm, options
from ..accounts.models import LinePosition
from ..staff.roles import StaffRole


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


class InviteGuestForm(FlaskForm):
    submit = SubmitField("Invite to register")

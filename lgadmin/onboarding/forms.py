"""The forms of "Add Customers" and of the shopper pages. Rules live in the services;
these check presence and length and carry the CSRF token."""

import secrets

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import (
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
    TelField,
    TextAreaField,
)
from wtforms.validators import EqualTo, InputRequired, Length, Optional

from .invitations import MAX_MESSAGE


def _choice(value):
    return int(value) if value not in (None, "", "None") else None


class PickupChoices:
    def set_pickup_choices(self, market) -> None:
        """The market's own active pickup locations, or no field when it doesn't use them."""
        if not market.pickup_locations_enabled:
            del self.pickup_location_id
            return
        locations = [pl for pl in market.pickup_locations if pl.active]
        self.pickup_location_id.choices = [(None, "No pickup location")] + [
            (pl.id, pl.name) for pl in locations
        ]


class AddCustomerForm(PickupChoices, FlaskForm):
    # Checked by the service, so every problem shows at once.
    first_name = StringField("First name")
    last_name = StringField("Last name")
    email = EmailField("Email")
    phone = TelField("Phone")
    pickup_location_id = SelectField("Pickup location", coerce=_choice, validate_choice=False)
    submit = SubmitField("Create Account")


class UploadCsvForm(FlaskForm):
    file = FileField(
        "CSV or Excel file", [FileRequired("Choose a CSV or Excel (.xlsx) file to upload.")]
    )
    submit = SubmitField("Preview")


class ImportForm(FlaskForm):
    submit = SubmitField("Import")


class InvitationsForm(FlaskForm):
    addresses = TextAreaField("Email addresses", [InputRequired("Paste at least one address.")])
    message = TextAreaField("Personal message (optional)", [Optional()])
    # A fresh key per form shown; the same form sent twice sends once.
    submission_key = HiddenField(default=lambda: secrets.token_hex(16))
    submit = SubmitField("Send Invitations")

    max_message = MAX_MESSAGE


class SignupForm(PickupChoices, FlaskForm):
    # The details are checked by the service (onboarding.values), the passwords here.
    first_name = StringField("First name")
    last_name = StringField("Last name")
    email = EmailField("Email")
    phone = TelField("Phone")
    address_line1 = StringField("Address")
    address_line2 = StringField("Address line 2")
    city = StringField("City")
    region = StringField("State")
    postal_code = StringField("ZIP code")
    pickup_location_id = SelectField("Pickup location", coerce=_choice, validate_choice=False)
    password = PasswordField("Password", [InputRequired(), Length(max=200)])
    confirm = PasswordField(
        "Password again", [InputRequired(), EqualTo("password", "The passwords don't match.")]
    )
    invitation = HiddenField()
    submit = SubmitField("Create my account")


class ForgotPasswordForm(FlaskForm):
    email = EmailField("Email", [InputRequired(), Length(max=254)])
    submit = SubmitField("Send me a link")


class SetPasswordForm(FlaskForm):
    password = PasswordField("New password", [InputRequired(), Length(max=200)])
    confirm = PasswordField(
        "New password again", [InputRequired(), EqualTo("password", "The passwords don't match.")]
    )
    submit = SubmitField("Set password")

"""The address book's forms, shared by the shopper's address book and the customer's
details page."""

from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField
from wtforms.validators import Length

from .service import FIELDS


class AddressForm(FlaskForm):
    label = StringField("Label (e.g. Home, Work)", validators=[Length(max=40)])
    recipient = StringField("Name on the address", validators=[Length(max=160)])
    # Worded apart from Edit Customer Info's "Address", "City", "State" on the same page.
    line1 = StringField("Street address", validators=[Length(max=200)])
    line2 = StringField("Apartment, suite", validators=[Length(max=200)])
    city = StringField("Town", validators=[Length(max=100)])
    region = StringField("Region", validators=[Length(max=100)])
    postal_code = StringField("Postcode / ZIP", validators=[Length(max=20)])
    country = StringField("Country code", default="US", validators=[Length(max=2)])
    default_billing = BooleanField("Default billing address")
    default_shipping = BooleanField("Default shipping address")
    submit = SubmitField("Save Address")

    def values(self) -> dict:
        """The address as addresses.service.save_address takes it."""
        return {name: self[name].data for name in FIELDS}

    def show_problems(self, problems: dict[str, str]) -> None:
        """The service's refusals, each beside its field."""
        for name, problem in problems.items():
            self[name].errors = [*self[name].errors, problem]


class DeleteAddressForm(FlaskForm):
    submit = SubmitField("Remove")

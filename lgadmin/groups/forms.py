"""A customer's group and tax status, on the customer details page."""

from wtforms import BooleanField, SelectField, StringField, SubmitField
from wtforms.validators import Length

from ..accounts.forms import VersionedForm


class GroupTaxForm(VersionedForm):
    customer_group_id = SelectField("Customer group", coerce=str, validate_choice=False)
    tax_exempt = BooleanField("Tax exempt")
    vat_id = StringField("VAT ID", validators=[Length(max=40)])
    submit = SubmitField("Save Group & Tax")

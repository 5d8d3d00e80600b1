"""The manager's membership change on the customer details page."""

from wtforms import DateField, SelectField, SubmitField
from wtforms.validators import Optional

from ..accounts.forms import VersionedForm, options
from .service import CHANGES


class MembershipForm(VersionedForm):
    change = SelectField(
        "Adjustment",
        choices=options([("", "Choose…")] + [(key, label) for key, (label, _) in CHANGES.items()]),
        validate_choice=False,
    )
    expires_on = DateField("Or set an expiration date", validators=[Optional()])
    submit = SubmitField("Update Membership")

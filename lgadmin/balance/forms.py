"""The manager's balance adjustment on the customer details page."""

import secrets

from flask_wtf import FlaskForm
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, Length

from ..accounts.forms import options
from .service import REASONS


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

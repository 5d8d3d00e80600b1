"""The manager's loyalty forms: one customer's points, and bonus points to many."""

import secrets

from flask_wtf import FlaskForm
from wtforms import HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import Length

from ..accounts.forms import options


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

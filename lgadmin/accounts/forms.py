"""What the manager's forms on an account share: select choices, and the account's version."""

from flask_wtf import FlaskForm
from wtforms import IntegerField, SelectChoice
from wtforms.validators import Optional
from wtforms.widgets import HiddenInput


def options(pairs) -> list[SelectChoice]:
    """(value, label) pairs as the choices of a SelectField."""
    return [SelectChoice(str(value), label) for value, label in pairs]


class VersionedForm(FlaskForm):
    """Carries the account's version, so a stale form is refused rather than applied."""

    version = IntegerField(widget=HiddenInput(), validators=[Optional()])

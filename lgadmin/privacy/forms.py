from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import ValidationError

CONFIRM_WORD = "ERASE"


class EraseCustomerForm(FlaskForm):
    confirm = StringField(f"Type {CONFIRM_WORD} to confirm")
    submit = SubmitField("Erase customer")

    def validate_confirm(self, field):
        if (field.data or "").strip() != CONFIRM_WORD:
            raise ValidationError(f"Type {CONFIRM_WORD} in capitals to erase this customer.")


class DataRequestForm(FlaskForm):
    """The account page's two buttons: only the CSRF token travels."""

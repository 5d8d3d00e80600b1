"""The shopper's account page: the cart, cards, address book and the parts other domains add.

Rendered by the account route and again, with the refused form, by the address book's."""

from flask import render_template
from flask_wtf import FlaskForm
from wtforms import StringField, SubmitField
from wtforms.validators import Length

from ..act_as.service import recent_help
from ..addresses.forms import AddressForm, DeleteAddressForm
from ..addresses.service import address_book
from ..payments.service import shopper_card_context
from .pages import ACCOUNT_PAGE_PARTS
from .service import cart_lines

MAX_VAT_ID = 40


class VatIdForm(FlaskForm):
    vat_id = StringField("VAT ID", validators=[Length(max=MAX_VAT_ID)])
    submit = SubmitField("Save VAT ID")


def address_book_context(account, edited=None) -> dict:
    """What the account page's Address Book section needs; `edited` re-shows a refused form."""
    forms = []
    for address in address_book(account):
        if edited and edited[0] == address.id:
            forms.append((address, edited[1]))
        else:
            forms.append(
                (address, AddressForm(formdata=None, obj=address, prefix=f"a{address.id}"))
            )
    new_form = (
        edited[1] if edited and edited[0] is None else AddressForm(formdata=None, prefix="new")
    )
    return {
        "address_forms": forms,
        "new_address_form": new_form,
        "delete_address_form": DeleteAddressForm(formdata=None),
        "vat_form": VatIdForm(formdata=None, vat_id=account.vat_id),
    }


def account_page(market, account, edited=None, status=200):
    parts = {}
    for part in ACCOUNT_PAGE_PARTS:
        parts.update(part(account))

    return render_template(
        "lgadmin/shop/account.html",
        market=market,
        account=account,
        lines=cart_lines(account),
        helped=recent_help(account),
        **shopper_card_context(account.id),
        **address_book_context(account, edited),
        **parts,
    ), status

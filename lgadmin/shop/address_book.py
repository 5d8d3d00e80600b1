"""The shopper's Address Book and VAT ID on their account page (specs 001, 003, 004)."""

from flask import Blueprint, abort, flash, redirect, url_for

from ..addresses.forms import AddressForm, DeleteAddressForm
from ..addresses.service import AddressError, address_of, delete_address, save_address
from ..extensions import db
from .account_page import MAX_VAT_ID, VatIdForm, account_page
from .pages import shopper_page

bp = Blueprint("lgadmin_shop_addresses", __name__)


@bp.route("/<market_slug>/account/addresses", methods=["POST"])
@shopper_page
def add_address(market, account):
    return _save(market, account, None, AddressForm(prefix="new"))


@bp.route("/<market_slug>/account/addresses/<lgadmin_id:address_id>", methods=["POST"])
@shopper_page
def edit_address(market, account, address_id: int):
    address = address_of(account, address_id) or abort(404)
    return _save(market, account, address, AddressForm(prefix=f"a{address.id}"))


@bp.route("/<market_slug>/account/addresses/<lgadmin_id:address_id>/delete", methods=["POST"])
@shopper_page
def remove_address(market, account, address_id: int):
    address = address_of(account, address_id) or abort(404)
    if not DeleteAddressForm().validate_on_submit():
        abort(400)
    delete_address(account, account, address)
    db.session.commit()
    flash("Address removed.", "success")
    return redirect(url_for("lgadmin_shop.account", market_slug=market.slug) + "#address-book")


@bp.route("/<market_slug>/account/vat-id", methods=["POST"])
@shopper_page
def vat_id(market, account):
    form = VatIdForm()
    if not form.validate_on_submit():
        flash(f"Keep the VAT ID to {MAX_VAT_ID} characters or fewer.", "error")
    else:
        account.vat_id = " ".join((form.vat_id.data or "").split()).upper()
        db.session.commit()
        flash("VAT ID saved.", "success")
    return redirect(url_for("lgadmin_shop.account", market_slug=market.slug))


def _save(market, account, address, form):
    if form.validate_on_submit():
        try:
            save_address(
                account,
                account,
                form.values(),
                address=address,
                default_billing=form.default_billing.data,
                default_shipping=form.default_shipping.data,
            )
            db.session.commit()
        except AddressError as error:
            db.session.rollback()
            form.show_problems(error.problems)
        else:
            flash("Address saved.", "success")
            return redirect(
                url_for("lgadmin_shop.account", market_slug=market.slug) + "#address-book"
            )
    elif form.csrf_token.errors:
        abort(400)
    key = address.id if address is not None else None
    return account_page(market, account, edited=(key, form), status=400)

"""The customer's address book on the details page (spec 003): add, edit, remove."""

from flask import abort, flash
from flask_admin import expose

from ..accounts.models import Account
from ..admin.base import PartView
from ..admin.sections import SectionPart
from ..extensions import db
from ..identity import current_account
from ..staff import roles
from ..staff.roles import requires
from ..tenancy import get_in_market, require_market
from .forms import AddressForm, DeleteAddressForm
from .service import AddressError, address_book, address_of, delete_address, save_address


def addresses_section(account, market, forms) -> SectionPart:
    edited = forms.get("address")  # (address id or None, form) re-shown with its errors
    address_forms = []
    for address in address_book(account):
        if edited and edited[0] == address.id:
            form = edited[1]
        else:
            form = AddressForm(formdata=None, obj=address, prefix=f"a{address.id}")
        address_forms.append((address, form))
    new_address = (
        edited[1] if edited and edited[0] is None else AddressForm(formdata=None, prefix="new")
    )
    return SectionPart(
        "lgadmin/addresses/_details_section.html",
        {
            "address_forms": address_forms,
            "new_address_form": new_address,
            "delete_address_form": DeleteAddressForm(formdata=None),
        },
    )


class CustomerAddressesView(PartView):
    required_permission = roles.VIEW_CUSTOMERS

    @expose("/<lgadmin_id:account_id>/addresses", methods=("POST",))
    @requires(roles.MANAGE_ADDRESSES)
    def add_address_view(self, account_id: int):
        account = get_in_market(Account, account_id, require_market())
        return self._save_address(account, None, AddressForm(prefix="new"))

    @expose("/<lgadmin_id:account_id>/addresses/<lgadmin_id:address_id>", methods=("POST",))
    @requires(roles.MANAGE_ADDRESSES)
    def edit_address_view(self, account_id: int, address_id: int):
        account = get_in_market(Account, account_id, require_market())
        address = _address(account, address_id)
        return self._save_address(account, address, AddressForm(prefix=f"a{address.id}"))

    @expose("/<lgadmin_id:account_id>/addresses/<lgadmin_id:address_id>/delete", methods=("POST",))
    @requires(roles.MANAGE_ADDRESSES)
    def delete_address_view(self, account_id: int, address_id: int):
        account = get_in_market(Account, account_id, require_market())
        address = _address(account, address_id)
        if DeleteAddressForm().validate_on_submit():
            delete_address(account, current_account, address)
            db.session.commit()
            flash("Address removed.", "success")
        return self.back_to_details(account, "addresses")

    def _save_address(self, account, address, form):
        if form.validate_on_submit():
            try:
                save_address(
                    account,
                    current_account,
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
                return self.back_to_details(account, "addresses")
        key = address.id if address is not None else None
        return self.details_page(account, 400, address=(key, form))


def _address(account, address_id):
    address = address_of(account, address_id)
    if address is None:
        abort(404)
    return address

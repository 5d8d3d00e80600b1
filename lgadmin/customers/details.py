"""The customer's own sections of the details page: who they are, their orders, cart, comments.

Each is a section (admin.sections): it reads what it shows and names its template; the forms a
refused POST re-shows come in `forms`, under the keys the customer views use.
"""

from sqlalchemy import func, select

from ..accounts.models import Comment
from ..admin.sections import SectionPart
from ..catalog.models import Product
from ..contact import display_phone, market_region
from ..deliverability.complaints import spam_complaint_on
from ..extensions import db
from ..orders.models import CartItem, Order
from .forms import (
    CommentForm,
    DeleteAccountForm,
    EditInfoForm,
    InviteGuestForm,
    SpecialInfoForm,
    options,
)
from .service import may_delete

RECENT_ORDERS = 25


def invite_guest_button(account, market, forms) -> SectionPart:
    return SectionPart(
        "lgadmin/customers/_invite_guest_button.html",
        {"invite_guest_form": InviteGuestForm(formdata=None)},
    )


def edit_info_button(account, market, forms) -> SectionPart:
    return SectionPart(
        "lgadmin/customers/_edit_info_button.html",
        {"open_section": forms.get("open_section", "")},
    )


def edit_info_section(account, market, forms) -> SectionPart:
    pickups = options(
        [("", "No pickup location")] + [(p.id, p.name) for p in market.pickup_locations]
    )
    edit = forms.get("edit") or EditInfoForm(formdata=None, obj=account)
    edit.pickup_location_id.choices = pickups
    if "edit" not in forms:
        edit.pickup_location_id.data = str(account.pickup_location_id or "")
        edit.phone.data = display_phone(account.phone, market_region(market))
    return SectionPart(
        "lgadmin/customers/_edit_info.html",
        {"edit_form": edit, "open_section": forms.get("open_section", "")},
    )


def account_information_section(account, market, forms) -> SectionPart:
    return SectionPart(
        "lgadmin/customers/_account_information.html",
        {"phone": display_phone(account.phone, market_region(market))},
    )


def special_information_section(account, market, forms) -> SectionPart:
    form = forms.get("special") or SpecialInfoForm(
        formdata=None,
        obj=account,
        line_position=account.line_position.value,
        staff_role=account.staff_role.value if account.staff_role else "",
    )
    return SectionPart(
        "lgadmin/customers/_special_information.html",
        {"special_form": form, "spam_complaint_on": spam_complaint_on(account)},
    )


def grower_section(account, market, forms) -> SectionPart | None:
    if account.grower is None:
        return None
    active_products = db.session.scalar(
        select(func.count()).where(Product.grower_id == account.grower.id, Product.active)
    )
    return SectionPart("lgadmin/customers/_grower.html", {"active_products": active_products})


def orders_section(account, market, forms) -> SectionPart:
    orders = db.session.scalars(
        select(Order)
        .where(Order.account_id == account.id)
        .order_by(Order.placed_at.desc(), Order.id.desc())
        .limit(RECENT_ORDERS)
    ).all()
    count = db.session.scalar(select(func.count()).where(Order.account_id == account.id))
    return SectionPart("lgadmin/customers/_orders.html", {"orders": orders, "order_count": count})


def cart_section(account, market, forms) -> SectionPart:
    items = db.session.scalars(
        select(CartItem).where(CartItem.account_id == account.id).order_by(CartItem.id)
    )
    cart = [
        {
            "name": item.product.name,
            "quantity": item.quantity,
            "unit": item.product.unit,
            "price_cents": item.product.price_cents,
            "total_cents": int(item.product.price_cents * item.quantity),
        }
        for item in items
    ]
    return SectionPart(
        "lgadmin/customers/_cart.html",
        {"cart": cart, "cart_total_cents": sum(line["total_cents"] for line in cart)},
    )


def comments_section(account, market, forms) -> SectionPart:
    comments = db.session.scalars(
        select(Comment)
        .where(Comment.account_id == account.id)
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    ).all()
    return SectionPart(
        "lgadmin/customers/_comments.html",
        {"comments": comments, "comment_form": forms.get("comment") or CommentForm(formdata=None)},
    )


def delete_account_section(account, market, forms) -> SectionPart:
    return SectionPart(
        "lgadmin/customers/_delete_account.html",
        {
            "deletion": may_delete(account),
            "delete_form": forms.get("delete") or DeleteAccountForm(formdata=None),
        },
    )

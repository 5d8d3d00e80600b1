"""The customer's cards on the details page (Payment Information)."""

from sqlalchemy import select

from ..admin.sections import SectionPart
from ..extensions import db
from .client import payments_enabled
from .models import PaymentMethod


def payment_information_section(account, market, forms) -> SectionPart:
    methods = db.session.scalars(
        select(PaymentMethod)
        .where(PaymentMethod.account_id == account.id)
        .order_by(PaymentMethod.is_default.desc(), PaymentMethod.id)
    ).all()
    return SectionPart(
        "lgadmin/payments/_details_section.html",
        {"payment_methods": methods, "payments_enabled": payments_enabled()},
    )

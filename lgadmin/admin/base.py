"""What every lgadmin admin view shares: who may enter, and the market filter."""

from flask import abort, g, redirect, request, url_for
from flask_admin import BaseView
from flask_admin.contrib.sqla import ModelView
from flask_login import current_user
from flask_wtf import FlaskForm

from ..extensions import db
from ..staff.roles import can, is_staff
from ..tenancy import require_market
from ..urls import parse_id


def is_admin_user() -> bool:
    """Market managers, superusers and staff with a role reach the admin; nobody else."""
    return is_staff(current_user)


class AdminAccessMixin:
    # The staff permission a screen needs (staff.roles); None: anyone who reaches the admin.
    required_permission: str | None = None

    def is_accessible(self) -> bool:
        if not is_admin_user():
            return False
        return self.required_permission is None or can(self.required_permission)

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.sign_in", next=request.full_path.rstrip("?")))
        if g.get("act_as") is not None:
            abort(403, "The admin is closed while you act as a customer: end the session first.")
        abort(403)


class SuperuserOnlyMixin(AdminAccessMixin):
    def is_accessible(self) -> bool:
        return is_admin_user() and current_user.is_superuser

    def is_visible(self) -> bool:
        return self.is_accessible()


class AdminView(AdminAccessMixin, BaseView):
    pass


class MarketModelView(AdminAccessMixin, ModelView):
    """A ModelView that only ever sees the current market's rows.

    Flask-Admin's get_one ignores get_query and its count query does not
    inherit it; both are routed through the same market filter here, and an
    id of another market is a 404.
    """

    model_class: type  # the market-owned model this view lists
    form_base_class = FlaskForm  # CSRF on every form, delete and action
    page_size = 50
    can_set_page_size = True
    page_size_options = (50, 100, 200, 500, 1000)

    def __init__(self, **kwargs):
        super().__init__(self.model_class, db, **kwargs)

    def get_query(self):
        return super().get_query().filter(self.model.market_id == require_market().id)

    def get_count_query(self):
        return super().get_count_query().filter(self.model.market_id == require_market().id)

    def get_one(self, id):
        pk = parse_id(id)
        if pk is None:
            abort(404)
        record = self.get_query().filter(self.model.id == pk).one_or_none()
        if record is None:
            abort(404)
        return record

    def on_model_change(self, form, model, is_created):
        market = require_market()
        if is_created:
            model.market_id = market.id
        elif model.market_id != market.id:
            abort(404)

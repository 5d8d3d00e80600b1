"""The host's own back office: a Flask-Admin with ModelViews of its products and orders."""

from flask import redirect, request, url_for
from flask_admin import Admin
from flask_admin.contrib.sqla import ModelView
from flask_admin.theme import Bootstrap4Theme
from flask_login import current_user

from .models import Order, Product, db


class HostModelView(ModelView):
    def is_accessible(self):
        return current_user.is_authenticated and current_user.is_admin

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path))


class ProductView(HostModelView):
    column_list = ("name", "price_cents")


class OrderView(HostModelView):
    column_list = ("user.email", "product", "quantity", "placed_at")


def build_admin(app) -> Admin:
    # The host's layout for every admin screen, lgadmin's included.
    admin = Admin(
        app,
        name="Green Valley",
        theme=Bootstrap4Theme(base_template="host/admin_base.html", fluid=True),
    )
    admin.add_view(ProductView(Product, db, name="Products"))
    admin.add_view(OrderView(Order, db, name="Orders"))
    return admin

"""The host's own pages."""

from flask import Blueprint, render_template

from .models import Product, db

bp = Blueprint("pages", __name__)


@bp.route("/")
def home():
    products = db.session.scalars(db.select(Product).order_by(Product.name)).all()
    return render_template("host/home.html", products=products)

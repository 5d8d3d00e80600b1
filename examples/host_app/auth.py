"""The host's own sign-in: a blueprint called `auth`, as many Flask apps have."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import login_required, login_user, logout_user
from sqlalchemy import select

from .models import User, db

bp = Blueprint("auth", __name__)


@bp.route("/login", methods=["GET", "POST"])
def login():
    if request.method == "POST":
        user = db.session.scalar(select(User).where(User.email == request.form.get("email", "")))
        if user is not None and user.check_password(request.form.get("password", "")):
            login_user(user)
            target = request.args.get("next") or ""
            # Only a path of this site, never another site's address.
            if not target.startswith("/") or target.startswith("//"):
                target = url_for("pages.home")
            return redirect(target)
        flash("That email and password don't match.")
    return render_template("host/login.html")


@bp.route("/logout", methods=["POST"])
@login_required
def logout():
    logout_user()
    return redirect(url_for("pages.home"))

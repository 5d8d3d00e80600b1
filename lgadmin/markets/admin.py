"""Market Settings: time zone, loyalty program and sign-in by emailed link, for its managers."""

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField

from ..admin.base import AdminView
from ..extensions import db
from ..staff import roles
from ..tenancy import require_market
from .settings import SettingsError, update_market_settings


class MarketSettingsForm(FlaskForm):
    timezone = StringField("Time zone")
    loyalty_enabled = BooleanField("Loyalty program on")
    points_per_unit = StringField("Points earned per whole dollar spent")
    point_value_cents = StringField("Value of one point at checkout (cents)")
    sign_in_link_enabled = BooleanField("Shoppers may sign in by an emailed link")
    submit = SubmitField("Save Settings")


class MarketSettingsView(AdminView):
    required_permission = roles.MARKET_SETTINGS

    @expose("/", methods=("GET", "POST"))
    @roles.requires(roles.MARKET_SETTINGS)
    def index(self):
        market = require_market()
        form = MarketSettingsForm(
            formdata=request.form if request.method == "POST" else None,
            timezone=market.timezone,
            loyalty_enabled=market.loyalty_enabled,
            points_per_unit=str(market.loyalty_points_per_unit),
            point_value_cents=str(market.loyalty_point_value_cents),
            sign_in_link_enabled=market.sign_in_link_enabled,
        )
        if form.validate_on_submit():
            try:
                changed = update_market_settings(
                    current_user,
                    market,
                    timezone=form.timezone.data,
                    loyalty_enabled=form.loyalty_enabled.data,
                    points_per_unit=form.points_per_unit.data,
                    point_value_cents=form.point_value_cents.data,
                    sign_in_link_enabled=form.sign_in_link_enabled.data,
                )
                db.session.commit()
            except SettingsError as error:
                db.session.rollback()
                form[error.field].errors = [*form[error.field].errors, str(error)]
            else:
                flash("Settings saved." if changed else "Nothing changed.", "success")
                return redirect(url_for(".index"))
        status = 400 if request.method == "POST" else 200
        return self.render("lgadmin/markets/settings.html", form=form, market=market), status

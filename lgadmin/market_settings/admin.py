"""Market Settings: time zone, loyalty, sign-in by emailed link and the market's mail."""

from flask import flash, redirect, request, url_for
from flask_admin import expose
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, SubmitField

from ..admin.base import AdminView
from ..deliverability.sends import market_reply_to
from ..extensions import db
from ..identity import current_account
from ..mail import platform_address
from ..staff import roles
from ..tenancy import require_market
from .service import SettingsError, update_market_settings


class MarketSettingsForm(FlaskForm):
    timezone = StringField("Time zone")
    loyalty_enabled = BooleanField("Loyalty program on")
    points_per_unit = StringField("Points earned per whole dollar spent")
    point_value_cents = StringField("Value of one point at checkout (cents)")
    sign_in_link_enabled = BooleanField("Shoppers may sign in by an emailed link")
    mail_sender_name = StringField("Sender name")
    mail_reply_to = StringField("Reply-To address")
    mail_unsubscribe_mailbox = StringField("Unsubscribe mailbox")
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
            mail_sender_name=market.mail_sender_name,
            mail_reply_to=market.mail_reply_to,
            mail_unsubscribe_mailbox=market.mail_unsubscribe_mailbox,
        )
        if form.validate_on_submit():
            try:
                changed = update_market_settings(
                    current_account,
                    market,
                    timezone=form.timezone.data,
                    loyalty_enabled=form.loyalty_enabled.data,
                    points_per_unit=form.points_per_unit.data,
                    point_value_cents=form.point_value_cents.data,
                    sign_in_link_enabled=form.sign_in_link_enabled.data,
                    mail_sender_name=form.mail_sender_name.data or "",
                    mail_reply_to=form.mail_reply_to.data or "",
                    mail_unsubscribe_mailbox=form.mail_unsubscribe_mailbox.data or "",
                )
                db.session.commit()
            except SettingsError as error:
                db.session.rollback()
                form[error.field].errors = [*form[error.field].errors, str(error)]
            else:
                flash("Settings saved." if changed else "Nothing changed.", "success")
                return redirect(url_for(".index"))
        status = 400 if request.method == "POST" else 200
        return (
            self.render(
                "lgadmin/markets/settings.html",
                form=form,
                market=market,
                default_reply_to=", ".join(market_reply_to(market, default=True)),
                platform_address=platform_address(),
            ),
            status,
        )

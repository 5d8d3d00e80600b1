"""The admin index: the current market's dashboard, and the superuser's market switcher."""

from flask import flash, redirect, request, url_for
from flask_admin import AdminIndexView, expose
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import DataRequired

from ..admin.base import AdminAccessMixin
from ..customers.figures import market_figures
from ..deliverability.sends import bounce_warning
from ..staff.roles import VIEW_CUSTOMERS, requires, requires_superuser
from ..tenancy import current_market, switch_market
from ..urls import safe_next_url


class SwitchMarketForm(FlaskForm):
    market_id = IntegerField(validators=[DataRequired()])


class DashboardView(AdminAccessMixin, AdminIndexView):
    @expose("/")
    @requires(VIEW_CUSTOMERS)
    def index(self):
        market = current_market()
        figures = market_figures(market) if market else None
        warning = bounce_warning(market) if market else None
        return self.render(
            "lgadmin/admin/dashboard.html", market=market, figures=figures, bounce_warning=warning
        )

    @expose("/switch-market", methods=["POST"])
    @requires_superuser
    def switch_market_view(self):
        form = SwitchMarketForm()
        if not form.validate_on_submit() or switch_market(form.market_id.data) is None:
            flash("Choose one of the markets in the list.", "error")
        # Stay on the same screen, now for the chosen market; a record of the
        # previous market would be a 404, so detail pages fall back to the list.
        target = safe_next_url(request.form.get("next")) or url_for(".index")
        if "/details/" in target or "/edit/" in target:
            target = target.split("/details/")[0].split("/edit/")[0] + "/"
        return redirect(target)

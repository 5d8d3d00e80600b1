"""The grid's filters (segment criteria in the URL, or a saved segment), and its metrics cards
as a view of their own under /admin/customers."""

from dataclasses import dataclass, field

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    request,
    url_for,
)
from flask_admin import expose

from ..admin.base import PartView
from ..segments.criteria import Criteria, describe, parse_criteria
from ..segments.grid import CUSTOMER_TYPES, VERIFIED_CHOICES
from ..segments.models import Segment
from ..segments.service import pickup_name, segment_criteria, segment_with_pickup_name
from ..staff import roles
from ..tenancy import require_market
from ..urls import safe_next_url
from .chart import weekly_chart
from .figures import market_figures, request_refresh
from .metrics import DEFINITIONS

ACTIVE_ONLY = "active"
METRICS_MAX_AGE = 60  # seconds the browser may reuse the cards


@dataclass
class GridFilters:
    active_only: bool = False
    customer_type: str | None = None  # Registered / Guest
    verified: str | None = None  # Verified / Unverified
    criteria: Criteria = field(default_factory=Criteria)
    segment: Segment | None = None
    badges: list[str] = field(default_factory=list)

    @property
    def extra_args(self) -> dict:
        args = {"status": ACTIVE_ONLY} if self.active_only else {}
        if self.customer_type:
            args["type"] = self.customer_type
        if self.verified:
            args["verified"] = self.verified
        if self.segment is not None:
            args["segment"] = self.segment.id
        else:
            args.update(self.criteria.raw)
        return args

    @property
    def values(self) -> dict:
        """Criteria to filter with: refused criteria filter nothing (and say so)."""
        return self.criteria.values if self.criteria.is_valid else {}


def read_grid_filters(args) -> GridFilters:
    """The toggle and the criteria of a grid URL; another market's segment id is a 404."""
    market = require_market()
    filters = GridFilters(
        active_only=args.get("status") == ACTIVE_ONLY,
        customer_type=args.get("type") if args.get("type") in CUSTOMER_TYPES else None,
        verified=args.get("verified") if args.get("verified") in VERIFIED_CHOICES else None,
    )
    name = None
    if args.get("segment"):
        found = segment_with_pickup_name(market, args.get("segment"))
        if found is None:
            abort(404)
        filters.segment, name = found
        filters.criteria = segment_criteria(filters.segment)
    else:
        filters.criteria = parse_criteria(args)
        chosen = filters.criteria.values.get("pickup_location")
        if chosen is not None:
            name = pickup_name(market, chosen)
            if name is None:
                filters.criteria.errors["pickup_location"] = "Choose one of your pickup locations."
                filters.criteria.values = {}
    filters.badges = describe(filters.values, market.currency, name)
    return filters


def grid_filters() -> GridFilters:
    if "customer_filters" not in g:
        g.customer_filters = read_grid_filters(request.args)
    return g.customer_filters


class CustomerMetricsView(PartView):
    """The cards and chart beside the grid, read with the grid's access check."""

    required_permission = roles.VIEW_CUSTOMERS

    @expose("/metrics")
    @roles.requires(roles.VIEW_CUSTOMERS)
    def metrics_view(self):
        """The cards and the weekly chart; the grid page loads them after its rows."""
        market = require_market()
        fragment = request.args.get("fragment") == "1"
        figures = market_figures(market)
        html = self.render(
            f"lgadmin/customers/{'_metrics' if fragment else 'metrics'}.html",
            market=market,
            figures=figures,
            metrics=figures.cards,
            chart=weekly_chart(figures.weekly) if figures.weekly else None,
            definitions=DEFINITIONS,
        )
        response = Response(html)
        response.headers["Cache-Control"] = f"private, max-age={METRICS_MAX_AGE}"
        return response

    @expose("/metrics/refresh", methods=["POST"])
    @roles.requires(roles.REFRESH_FIGURES)
    def refresh_view(self):
        """Refresh beside kept figures: queue their recomputation (one at a time per market)."""
        if request_refresh(require_market()):
            flash("The figures are being recomputed.", "success")
        else:
            flash("The figures are already being recomputed.", "info")
        target = safe_next_url(request.form.get("next"))
        return redirect(target or url_for("lgadmin_customers.index_view"))

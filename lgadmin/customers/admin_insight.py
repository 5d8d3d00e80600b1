"""The grid's filters (segment criteria in the URL, or a saved segment), its metrics cards
and its CSV / Excel export, mixed into the customer ModelView."""

from dataclasses import dataclass, field

from flask import (
    Response,
    abort,
    flash,
    g,
    redirect,
    request,
)
from flask_admin import expose
from flask_login import current_user

from ..search import search_words
from ..segments.criteria import Criteria, describe, parse_criteria
from ..segments.grid import CUSTOMER_TYPES, VERIFIED_CHOICES, customer_filter, sort_orders
from ..segments.models import Segment
from ..segments.service import pickup_name, segment_criteria, segment_with_pickup_name
from ..staff import roles
from ..tenancy import require_market
from ..timeutil import market_today
from .chart import weekly_chart
from .export import EXPORT_FORMATS, customers_download, export_filename
from .metrics import DEFINITIONS, customer_metrics, weekly_activity

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


class CustomerInsightMixin:
    """Endpoints beside the grid that read the same arguments as the grid."""

    @expose("/metrics")
    @roles.requires(roles.VIEW_CUSTOMERS)
    def metrics_view(self):
        """The cards and the weekly chart; the grid page loads them after its rows."""
        market = require_market()
        fragment = request.args.get("fragment") == "1"
        html = self.render(
            f"lgadmin/customers/{'_metrics' if fragment else 'metrics'}.html",
            market=market,
            metrics=customer_metrics(market),
            chart=weekly_chart(weekly_activity(market)),
            definitions=DEFINITIONS,
        )
        response = Response(html)
        response.headers["Cache-Control"] = f"private, max-age={METRICS_MAX_AGE}"
        return response

    @expose("/export/<fmt>")
    @roles.requires(roles.EXPORT_CUSTOMERS)
    def export_view(self, fmt: str):
        """The current grid view (search, toggle, criteria or segment, sort) as CSV or Excel."""
        if fmt not in EXPORT_FORMATS:
            abort(404)
        market = require_market()
        view_args = self._get_list_extra_args()
        filters = grid_filters()
        if not filters.criteria.is_valid:
            flash("Fix the marked filters before exporting.", "error")
            return redirect(self._get_list_url(view_args))
        where = customer_filter(
            market,
            search_words(view_args.search),
            filters.active_only,
            filters.values,
            customer_type=filters.customer_type,
            verified=filters.verified,
        )
        column = self._get_column_by_idx(view_args.sort)
        ascending, descending = sort_orders(column[0] if column else None)
        order = descending if view_args.sort_desc else ascending
        name = export_filename(market, filters.segment, market_today(market), fmt)
        segment = filters.segment
        return customers_download(
            current_user,
            market,
            where,
            order,
            fmt,
            name,
            what=f"segment “{segment.name}”" if segment is not None else "the customer grid",
            grid=self._grid_args(view_args),  # the search, filters or segment, and sort
        )

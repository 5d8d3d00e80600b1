"""The customer grid and the details page shell.

The grid is Flask-Admin's list screen over one fast query of the market's customers. The
details page is a shell: its sections come from the registry (admin.sections), each domain's
part with its own template and context, in the order plugin.py registers them.
"""

from urllib.parse import quote

from flask import g, request, url_for
from flask_admin import expose
from flask_admin.model.base import ViewArgs
from markupsafe import Markup, escape

from ..accounts.closed import closed_reason
from ..accounts.models import Account
from ..act_as.service import seat_refusal
from ..admin.base import MarketModelView
from ..admin.sections import details_sections
from ..loyalty.forms import AdjustLoyaltyForm, BonusPointsForm
from ..money import format_money
from ..segments.grid import (
    CUSTOMER_TYPES,
    DEFAULT_SORT,
    SORTS,
    VERIFIED_CHOICES,
    customer_page,
)
from ..staff import roles
from ..staff.roles import can
from ..tenancy import get_in_market, require_market
from ..timeutil import format_date, market_today, to_market_time
from .admin_bulk import BulkActionsMixin, grid_filters_of_request
from .admin_details import READING
from .admin_exports import ExportJobsMixin
from .admin_insight import ACTIVE_ONLY, grid_filters
from .icons import LEGEND, status_icons


class CustomerView(BulkActionsMixin, ExportJobsMixin, MarketModelView):
    model_class = Account
    required_permission = roles.VIEW_CUSTOMERS
    list_template = "lgadmin/customers/list.html"
    details_template = "lgadmin/customers/details.html"
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_list = (
        "first_name",
        "last_name",
        "email",
        "status",
        "joined_at",
        "balance_cents",
        "order_count",
        "total_spent_cents",
        "last_order_at",
    )
    column_labels = {
        "first_name": "First Name",
        "last_name": "Last Name",
        "email": "Email",
        "status": "Status",
        "joined_at": "Joined",
        "balance_cents": "Balance",
        "order_count": "Total Orders",
        "total_spent_cents": "Total Spent",
        "last_order_at": "Last Order",
        "phone": "Phone",
        "pickup_location": "Pickup Location",
    }
    column_sortable_list = tuple(SORTS)
    # Searching is ours (segments.grid); this only turns Flask-Admin's search box on.
    column_searchable_list = ("first_name", "last_name", "email")

    def search_placeholder(self) -> str:
        return "Search name or email"

    def _get_list_extra_args(self) -> ViewArgs:
        view_args = super()._get_list_extra_args()
        # The toggles, a segment or its criteria are ours among the extra arguments; drop the rest.
        view_args.extra_args = grid_filters().extra_args
        g.customer_view_args = view_args
        return view_args

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        filters = grid_filters()
        grid = customer_page(
            require_market(),
            search=search,
            active_only=filters.active_only,
            criteria=filters.values,
            customer_type=filters.customer_type,
            verified=filters.verified,
            sort=sort_column or DEFAULT_SORT,
            descending=bool(sort_desc),
            page=page or 0,
            page_size=page_size or self.page_size,
        )
        g.customer_grid = grid
        return grid.count, grid.rows

    def render(self, template, **kwargs):
        grid = g.get("customer_grid")
        if template == self.list_template and grid is not None:
            kwargs.update(self._grid_context(grid, kwargs))
            kwargs.update(details_sections().grid_context(require_market()))
        return super().render(template, **kwargs)

    # -- the details page ------------------------------------------------------
    @expose("/details/")
    def details_view(self):
        account = get_in_market(Account, request.args.get("id"), require_market())
        return self.render_details(account)

    def render_details(self, account: Account, status: int = 200, **forms):
        """The page with every registered section; `forms` re-shows a refused form."""
        market = require_market()
        # A closed account's page reads, but offers no action: the services refuse them too.
        page_can = (lambda p: can(p) and p in READING) if closed_reason(account) else can
        common = {
            "account": account,
            "model": account,
            "market": market,
            "cur": market.currency,
            "can": page_can,
        }
        sections = details_sections().render_sections(account, market, forms, common)
        html = self.render(
            self.details_template,
            model=account,
            market=market,
            can=page_can,
            sections=sections,
            return_url=url_for("lgadmin_customers.index_view"),
        )
        return html, status

    def _grid_context(self, grid, kwargs) -> dict:
        market = require_market()
        view_args = g.customer_view_args
        today = market_today(market)
        return_url = kwargs["return_url"]
        # Once per page: every row's links carry this return URL, already escaped.
        details_prefix = escape(
            f"{self.get_url('.details_view')}?url={quote(return_url, safe='')}&id="
        )
        filters = grid_filters()
        without_status = {k: v for k, v in view_args.extra_args.items() if k != "status"}
        grid_args = self._grid_args(view_args)
        return {
            "page": grid.page,
            "count_label": f"{grid.count:,}+" if grid.count_is_capped else f"{grid.count:,}",
            "active_only": filters.active_only,
            "all_url": self._get_list_url(view_args.clone(page=0, extra_args=without_status)),
            "active_url": self._get_list_url(
                view_args.clone(page=0, extra_args={**without_status, "status": ACTIVE_ONLY})
            ),
            "filters": filters,
            "clear_filters_url": self._get_list_url(
                view_args.clone(
                    page=0, extra_args={"status": ACTIVE_ONLY} if filters.active_only else {}
                )
            ),
            "filter_url": url_for("lgadmin_segments.new_view", **filters.criteria.raw)
            if filters.segment is None
            else url_for("lgadmin_segments.edit_view", segment_id=filters.segment.id),
            "export_urls": {
                fmt: self.get_url(".export_view", fmt=fmt, **grid_args) for fmt in ("csv", "xlsx")
            },
            "metrics_url": url_for("lgadmin_customer_metrics.metrics_view", fragment=1),
            "type_filter": self._filter_buttons(view_args, "type", "All Types", CUSTOMER_TYPES),
            "verified_filter": self._filter_buttons(view_args, "verified", "All", VERIFIED_CHOICES),
            "loyalty_on": market.loyalty_enabled,
            "can_act_as": roles.can(roles.ACT_AS),
            "can_adjust_loyalty": roles.can(roles.ADJUST_LOYALTY),
            "loyalty_form": AdjustLoyaltyForm(formdata=None, next=kwargs["return_url"]),
            "bonus_form": BonusPointsForm(formdata=None, **grid_filters_of_request()),
            "legend": LEGEND,
            "grid_rows": [
                self._display_row(row, market, today, details_prefix) for row in grid.rows
            ],
            "act_as_prefix": escape(self.get_url(".index_view")),
        }

    def _filter_url(self, view_args, **changes) -> str:
        """The list URL with one filter changed (None removes it), back on the first page."""
        extra = {**view_args.extra_args, **changes}
        extra = {key: value for key, value in extra.items() if value}
        return self._get_list_url(view_args.clone(page=0, extra_args=extra))

    def _filter_buttons(self, view_args, name: str, all_label: str, choices: dict) -> list:
        current = view_args.extra_args.get(name)
        buttons = [(all_label, self._filter_url(view_args, **{name: None}), current is None)]
        for value, label in choices.items():
            url = self._filter_url(view_args, **{name: value})
            buttons.append((label, url, current == value))
        return buttons

    @staticmethod
    def _grid_args(view_args) -> dict:
        """The grid's own URL arguments (search, sort, toggle, filters) for the export links."""
        args = {"search": view_args.search, "sort": view_args.sort}
        args["desc"] = 1 if view_args.sort_desc else None
        args.update(view_args.extra_args)
        return {k: v for k, v in args.items() if v not in (None, "")}

    @staticmethod
    def _display_row(row, market, today, details_prefix: Markup) -> "GridRow":
        currency = market.currency
        joined = to_market_time(row.joined_at, market)
        last_order = row.last_order_at and to_market_time(row.last_order_at, market)
        return GridRow(
            id=row.id,
            first_name=row.first_name,
            last_name=row.last_name,
            name=escape(f"{row.first_name} {row.last_name}"),
            email=row.email,
            details_url=details_prefix + str(row.id),  # Markup + str: still escaped once
            active=row.active,
            icons=status_icons(row, currency, today),
            joined=format_date(joined),
            joined_iso=joined.date().isoformat(),
            balance=format_money(row.balance_cents, currency),
            negative=row.balance_cents < 0,
            can_act_as=seat_refusal(row) is None,
            guest=row.is_guest,
            verified=row.email_verified_at is not None,
            loyalty_points=row.loyalty_points,
            order_count=row.order_count,
            spent=format_money(row.total_spent_cents, currency),
            last_order=format_date(last_order),
            last_order_iso=last_order.date().isoformat() if last_order else "",
        )


class GridRow:
    """One grid row as the template shows it.

    A plain object, not a dict: Jinja reads `r.name` as an attribute first, and on a dict
    that lookup fails before it falls back to the key, for every cell of every row. The
    strings written several times per row (the details link with its return URL, the
    customer's name) are escaped once, here.
    """

    __slots__ = (
        "id",
        "first_name",
        "last_name",
        "name",
        "email",
        "details_url",
        "active",
        "icons",
        "joined",
        "joined_iso",
        "balance",
        "negative",
        "can_act_as",
        "guest",
        "verified",
        "loyalty_points",
        "order_count",
        "spent",
        "last_order",
        "last_order_iso",
    )

    def __init__(self, **values):
        for name, value in values.items():
            setattr(self, name, value)

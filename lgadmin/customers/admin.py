"""The customer grid: Flask-Admin's list screen over one fast query of the market's customers."""

from urllib.parse import quote
from zoneinfo import ZoneInfo

from flask import g
from flask_admin.model.base import ViewArgs

from ..act_as.admin import ActAsMixin
from ..admin.base import MarketModelView
from ..money import format_money
from ..onboarding.admin import OnboardingAdminMixin
from ..staff import roles
from ..tenancy import require_market
from .admin_details import CustomerDetailsMixin
from .admin_extras import AccountExtrasMixin, grid_filters_of_request
from .forms import AdjustLoyaltyForm, BonusPointsForm
from .grid import (
    COUNT_CAP,
    CUSTOMER_TYPES,
    DEFAULT_SORT,
    SORTS,
    VERIFIED_CHOICES,
    customer_page,
)
from .icons import LEGEND, status_icons
from .models import Account

ACTIVE_ONLY = "active"


class CustomerView(
    ActAsMixin, CustomerDetailsMixin, AccountExtrasMixin, OnboardingAdminMixin, MarketModelView
):
    model_class = Account
    required_permission = roles.VIEW_CUSTOMERS
    list_template = "lgadmin/customers/list.html"
    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    column_list = ("first_name", "last_name", "email", "status", "joined_at", "balance_cents")
    column_labels = {
        "first_name": "First Name",
        "last_name": "Last Name",
        "email": "Email",
        "status": "Status",
        "joined_at": "Joined",
        "balance_cents": "Balance",
        "phone": "Phone",
        "pickup_location": "Pickup Location",
    }
    column_sortable_list = tuple(SORTS)
    # Searching is ours (customers.grid); this only turns Flask-Admin's search box on.
    column_searchable_list = ("first_name", "last_name", "email")

    def search_placeholder(self) -> str:
        return "Search name or email"

    def _get_list_extra_args(self) -> ViewArgs:
        view_args = super()._get_list_extra_args()
        # Only the toggle is ours among the extra arguments; drop anything else.
        extra = view_args.extra_args
        view_args.extra_args = {"status": ACTIVE_ONLY} if extra.get("status") == ACTIVE_ONLY else {}
        for name, allowed in (("type", CUSTOMER_TYPES), ("verified", VERIFIED_CHOICES)):
            if extra.get(name) in allowed:
                view_args.extra_args[name] = extra[name]
        g.customer_view_args = view_args
        return view_args

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        view_args = g.get("customer_view_args") or self._get_list_extra_args()
        grid = customer_page(
            require_market(),
            search=search,
            active_only=view_args.extra_args.get("status") == ACTIVE_ONLY,
            customer_type=view_args.extra_args.get("type"),
            verified=view_args.extra_args.get("verified"),
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
        return super().render(template, **kwargs)

    def _grid_context(self, grid, kwargs) -> dict:
        market = require_market()
        view_args = g.customer_view_args
        tz = ZoneInfo(market.timezone)
        return_url = kwargs["return_url"]
        details_prefix = f"{self.get_url('.details_view')}?url={quote(return_url, safe='')}&id="
        return {
            "page": grid.page,
            "count_label": f"{COUNT_CAP:,}+" if grid.count_is_capped else f"{grid.count:,}",
            "active_only": view_args.extra_args.get("status") == ACTIVE_ONLY,
            "all_url": self._filter_url(view_args, status=None),
            "active_url": self._filter_url(view_args, status=ACTIVE_ONLY),
            "type_filter": self._filter_buttons(view_args, "type", "All Types", CUSTOMER_TYPES),
            "verified_filter": self._filter_buttons(view_args, "verified", "All", VERIFIED_CHOICES),
            "loyalty_on": market.loyalty_enabled,
            "can_act_as": roles.can(roles.ACT_AS),
            "can_adjust_loyalty": roles.can(roles.ADJUST_LOYALTY),
            "loyalty_form": AdjustLoyaltyForm(formdata=None, next=kwargs["return_url"]),
            "bonus_form": BonusPointsForm(formdata=None, **grid_filters_of_request()),
            "legend": LEGEND,
            "grid_rows": [self._display_row(row, market.currency, tz) for row in grid.rows],
            "details_prefix": details_prefix,
            "act_as_prefix": self.get_url(".index_view"),
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
    def _display_row(row, currency: str, tz: ZoneInfo) -> dict:
        joined = row.joined_at.replace(tzinfo=ZoneInfo("UTC")).astimezone(tz)
        return {
            "id": row.id,
            "first_name": row.first_name,
            "last_name": row.last_name,
            "email": row.email,
            "active": row.active,
            "icons": status_icons(row, currency),
            "joined": joined.strftime("%b %-d, %Y"),
            "joined_iso": joined.date().isoformat(),
            "balance": format_money(row.balance_cents, currency),
            "negative": row.balance_cents < 0,
            "can_act_as": row.active and not row.is_manager and not row.is_guest,
            "guest": row.is_guest,
            "verified": row.email_verified_at is not None,
            "loyalty_points": row.loyalty_points,
        }

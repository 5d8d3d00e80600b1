"""What every shopper page shares: the market its URL names, the signed-in shopper of that
market, and the parts other domains add to the account page.

Not a view module: the shop's and other domains' views (privacy's "Your data") import it.
"""

from collections.abc import Callable
from functools import wraps

from flask import abort, g, redirect, request, url_for

from ..identity import current_account
from ..markets.models import Market
from ..markets.service import market_by_slug
from ..tenancy import belongs_to

# Parts of the shopper's account page that other domains add, each a function of the
# account returning its template context; registered by the plug-in, in its order.
ACCOUNT_PAGE_PARTS: list[Callable[[object], dict]] = []


def add_account_page_part(part: Callable[[object], dict]) -> None:
    if part not in ACCOUNT_PAGE_PARTS:
        ACCOUNT_PAGE_PARTS.append(part)


def market_page(slug: str) -> Market:
    return market_by_slug(slug)


def shopper_page(view):
    """The market's own signed-in account only; anyone else signs in at this market."""

    @wraps(view)
    def wrapper(market_slug: str, **kwargs):
        market = market_page(market_slug)
        if not current_account.is_authenticated:
            return redirect(
                url_for(
                    "lgadmin_shop_sign_in.market_sign_in",
                    market_slug=market.slug,
                    next=request.full_path,
                )
            )
        if not belongs_to(current_account, market):
            abort(404)
        g.shop_market = market
        return view(market, current_account._get_current_object(), **kwargs)

    return wrapper

"""What every lgadmin admin view shares: who may enter, safe URL arguments, the market filter."""

from datetime import date, datetime

from flask import abort, flash, g, redirect, request, url_for
from flask_admin import BaseView
from flask_admin.contrib.sqla import ModelView
from flask_admin.model import typefmt
from flask_wtf import FlaskForm
from markupsafe import Markup

from ..extensions import db
from ..identity import current_account, current_identity
from ..search import MAX_PAGE, MAX_SEARCH_CHARS, MAX_SEARCH_WORDS
from ..security import csp_nonce
from ..staff.roles import can, is_staff
from ..tenancy import belongs_to, in_market, require_market
from ..timeutil import format_date, format_datetime
from ..urls import parse_id, safe_next_url
from .sections import details_sections, render_details_page

# lgadmin's frame (its stylesheet, script, market switcher) around the Admin's own base
# template: Flask-Admin's on lgadmin's own Admin, the host's in a host's Admin.
ADMIN_BASE_TEMPLATE = "lgadmin/admin/base.html"
UNSAFE_RETURN_URL = "That return address is not a page of this site."
SEARCH_TOO_LONG = (
    f"A search can be at most {MAX_SEARCH_CHARS} characters long: shorten it and try again."
)


def refuse_unsafe_arguments() -> None:
    """Flask-Admin's own URL arguments, checked before any admin view runs (400 with why).

    `url=` is where Flask-Admin (and our bulk steps) go back to after a save, a delete or an
    action: it gets the same check as `next=`. A search longer than any list searches for is
    refused rather than cut silently. (A NUL character anywhere is refused before this, by
    security.refuse_nul_characters.)
    """
    for target in request.values.getlist("url"):
        if safe_next_url(target) is None:
            abort(400, UNSAFE_RETURN_URL)
    if len(request.args.get("search") or "") > MAX_SEARCH_CHARS:
        abort(400, SEARCH_TOO_LONG)


def capped_search(search: str | None) -> str:
    """The words a list searches for: at most MAX_SEARCH_WORDS, as the customer grid does."""
    return " ".join((search or "")[:MAX_SEARCH_CHARS].split()[:MAX_SEARCH_WORDS])


def is_admin_user() -> bool:
    """Market managers, superusers and staff with a role reach the admin; nobody else."""
    return is_staff(current_account)


class AdminAccessMixin:
    # The staff permission a screen needs (staff.roles); None: anyone who reaches the admin.
    required_permission: str | None = None

    def is_accessible(self) -> bool:
        if not is_admin_user():
            return False
        return self.required_permission is None or can(self.required_permission)

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)
        if refused is None:
            refuse_unsafe_arguments()
        return refused

    def render(self, template, **kwargs):
        layout = self.admin.theme.base_template
        in_host_admin = layout != ADMIN_BASE_TEMPLATE
        args = self._template_args
        args["admin_base_template"] = ADMIN_BASE_TEMPLATE
        args["lgadmin_layout"] = layout if in_host_admin else "admin/base.html"
        args["lgadmin_in_host_admin"] = in_host_admin
        if self.admin.csp_nonce_generator is None:
            # A host's Admin without a nonce: lgadmin's pages still carry lgadmin's policy.
            args["admin_csp_nonce_attribute"] = Markup('nonce="{}"').format(csp_nonce())
        return super().render(template, **kwargs)

    def inaccessible_callback(self, name, **kwargs):
        if not current_account.is_authenticated and not current_identity().is_signed_in():
            # Nobody signed in: to the sign-in page (the host's, in a host app) when there is
            # one. Someone lgadmin doesn't know (a host user with no lgadmin role): 403.
            login_url = current_identity().login_url(request.full_path.rstrip("?"))
            if login_url:
                return redirect(login_url)
        if g.get("act_as") is not None:
            abort(403, "The admin is closed while you act as a customer: end the session first.")
        abort(403)


class SuperuserOnlyMixin(AdminAccessMixin):
    def is_accessible(self) -> bool:
        return is_admin_user() and current_account.is_superuser

    def is_visible(self) -> bool:
        return self.is_accessible()


class AdminView(AdminAccessMixin, BaseView):
    pass


class MarketModelView(AdminAccessMixin, ModelView):
    """A ModelView that only ever sees the current market's rows.

    Flask-Admin's get_one ignores get_query and its count query does not
    inherit it; both are routed through the same market filter here, and an
    id of another market is a 404.
    """

    model_class: type  # the market-owned model this view lists
    form_base_class = FlaskForm  # CSRF on every form, delete and action
    # Stored instants are naive UTC: every list and details page shows them as the market's
    # date and time, in the one format the other screens use.
    column_type_formatters = {
        **typefmt.BASE_FORMATTERS,
        datetime: lambda view, value, name: format_datetime(value, require_market()),
        date: lambda view, value, name: format_date(value),
    }
    page_size = 50
    can_set_page_size = True
    page_size_options = (50, 100, 200, 500, 1000)

    def __init__(self, **kwargs):
        super().__init__(self.model_class, db, **kwargs)

    def _get_list_extra_args(self):
        """Flask-Admin reads `page` as any integer (a negative offset or one past what the
        database can count is a 500) and keeps an unknown `page_size` in its links: clamp both."""
        view_args = super()._get_list_extra_args()
        view_args.page = min(max(view_args.page or 0, 0), MAX_PAGE)
        if view_args.page_size not in self.page_size_options:
            view_args.page_size = 0  # the view's default
        return view_args

    def _apply_search(self, query, count_query, joins, count_joins, search):
        return super()._apply_search(query, count_query, joins, count_joins, capped_search(search))

    def get_query(self):
        return in_market(super().get_query(), self.model, require_market())

    def get_count_query(self):
        return in_market(super().get_count_query(), self.model, require_market())

    def get_one(self, id):
        pk = parse_id(id)
        if pk is None:
            abort(404)
        record = self.get_query().filter(self.model.id == pk).one_or_none()
        if record is None:
            abort(404)
        return record

    def on_model_change(self, form, model, is_created):
        market = require_market()
        if is_created:
            model.market_id = market.id
        elif not belongs_to(model, market):
            abort(404)


class PartView(AdminView):
    """Routes of a domain under another screen's URL (e.g. /admin/customers/<id>/loyalty).

    It is in no menu, and has no page at "/": Flask-Admin asks every view for one, which only
    its menu links to, so the first exposed route stands in for it.
    """

    def __init__(self, **kwargs):
        self._default_view = self._urls[0][1]
        super().__init__(**kwargs)

    def is_visible(self) -> bool:
        return False

    def render(self, template, **kwargs):
        # Its pages belong to the screen whose URL it shares: the page title and the menu's
        # current entry are that screen's, as when these routes were the screen's own.
        screen = next(
            (v for v in self.admin._views if v.url == self.url and not isinstance(v, PartView)),
            self,
        )
        self._template_args["admin_view"] = screen
        return super().render(template, **kwargs)

    # -- the customer details page, which most parts' forms are on ---------------
    def details_page(self, account, status: int = 200, **forms):
        """The details page again, with the refused form and its errors (admin.sections)."""
        return render_details_page(account, status, **forms)

    def back_to_details(self, account, anchor: str = ""):
        url = url_for(details_sections().page_endpoint, id=account.id)
        return redirect(url + (f"#{anchor}" if anchor else ""))

    def stale(self, account, error):
        """Someone changed the account since the form was shown: say so, show it as it is now."""
        db.session.rollback()
        db.session.refresh(account)
        flash(str(error), "error")
        return self.details_page(account, 409)

"""LGAdmin: the plug-in that adds lgadmin's admin views and blueprints to a Flask app."""

from pathlib import Path

from flask import Blueprint, Flask, current_app, has_request_context, render_template, request
from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme
from flask_sqlalchemy import SQLAlchemy
from werkzeug.exceptions import Forbidden, NotFound, default_exceptions

from . import models  # noqa: F401  (every model registered before mappers configure)
from .admin.outbox import OutboxView
from .admin.sections import DetailsSections
from .admin.sections import install as install_sections
from .admin.templates import serve_flask_admin_templates_without_javascript_urls
from .config import LOCAL_HOSTS, platform_sender
from .contact import display_phone, market_region
from .dashboard.admin import DashboardView
from .extensions import db as lgadmin_db
from .extensions import limiter, login_manager, mail
from .groups.service import format_percent
from .identity import (
    EXTENSION_KEY,
    HostIdentityRequired,
    Identity,
    LoginIdentity,
    SignInRefused,
    current_account,
)
from .mail import paragraphs as mail_paragraphs
from .markets.service import all_markets
from .money import format_money
from .security import csp_nonce, csrf, csrf_template_helpers, init_security_headers
from .staff.roles import can
from .tenancy import NotInMarket, current_market
from .timeutil import format_date, format_datetime
from .urls import IdConverter

PACKAGE_DIR = Path(__file__).parent


def shipped_folder(name: str) -> Path:
    """A wheel carries templates/ and migrations/ inside the package; a checkout has them on top."""
    inside = PACKAGE_DIR / name
    return inside if inside.is_dir() else PACKAGE_DIR.parent / name


TEMPLATE_DIR = shipped_folder("templates")
ERROR_PAGE_CODES = (400, 403, 404, 405, 413, 429, 500)


def render_error_page(error):
    code = getattr(error, "code", 500)
    return render_template("lgadmin/error.html", code=code, error=error), code


class PluginClash(RuntimeError):
    """lgadmin can't be added to this app as it stands: a name or URL is already taken."""


class LGAdmin:
    """`LGAdmin(app)`, or `LGAdmin().init_app(app, ...)`.

    `admin`: the host's Flask-Admin `Admin`; lgadmin's screens join it, in a menu of their
    own (LGADMIN_MENU_CATEGORY). Left out, lgadmin builds its own Admin at LGADMIN_ADMIN_URL.
    `db`: the host's Flask-SQLAlchemy; lgadmin's models keep their own metadata (tables
    named lgadmin_*) and use its sessions and engines. Left out, lgadmin's own `db`.
    `identity`: who is signed in, as lgadmin sees it (lgadmin.identity). Left out on an app
    without a LoginManager, lgadmin brings its own (the standalone app); an app that has
    one must pass its adapter.
    """

    def __init__(
        self,
        app: Flask | None = None,
        identity: Identity | None = None,
        admin: Admin | None = None,
        db: SQLAlchemy | None = None,
    ):
        self.admin: Admin | None = None
        # The blueprints lgadmin registered (its own and its admin views'): its pages.
        self.blueprint_names: set[str] = set()
        if app is not None:
            self.init_app(app, identity=identity, admin=admin, db=db)

    def init_app(
        self,
        app: Flask,
        identity: Identity | None = None,
        admin: Admin | None = None,
        db: SQLAlchemy | None = None,
    ) -> None:
        app.config.setdefault("LGADMIN_OUTBOX", None)
        # True on lgadmin's own app (create_app): every page is lgadmin's, its 404s too.
        app.config.setdefault("LGADMIN_OWNS_APP", False)
        app.config.setdefault("LGADMIN_ACT_AS_MINUTES", 30)
        app.config.setdefault("LGADMIN_ACT_AS_IDLE_MINUTES", 10)
        app.config.setdefault("LGADMIN_STOREFRONT_ENDPOINT", "lgadmin_shop.home")
        app.config.setdefault("LGADMIN_QUEUE", "lgadmin")
        app.config.setdefault("REDIS_URL", None)
        app.config.setdefault("LGADMIN_REDIS_TIMEOUT", 1.0)
        app.config.setdefault("LGADMIN_BASE_URL", None)
        owns_app = app.config["LGADMIN_OWNS_APP"]
        # Where lgadmin's pages live. On a host app they all sit under one prefix, so none
        # takes a path the host has (its /healthz, /sign-in...); a clash left is an error.
        prefix = app.config.setdefault("LGADMIN_URL_PREFIX", "" if owns_app else "/lgadmin")
        app.config.setdefault("LGADMIN_SHOP_URL", f"{prefix}/m")
        app.config.setdefault("LGADMIN_WEBHOOK_URL", f"{prefix}/webhooks")
        app.config.setdefault("LGADMIN_HEALTH_URL", f"{prefix}/healthz")
        # The admin's: lgadmin's own Admin's URL, or where its screens go in the host's Admin.
        app.config.setdefault("LGADMIN_ADMIN_URL", "/admin" if admin is None else None)
        app.config.setdefault("LGADMIN_ADMIN_ENDPOINT", "lgadmin_admin")
        app.config.setdefault("LGADMIN_MENU_CATEGORY", "Customers")
        app.config.setdefault("LGADMIN_SHOP_BASE_TEMPLATE", "lgadmin/shop/layout.html")
        if (
            owns_app
            and not app.config["LGADMIN_BASE_URL"]
            and app.config.get("TRUSTED_HOSTS") is None
        ):
            # Links in emails are then built from the request's Host: only local names
            # may be it, so a forged Host can't put another site in a reset link.
            app.config["TRUSTED_HOSTS"] = list(LOCAL_HOSTS)
        app.config.setdefault("POSTMARK_WEBHOOK_USER", None)
        app.config.setdefault("POSTMARK_WEBHOOK_PASSWORD", None)
        app.config.setdefault("MAILGUN_WEBHOOK_SIGNING_KEY", None)
        app.config.setdefault("LGADMIN_BOUNCE_ALERT_COUNT", 10)
        app.config.setdefault("LGADMIN_BOUNCE_ALERT_RATE", 0.05)
        app.config.setdefault("LGADMIN_SUPPORT_EMAIL", None)
        # Exports larger than a grid page run as jobs and leave a file here for a while.
        app.config.setdefault("LGADMIN_EXPORT_DIR", str(Path(app.instance_path) / "exports"))
        app.config.setdefault("LGADMIN_EXPORT_KEEP_HOURS", 24)
        app.config.setdefault("LGADMIN_EXPORT_IMMEDIATE_ROWS", 50)
        app.config.setdefault("LGADMIN_EXPORT_STALE_MINUTES", 10)
        # Before any of our routes: an id too long for the database is a 404, not an overflow.
        # A converter of lgadmin's own: the host's `<int:...>` routes keep the stock one.
        app.url_map.converters["lgadmin_id"] = IdConverter
        self._use_database(app, db)
        # lgadmin's pages only: a host's POSTs keep the host's own rules.
        csrf.init_app(app, self.owns_request)
        if not app.config.get("MAIL_DEFAULT_SENDER"):  # a host that sends no mail of its own
            app.config["MAIL_DEFAULT_SENDER"] = platform_sender(app.config["LGADMIN_BASE_URL"])
        if "mail" not in app.extensions:
            mail.init_app(app)
        app.config.setdefault("RATELIMIT_STORAGE_URI", app.config["REDIS_URL"] or "memory://")
        app.config.setdefault("RATELIMIT_HEADERS_ENABLED", True)
        # A Redis outage must not lock everyone out: count in memory until it is back.
        app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
        app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
        if app.config["REDIS_URL"]:  # a frozen Redis holds a sign-in about a second, not minutes
            timeout = app.config["LGADMIN_REDIS_TIMEOUT"]
            app.config.setdefault(
                "RATELIMIT_STORAGE_OPTIONS",
                {"socket_timeout": timeout, "socket_connect_timeout": timeout},
            )
        limiter.init_app(app)
        self._init_login(app, identity)
        init_security_headers(app, self.owns_request)
        host_blueprints = set(app.blueprints)
        host_rules = list(app.url_map.iter_rules())
        self._register_blueprints(app)
        self.admin = self._build_admin(app, admin)
        self.blueprint_names.update(set(app.blueprints) - host_blueprints)
        refuse_url_clashes(host_rules, app)
        # A row asked for by id that isn't in the manager's market: the 404 page, as for no
        # row. On lgadmin's pages only (Flask's per-blueprint handlers, keyed by name).
        for scope in self._scopes(app):
            app.error_handler_spec[scope][None][NotInMarket] = lambda error: (
                app.handle_http_exception(NotFound())
            )
            # An adapter that doesn't sign accounts in (act-as, lgadmin's sign-in pages): 403.
            app.error_handler_spec[scope][None][SignInRefused] = lambda error: (
                app.handle_http_exception(Forbidden(str(error)))
            )
        if not app.config["LGADMIN_OWNS_APP"]:
            # lgadmin's error page on lgadmin's pages; a host's keep the host's own
            # (lgadmin's own app has it app-wide: app.register_errorhandlers).
            for scope in self._scopes(app):
                for code in ERROR_PAGE_CODES:
                    app.error_handler_spec[scope][code][default_exceptions[code]] = (
                        render_error_page
                    )
        if owns_app:
            # Flask-Admin's templates are shared by every Admin of an app: a host's stay as shipped.
            serve_flask_admin_templates_without_javascript_urls(app)
        self._register_template_helpers(app)
        from .cli import lgadmin_cli

        app.cli.add_command(lgadmin_cli)

    def owns_request(self) -> bool:
        """Is the current request for one of lgadmin's pages? Its headers, CSRF check and
        template helpers apply there only; a host app's own pages get none of them."""
        if current_app.config["LGADMIN_OWNS_APP"]:
            return True
        return has_request_context() and request.blueprint in self.blueprint_names

    def _scopes(self, app: Flask) -> list[str | None]:
        """Where a Flask hook or handler keyed by blueprint goes: lgadmin's blueprints, or
        the whole app (None) when it is lgadmin's own."""
        return [None] if app.config["LGADMIN_OWNS_APP"] else sorted(self.blueprint_names)

    def _init_login(self, app: Flask, identity: Identity | None) -> None:
        """The identity adapter; lgadmin's own LoginManager only on an app without one."""
        host_login = getattr(app, "login_manager", None) is not None
        if identity is None:
            if host_login:
                raise HostIdentityRequired(
                    "lgadmin: this app already has a Flask-Login LoginManager. lgadmin won't "
                    "replace its user loader: pass an identity adapter, "
                    "LGAdmin(app, identity=YourIdentity()), that tells lgadmin which lgadmin "
                    "account (if any) your signed-in user is (see lgadmin.identity and the "
                    "README), or lgadmin.identity.NoAccess() to give nobody access yet."
                )
            identity = LoginIdentity()
        app.extensions[EXTENSION_KEY] = identity
        if not isinstance(identity, LoginIdentity):
            return  # the host's sign-in, sessions and their limits are the host's
        if host_login:
            raise HostIdentityRequired(
                "lgadmin: LoginIdentity is lgadmin's own sign-in; this app has its own "
                "LoginManager: pass an identity adapter over it instead."
            )
        login_manager.init_app(app)
        login_manager.login_view = "lgadmin_auth.sign_in"
        login_manager.login_message = None
        login_manager.session_protection = "strong"

        @login_manager.user_loader
        def load_account(account_id: str):
            from flask import session

            from .accounts.models import Account
            from .sessions import VERSION_KEY, session_is_current

            try:
                account = lgadmin_db.session.get(Account, int(account_id))
            except ValueError:
                return None
            # Every request: a session ended elsewhere (sign-out, new password...) is refused.
            if account is None or not session_is_current(account, session.get(VERSION_KEY)):
                return None
            return account

        from .sessions import init_sessions

        init_sessions(app)

    def _use_database(self, app: Flask, host_db: SQLAlchemy | None) -> None:
        """lgadmin's models reach the database through the app's Flask-SQLAlchemy: lgadmin's
        own, or the host's (extensions.LGAdminSQLAlchemy hands its sessions on)."""
        registered = app.extensions.get("sqlalchemy")
        if host_db is None or host_db is lgadmin_db:
            if registered is None:
                lgadmin_db.init_app(app)
            elif registered is not lgadmin_db:
                raise PluginClash(
                    "lgadmin: this app has its own Flask-SQLAlchemy: pass it, "
                    "LGAdmin(app, db=your_db), so lgadmin uses its sessions."
                )
            return
        if registered is None:
            host_db.init_app(app)
        elif registered is not host_db:
            raise PluginClash("lgadmin: db= is not the Flask-SQLAlchemy this app was set up with.")
        taken = sorted(set(host_db.metadata.tables) & set(lgadmin_db.metadata.tables))
        if taken:
            raise PluginClash(
                f"lgadmin: your models already define the table(s) {', '.join(taken)}, "
                "which are lgadmin's: rename yours."
            )

    def _register_blueprints(self, app: Flask) -> None:
        from .act_as.views import bp as act_as_bp
        from .auth.views import bp as auth_bp
        from .auth.views import market_bp as shop_sign_in_bp
        from .deliverability.views import bp as mail_webhooks_bp
        from .deliverability.views import unsubscribe_bp
        from .health import bp as health_bp
        from .onboarding.views import bp as onboarding_bp
        from .payments.views import bp as stripe_bp
        from .payments.views import cards_bp
        from .privacy.views import bp as shop_privacy_bp
        from .privacy.views import your_data_context
        from .shop.address_book import bp as shop_addresses_bp
        from .shop.pages import add_account_page_part
        from .shop.views import bp as shop_bp

        config = app.config
        assets = Blueprint(
            "lgadmin",
            __name__,
            template_folder=str(TEMPLATE_DIR),
            static_folder="static",
            static_url_path="/lgadmin/static",
        )
        # Each blueprint under the URL setting of its kind of page.
        placed = [
            (assets, None),
            (auth_bp, config["LGADMIN_URL_PREFIX"]),
            (act_as_bp, config["LGADMIN_URL_PREFIX"]),
            (health_bp, config["LGADMIN_HEALTH_URL"]),
            (shop_bp, config["LGADMIN_SHOP_URL"]),
            (shop_sign_in_bp, config["LGADMIN_SHOP_URL"]),
            (shop_addresses_bp, config["LGADMIN_SHOP_URL"]),
            (shop_privacy_bp, config["LGADMIN_SHOP_URL"]),
            (cards_bp, config["LGADMIN_SHOP_URL"]),
            (onboarding_bp, config["LGADMIN_SHOP_URL"]),
            (unsubscribe_bp, config["LGADMIN_SHOP_URL"]),
            (stripe_bp, config["LGADMIN_WEBHOOK_URL"]),
            (mail_webhooks_bp, config["LGADMIN_WEBHOOK_URL"]),
        ]
        taken = sorted({bp.name for bp, _ in placed} & set(app.blueprints))
        if taken:
            raise PluginClash(
                f"lgadmin: the app already has blueprint(s) named {', '.join(taken)}, "
                "lgadmin's own names: rename yours."
            )
        for blueprint, url_prefix in placed:
            app.register_blueprint(blueprint, url_prefix=url_prefix or None)
        # The shopper's account page: the parts other domains add, in this order.
        add_account_page_part(your_data_context)

    def _build_admin(self, app: Flask, host_admin: Admin | None) -> Admin:
        """lgadmin's screens in the host's Admin (one menu of their own), or in an Admin of
        lgadmin's own whose index is the dashboard."""
        from .admin.base import ADMIN_BASE_TEMPLATE

        config = app.config
        endpoint = config["LGADMIN_ADMIN_ENDPOINT"]
        if host_admin is None:
            base_url = config["LGADMIN_ADMIN_URL"].rstrip("/")
            admin = Admin(
                app,
                name="lgadmin",
                index_view=DashboardView(name="Dashboard", url=base_url or "/", endpoint=endpoint),
                csp_nonce_generator=csp_nonce,
                theme=Bootstrap4Theme(
                    base_template=ADMIN_BASE_TEMPLATE, swatch="default", fluid=True
                ),
            )
            category = None
            views = self.admin_views(base_url)
        else:
            admin = host_admin
            base_url = (config["LGADMIN_ADMIN_URL"] or f"{admin.url.rstrip('/')}/lgadmin").rstrip(
                "/"
            )
            category = config["LGADMIN_MENU_CATEGORY"]
            views = self.admin_views(base_url)
            dashboard = DashboardView(name="Dashboard", url=base_url, endpoint=endpoint)
            dashboard.category = category
            views.insert(0, dashboard)
        taken = sorted({view.endpoint for view in views} & {v.endpoint for v in admin._views})
        if taken:
            raise PluginClash(
                f"lgadmin: the Admin already has view(s) with the endpoint {', '.join(taken)}, "
                "lgadmin's own names: rename yours."
            )
        for view in views:
            if category is not None and view.name is not None:
                view.category = category  # one menu of lgadmin's in the host's navbar
            admin.add_view(view)
        customer_view = next(view for view in views if view.endpoint == "lgadmin_customers")
        self._register_sections(install_sections(app), customer_view)
        return admin

    def admin_views(self, base_url: str) -> list:
        """Every admin view under `base_url`, in menu order; the customer screen's parts
        share its URL."""
        LOGS, MARKET, CUSTOMERS = "Logs", "Market", f"{base_url}/customers"
        from .act_as.admin import ActAsLogView, CustomerActAsView
        from .addresses.admin import CustomerAddressesView
        from .audit.admin import AuditLogView
        from .auth.admin import ResetLinkView
        from .balance.admin import CustomerBalanceView
        from .campaigns.admin import CampaignView
        from .customers.admin import CustomerView
        from .customers.admin_details import CustomerAccountView
        from .customers.admin_insight import CustomerMetricsView
        from .customers.admin_timeline import CustomerTimelineView
        from .deliverability.admin import MailEventView
        from .groups.admin import CustomerGroupsView
        from .groups.admin_account import CustomerGroupTaxView
        from .loyalty.admin import CustomerLoyaltyView
        from .market_settings.admin import MarketSettingsView
        from .membership.admin import CustomerMembershipView
        from .merge.admin import CustomerMergeView
        from .onboarding.admin import AddCustomersView
        from .orders.service import apply_payment_to_open_orders
        from .payments.admin import PaymentsView
        from .privacy.admin import CustomerPrivacyView, DataRequestView
        from .segments.admin import SegmentView

        return [
            CustomerView(name="Customers", endpoint="lgadmin_customers", url=CUSTOMERS),
            # Its parts, one view per domain, in no menu (admin.base.PartView).
            CustomerAccountView(endpoint="lgadmin_customer_account", url=CUSTOMERS),
            CustomerTimelineView(endpoint="lgadmin_customer_timeline", url=CUSTOMERS),
            CustomerMetricsView(endpoint="lgadmin_customer_metrics", url=CUSTOMERS),
            CustomerBalanceView(
                endpoint="lgadmin_customer_balance",
                url=CUSTOMERS,
                pay_orders=apply_payment_to_open_orders,
            ),
            CustomerMembershipView(endpoint="lgadmin_customer_membership", url=CUSTOMERS),
            CustomerLoyaltyView(endpoint="lgadmin_customer_loyalty", url=CUSTOMERS),
            CustomerAddressesView(endpoint="lgadmin_customer_addresses", url=CUSTOMERS),
            CustomerGroupTaxView(endpoint="lgadmin_customer_group_tax", url=CUSTOMERS),
            CustomerActAsView(endpoint="lgadmin_customer_act_as", url=CUSTOMERS),
            CustomerMergeView(endpoint="lgadmin_customer_merge", url=CUSTOMERS),
            CustomerPrivacyView(endpoint="lgadmin_customer_privacy", url=CUSTOMERS),
            AddCustomersView(endpoint="lgadmin_add_customers", url=CUSTOMERS),
            ResetLinkView(endpoint="lgadmin_customer_reset_link", url=CUSTOMERS),
            SegmentView(name="Segments", endpoint="lgadmin_segments", url=f"{base_url}/segments"),
            CampaignView(
                name="Campaigns", endpoint="lgadmin_campaigns", url=f"{base_url}/campaigns"
            ),
            # The records and the market's setup sit in two menus, so the navbar is one line.
            AuditLogView(
                name="Audit Log",
                endpoint="lgadmin_audit_log",
                url=f"{base_url}/audit-log",
                category=LOGS,
            ),
            ActAsLogView(
                name="Act-as log",
                endpoint="lgadmin_act_as_log",
                url=f"{base_url}/act-as-log",
                category=LOGS,
            ),
            OutboxView(
                name="Outbox", endpoint="lgadmin_outbox", url=f"{base_url}/outbox", category=LOGS
            ),
            PaymentsView(
                name="Payments",
                endpoint="lgadmin_payments",
                url=f"{base_url}/payments",
                category=MARKET,
            ),
            MailEventView(
                name="Mail Events",
                endpoint="lgadmin_mail_events",
                url=f"{base_url}/mail-events",
                category=LOGS,
            ),
            CustomerGroupsView(
                name="Customer Groups",
                endpoint="lgadmin_customer_groups",
                url=f"{base_url}/customer-groups",
                category=MARKET,
            ),
            MarketSettingsView(
                name="Market Settings",
                endpoint="lgadmin_market_settings",
                url=f"{base_url}/market-settings",
                category=MARKET,
            ),
            DataRequestView(
                name="Data requests",
                endpoint="lgadmin_data_requests",
                url=f"{base_url}/data-requests",
                category=MARKET,
            ),
        ]

    def _register_sections(self, sections: DetailsSections, customer_view) -> None:
        """The customer details page, section by section, in page order (admin.sections.SLOTS:
        the buttons by the name, the band under it, left column, right column, the end)."""
        from .act_as.admin import act_as_button, act_as_dialog
        from .addresses.admin import addresses_section
        from .auth.admin import reset_link_button, reset_link_error
        from .balance.admin import adjustments_section, balance_section
        from .customers import details as customer
        from .customers.admin_timeline import timeline_section
        from .groups.admin_account import group_tax_section
        from .loyalty.admin import loyalty_section
        from .membership.admin import membership_section
        from .merge.admin import merge_section
        from .onboarding.admin import add_customers_grid_part
        from .payments.sections import payment_information_section
        from .privacy.admin import privacy_section

        sections.page = customer_view.render_details
        sections.page_endpoint = f"{customer_view.endpoint}.details_view"
        add = sections.register
        add("invite_guest", "actions", customer.invite_guest_button)
        add("act_as", "actions", act_as_button)
        add("reset_link", "actions", reset_link_button)
        add("edit_info_button", "actions", customer.edit_info_button)
        add("reset_link_error", "top", reset_link_error)
        add("privacy", "top", privacy_section, "Customer data")
        add("edit_info", "top", customer.edit_info_section, "Edit Customer Info")
        add("account", "left", customer.account_information_section, "Account Information")
        add("payments", "left", payment_information_section, "Payment Information")
        add("membership", "left", membership_section, "Membership Status")
        add("special", "left", customer.special_information_section, "Special Information")
        add("group_tax", "left", group_tax_section, "Group &amp; Tax")
        add("addresses", "left", addresses_section, "Addresses")
        add("grower", "left", customer.grower_section, "Grower Information")
        add("balance", "right", balance_section, "Account Balance")
        add("loyalty", "right", loyalty_section, "Loyalty")
        add("adjustments", "right", adjustments_section, "Recent Adjustments")
        add("orders", "right", customer.orders_section, "Recent Orders")
        add("cart", "right", customer.cart_section, "Cart Items")
        add("comments", "right", customer.comments_section, "User Comments")
        add("delete_account", "right", customer.delete_account_section)
        add("merge", "right", merge_section)
        add("timeline", "bottom", timeline_section, "Timeline")
        add("act_as_dialog", "bottom", act_as_dialog)
        sections.register_grid_part("add_customers", add_customers_grid_part)

    def _register_template_helpers(self, app: Flask) -> None:
        """Filters are named lgadmin_*, so a host's own `money` stays the host's; the names
        lgadmin's templates call (can, current_market...) reach lgadmin's pages only."""
        from .act_as.views import act_as_banner, act_as_refusal

        app.add_template_filter(format_money, "lgadmin_money")
        app.add_template_filter(format_percent, "lgadmin_percent")
        app.add_template_filter(mail_paragraphs, "lgadmin_mail_paragraphs")
        app.add_template_filter(format_datetime, "lgadmin_market_time")
        app.add_template_filter(format_date, "lgadmin_market_date")
        app.add_template_filter(
            lambda stored, market: display_phone(stored, market_region(market)),
            "lgadmin_market_phone",
        )

        @app.context_processor
        def lgadmin_context():
            if not self.owns_request():
                return {}
            return {
                **csrf_template_helpers(),
                "current_account": current_account,
                "can": can,
                "current_market": current_market,
                "lgadmin_markets": all_markets,
                "lgadmin_admin_endpoint": current_app.config["LGADMIN_ADMIN_ENDPOINT"],
                "lgadmin_shop_base": current_app.config["LGADMIN_SHOP_BASE_TEMPLATE"],
                "act_as_refusal": act_as_refusal,
                **act_as_banner(),
            }


def refuse_url_clashes(host_rules, app: Flask) -> None:
    """A path of lgadmin's that the host already answers (same method): one error naming
    both and the setting that moves lgadmin's, not a page silently hidden."""
    taken = {}
    host_rule_ids = {id(rule) for rule in host_rules}
    for rule in host_rules:
        for method in rule.methods or ():
            taken[(rule.rule, method)] = rule.endpoint
    for rule in app.url_map.iter_rules():
        if id(rule) in host_rule_ids or rule.endpoint.endswith(".static"):
            continue
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            host_endpoint = taken.get((rule.rule, method))
            if host_endpoint is not None and host_endpoint != rule.endpoint:
                raise PluginClash(
                    f"lgadmin: {method} {rule.rule} is both the app's ({host_endpoint}) and "
                    f"lgadmin's ({rule.endpoint}): move lgadmin's with LGADMIN_URL_PREFIX "
                    "(or LGADMIN_ADMIN_URL, LGADMIN_SHOP_URL, LGADMIN_WEBHOOK_URL, "
                    "LGADMIN_HEALTH_URL)."
                )

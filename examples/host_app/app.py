"""The host's app factory; the lines marked "lgadmin" are all it takes to add lgadmin."""

import os
from pathlib import Path

import click
from flask import Flask
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import select

from lgadmin import LGAdmin  # lgadmin
from lgadmin.schema import exclude_lgadmin_tables  # lgadmin

from . import auth, pages
from .admin import build_admin
from .identity import GreenValleyIdentity  # lgadmin
from .models import User, db

HERE = Path(__file__).parent
login_manager = LoginManager()
login_manager.login_view = "auth.login"
migrate = Migrate()
csrf = CSRFProtect()


@login_manager.user_loader
def load_user(user_id: str):
    return db.session.get(User, int(user_id))


def create_app(config: dict | None = None) -> Flask:
    app = Flask(__name__)
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    app.config.update(
        SECRET_KEY=os.environ.get("HOST_SECRET_KEY", "green-valley-development-only"),
        SQLALCHEMY_DATABASE_URI=os.environ.get(
            "HOST_DATABASE_URL", f"sqlite:///{Path(app.instance_path) / 'green_valley.db'}"
        ),
        # lgadmin: where links in its emails point, and the shopper pages in the host's layout.
        LGADMIN_BASE_URL=os.environ.get("HOST_BASE_URL", "http://localhost:5000"),
        LGADMIN_SHOP_BASE_TEMPLATE="host/shop_layout.html",
        LGADMIN_OUTBOX=os.environ.get("HOST_OUTBOX", str(Path(app.instance_path) / "outbox")),
    )
    app.config.update(config or {})
    db.init_app(app)
    # The host's own migrations: lgadmin's tables are lgadmin's chain, not this one's.
    migrate.init_app(
        app, db, directory=str(HERE / "migrations"), include_object=exclude_lgadmin_tables
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    app.register_blueprint(auth.bp)
    app.register_blueprint(pages.bp)
    admin = build_admin(app)
    # lgadmin: its screens in the host's Admin, its models on the host's db, its idea of who
    # is signed in from the host's users.
    LGAdmin(app, admin=admin, db=db, identity=GreenValleyIdentity())
    app.cli.add_command(host_cli)
    return app


@click.group("host")
def host_cli():
    """Green Valley's own commands."""


@host_cli.command("demo")
@click.option("--customers", default=60, show_default=True, help="Customers per market.")
@click.option("--password", default="green-valley", show_default=True)
def demo(customers: int, password: str):
    """lgadmin's demo markets, a few products, and host users: an admin of the host's own
    back office, and one who is a market manager in lgadmin."""
    from lgadmin.accounts.models import Account
    from lgadmin.demo import seed_demo_data

    from .models import Product

    for line in seed_demo_data(customers=customers, password=password):
        click.echo(line)
    manager = db.session.scalars(
        select(Account).where(Account.is_manager.is_(True)).order_by(Account.id)
    ).first()
    people = [
        ("owner@greenvalley.test", "Olive Owner", True, None),
        ("manager@greenvalley.test", "Marta Manager", False, manager.id if manager else None),
        ("visitor@greenvalley.test", "Vic Visitor", False, None),
    ]
    for email, name, is_admin, account_id in people:
        if db.session.scalar(select(User).where(User.email == email)) is None:
            user = User(email=email, name=name, is_admin=is_admin, lgadmin_account_id=account_id)
            user.set_password(password)
            db.session.add(user)
    if db.session.scalar(select(Product.id)) is None:
        db.session.add_all(
            [
                Product(name="Heirloom tomatoes", price_cents=450),
                Product(name="Rye loaf", price_cents=600),
            ]
        )
    db.session.commit()
    click.echo(f"host users: owner@, manager@, visitor@greenvalley.test; password {password}")

"""The worked example (examples/host_app) built fresh for a test: its own database, the host's
migrations and lgadmin's, its demo data."""

from pathlib import Path

import flask_migrate
from sqlalchemy import select

from examples.host_app import create_app
from examples.host_app.models import User, db
from lgadmin.accounts.models import Account

HOST_MIGRATIONS = str(Path(__file__).parents[2] / "examples" / "host_app" / "migrations")
PASSWORD = "green-valley"


def run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def build_example(database_url: str, folder: Path, *, host_first: bool = True):
    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LGADMIN_OUTBOX": str(folder / "outbox"),
            "LGADMIN_BASE_URL": "http://localhost",
        }
    )
    with app.app_context():
        if host_first:
            flask_migrate.upgrade(directory=HOST_MIGRATIONS)
            run(app, "lgadmin", "db-upgrade")
        else:
            run(app, "lgadmin", "db-upgrade")
            flask_migrate.upgrade(directory=HOST_MIGRATIONS)
        run(app, "host", "demo", "--customers", "8", "--password", PASSWORD)
        db.session.remove()
    return app


def host_user(email: str) -> User:
    return db.session.scalar(select(User).where(User.email == email))


def lgadmin_account(user: User) -> Account | None:
    return db.session.get(Account, user.lgadmin_account_id) if user.lgadmin_account_id else None

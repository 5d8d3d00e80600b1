"""flask lgadmin ...: demo data, superusers and the catch-up sweeps."""

import click
import flask_migrate
from flask import current_app
from flask.cli import AppGroup
from sqlalchemy import select

from .accounts.models import Account
from .accounts.passwords import hash_password
from .act_as.service import end_overdue_sessions, send_end_notices
from .contact import normalize_email
from .customers.export_jobs import fail_stale_exports, remove_expired_exports
from .deliverability.cli import process_mail_events
from .demo import DEMO_PASSWORD, seed_demo_data
from .extensions import db, migrate
from .mail_outbox import sweep_outbox
from .schema import MIGRATIONS_DIR
from .worker import run as run_worker

lgadmin_cli = AppGroup("lgadmin", help="lgadmin commands.")
lgadmin_cli.add_command(process_mail_events)


@lgadmin_cli.command("end-act-as-sessions")
def end_act_as_sessions():
    """End every act-as session past its time or idle limit (cron: every few minutes)."""
    closed = end_overdue_sessions()
    db.session.commit()
    send_end_notices(closed)
    click.echo(f"{len(closed)} act-as session{'s' if len(closed) != 1 else ''} ended")


@lgadmin_cli.command("worker")
@click.option("--burst", is_flag=True, help="Stop once the queues are empty.")
@click.option(
    "--fork", is_flag=True, help="Run each job in a forked process (a crash spares the worker)."
)
def worker(burst: bool, fork: bool):
    """Run lgadmin's jobs: mail first, then webhooks, then bulk work (needs REDIS_URL)."""
    run_worker(current_app._get_current_object(), burst=burst, forking=fork)


@lgadmin_cli.command("remove-expired-exports")
def remove_expired_exports_command():
    """Delete export files past LGADMIN_EXPORT_KEEP_HOURS and mark failed the exports whose
    worker died (cron: every hour; each export's job does it too)."""
    stopped = fail_stale_exports()
    removed = remove_expired_exports()
    click.echo(f"{removed} expired export file{'s' if removed != 1 else ''} removed")
    click.echo(f"{stopped} stopped export{'s' if stopped != 1 else ''} marked failed")


@lgadmin_cli.command("send-outbox")
@click.option(
    "--directly", is_flag=True, help="Send here rather than handing the mail to the job queue."
)
def send_outbox(directly: bool):
    """Hand over (or send) the mail nobody took or whose worker died (cron: every minute).

    Sends directly when the job queue is unreachable or not configured."""
    found = sweep_outbox(send_directly=directly)
    click.echo(f"{found} outbox mail{'s' if found != 1 else ''} handed over or sent")


lgadmin_cli.add_command(send_outbox, "sweep-outbox")


@lgadmin_cli.command("demo-data")
@click.option("--customers", default=300, show_default=True, help="Customers per market.")
@click.option(
    "--password", default=DEMO_PASSWORD, show_default=True, help="Password of every demo login."
)
def demo_data(customers: int, password: str):
    """Fill an empty database with demo markets; a second run changes nothing."""
    for line in seed_demo_data(customers=customers, password=password):
        click.echo(line)
    click.echo(f"password of every demo login: {password}")


@lgadmin_cli.command("create-superuser")
@click.option("--email", prompt=True)
@click.option("--password", prompt=True, hide_input=True, confirmation_prompt=True)
@click.option("--first-name", default="", help="Optional.")
@click.option("--last-name", default="", help="Optional.")
def create_superuser(email: str, password: str, first_name: str, last_name: str):
    """Make a platform superuser (asks for what is not given)."""
    email = normalize_email(email)
    if "@" not in email:
        raise click.BadParameter("an email address, please", param_hint="--email")
    if len(password) < 8:
        raise click.BadParameter("at least 8 characters", param_hint="--password")
    existing = db.session.scalars(
        select(Account).where(Account.email == email, Account.is_superuser.is_(True))
    ).first()
    if existing is not None:
        raise click.ClickException(f"{email} is already a superuser")
    db.session.add(
        Account(
            email=email,
            first_name=first_name,
            last_name=last_name,
            is_superuser=True,
            password_hash=hash_password(password),
        )
    )
    db.session.commit()
    click.echo(f"superuser {email} created; sign in at /sign-in")


def _lgadmin_migrations() -> str:
    """lgadmin's migration folder; a host without Flask-Migrate gets lgadmin's own instance."""
    if "migrate" not in current_app.extensions:
        migrate.init_app(current_app, db, render_as_batch=True, compare_type=True)
    return str(MIGRATIONS_DIR)


@lgadmin_cli.command("db-upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str):
    """Apply lgadmin's migrations (its own chain and version table, beside the host's)."""
    flask_migrate.upgrade(directory=_lgadmin_migrations(), revision=revision)


@lgadmin_cli.command("db-downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str):
    """Undo lgadmin's migrations down to REVISION (`base` removes every lgadmin table)."""
    flask_migrate.downgrade(directory=_lgadmin_migrations(), revision=revision)

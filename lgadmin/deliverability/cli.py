"""flask lgadmin process-mail-events: the catch-up for events the queue never ran."""

import click

from .service import process_pending_events


@click.command("process-mail-events")
def process_mail_events():
    """Apply every stored mail event not processed yet (e.g. after a queue outage)."""
    applied = process_pending_events()
    click.echo(f"{applied} mail events applied")

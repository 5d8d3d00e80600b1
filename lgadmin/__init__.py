"""lgadmin: customer management for local-food markets, as a Flask-Admin plug-in."""

from .app import create_app
from .extensions import db
from .plugin import LGAdmin

__all__ = ["LGAdmin", "create_app", "db"]

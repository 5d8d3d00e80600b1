"""Green Valley: a small host platform with lgadmin plugged in.

The README's "Plugging lgadmin into an existing Flask app" walks through it. Everything here
is the host's own (its users and login page, its Admin and its ModelViews, its `auth`
blueprint, its `product` and `orders` tables and their migrations); `app.py` is where
lgadmin joins it.
"""

from .app import create_app

__all__ = ["create_app"]

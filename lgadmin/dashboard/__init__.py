"""The market's home in the admin: its figures, the bounce warning and the superuser's
market switcher."""

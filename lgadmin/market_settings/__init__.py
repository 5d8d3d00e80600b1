"""Market Settings: one screen for settings that belong to several domains (time zone,
loyalty, sign-in by emailed link, the market's mail)."""

"""Saved segments: named criteria over a market's customers (spec 003 "Customer Segments")."""

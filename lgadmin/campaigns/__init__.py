"""Email campaigns to a segment (spec 003 "Using Segments": Email Campaigns)."""

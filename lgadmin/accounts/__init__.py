"""The account of a shopper, manager or staff member of one market, read by every domain."""

"""Search: one box over members, shared contacts and insights (see docs/search.md)."""

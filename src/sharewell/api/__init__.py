"""JSON REST API under /api/v1: parse, call a service, return a schema."""

"""Members own their data: export, erasure (members and the people in their books), notices
to non-members, retention. See docs/privacy.md."""

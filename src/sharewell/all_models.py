"""Imports every area's models so ``Base.metadata`` is complete (Alembic, tests, rebuilds).
Each new area adds its ``models`` module here."""

from sharewell.contacts import models as contacts_models
from sharewell.members import models as members_models

__all__ = ["contacts_models", "members_models"]

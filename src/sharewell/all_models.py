"""Imports every area's models so ``Base.metadata`` is complete (Alembic, tests, rebuilds).
Each new area adds its ``models`` module here."""

from sharewell.insights import models as insights_models
from sharewell.members import models as members_models

__all__ = ["insights_models", "members_models"]

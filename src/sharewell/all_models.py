"""Imports every area's models so ``Base.metadata`` is complete (Alembic, tests, rebuilds).
Each new area adds its ``models`` module here."""

from sharewell.ledger import models as ledger_models
from sharewell.members import models as members_models

__all__ = ["ledger_models", "members_models"]

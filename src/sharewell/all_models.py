"""Imports every area's models so ``Base.metadata`` is complete (Alembic, tests, rebuilds).
Each new area adds its ``models`` module here."""

from sharewell.contacts import models as contacts_models
from sharewell.members import models as members_models
from sharewell.network import models as network_models

__all__ = ["contacts_models", "members_models", "network_models"]

# The network's filter terms follow contact and profile edits in the same transaction.
from sharewell.network import terms as _network_terms

_network_terms.install()

"""Imports every area's models so ``Base.metadata`` is complete (Alembic, tests, rebuilds),
and the hooks that keep derived tables current (``network.terms``, ``privacy.notices``) and
versions true (``members.hooks``).
Each new area adds its ``models`` module here; every session factory imports this module."""

from sharewell import ratelimit as ratelimit_models
from sharewell.accounts import models as accounts_models
from sharewell.contacts import models as contacts_models
from sharewell.insights import models as insights_models
from sharewell.intros import models as intros_models
from sharewell.jobs import models as jobs_models
from sharewell.ledger import models as ledger_models
from sharewell.mail import models as mail_models
from sharewell.members import hooks as members_hooks
from sharewell.members import models as members_models
from sharewell.network import hooks as network_hooks
from sharewell.network import models as network_models
from sharewell.network import terms as network_terms
from sharewell.privacy import models as privacy_models
from sharewell.privacy import notices as privacy_notices
from sharewell.search import indexing as search_indexing
from sharewell.search import models as search_models
from sharewell.standing import models as standing_models

__all__ = [
    "accounts_models",
    "contacts_models",
    "insights_models",
    "intros_models",
    "jobs_models",
    "ledger_models",
    "mail_models",
    "members_hooks",
    "members_models",
    "network_hooks",
    "network_models",
    "network_terms",
    "privacy_models",
    "privacy_notices",
    "ratelimit_models",
    "search_indexing",
    "search_models",
    "standing_models",
]

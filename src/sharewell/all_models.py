"""Imports every area's models so ``Base.metadata`` is complete (Alembic, tests, rebuilds).
Each new area adds its ``models`` module here."""

from sharewell.accounts import models as accounts_models
from sharewell.contacts import models as contacts_models
from sharewell.insights import models as insights_models
from sharewell.jobs import models as jobs_models
from sharewell.mail import models as mail_models
from sharewell.members import models as members_models
from sharewell.standing import models as standing_models

__all__ = [
    "accounts_models",
    "contacts_models",
    "insights_models",
    "jobs_models",
    "mail_models",
    "members_models",
    "standing_models",
]

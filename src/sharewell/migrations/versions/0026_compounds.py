"""compounds: contact documents carry their words joined to their company and city

Revision ID: 0026_compounds
Revises: 0025_countedpacked

A search of shared contacts filtered by company or city asks for compound tokens
(``zcacmexengineer``, ``zylagosxpartner``; ``search.rules.compound``) instead of each word
and the facet: posting lists as long as the matches, instead of every entry with the word.
Documents written before this revision lack them, so every search document is rebuilt here,
as one bulk load (``search.indexing.rebuild_all``): seconds for a small network, about ten
minutes at 100,000 members (6.7M documents). Nothing else changes; downgrading leaves the
extra tokens in place, where the older code never asks for them.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy.orm import Session

from sharewell.search import indexing

revision: str = "0026_compounds"
down_revision: str | Sequence[str] | None = "0025_countedpacked"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    bind = op.get_bind()
    if bind.exec_driver_sql(
        "SELECT 1 FROM search_documents WHERE kind = 'contact' LIMIT 1"
    ).first():
        indexing.rebuild_all(Session(bind=bind))


def downgrade() -> None:
    pass

"""searchspeed: a contact's search document carries its visibility as a facet token

Revision ID: 0016_searchspeed
Revises: 0009_privacy

The search asks the full-text index for open, blind or counted entries only (``zvopen``,
``zvblind``, ``zvcounted``; ``zvprivate`` for private and opted-out ones), so private entries
are never candidates and the visibility join runs over a bounded set. Existing documents get
the token here; new ones get it from ``search.indexing.contact_document``. No batch mode on
SQLite: the FTS5 triggers on ``search_documents`` must survive (and keep the index current).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016_searchspeed"
down_revision: str | Sequence[str] | None = "0015_feeds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

VISIBILITIES = ("open", "blind", "counted", "private")


def upgrade() -> None:
    op.execute(
        """
        UPDATE search_documents
        SET facets = facets || ' ' || (
            SELECT CASE WHEN c.opted_out THEN 'zvprivate' ELSE 'zv' || c.visibility END
            FROM contacts c WHERE c.id = search_documents.ref_id
        )
        WHERE kind = 'contact'
          AND ' ' || facets NOT LIKE '% zv%'
          AND EXISTS (SELECT 1 FROM contacts c WHERE c.id = search_documents.ref_id)
        """
    )


def downgrade() -> None:
    for visibility in VISIBILITIES:
        op.execute(
            sa.text(
                "UPDATE search_documents SET facets = replace(facets, :token, '') "
                "WHERE kind = 'contact'"
            ).bindparams(token=f" zv{visibility}")
        )

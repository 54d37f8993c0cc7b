"""headline terms: the typo vocabulary also holds the words of members' headlines

Revision ID: 0027_headlineterms
Revises: 0026_compounds

A word that is not in the vocabulary is read as a possible typo when a search finds less
than a page, and its close vocabulary words are searched too: "partner" was searched as
"partner" or "carter" (a surname), "lead" as "lead" or "lea". Members' headlines are public,
and their words are the ones people search for; from this revision they are in the
vocabulary (``search.indexing.vocabulary_from``), and here they are added for every member.
Seconds at 100,000 members. Downgrading leaves the words in place: they only make the older
code correct fewer words.
"""

from collections.abc import Sequence

from alembic import op
from sqlalchemy import select

from sharewell.members.models import Member
from sharewell.search import indexing, rules

revision: str = "0027_headlineterms"
down_revision: str | Sequence[str] | None = "0026_compounds"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    conn = op.get_bind()
    found: dict[str, str] = {}
    for (headline,) in conn.execute(select(Member.headline).where(Member.headline != "")):
        for w in rules.vocabulary_words(headline or ""):
            found.setdefault(w, "headline")
    indexing.add_terms(conn, found)


def downgrade() -> None:
    pass

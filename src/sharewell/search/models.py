"""Tables of the search area.

``search_documents`` holds one row per searchable thing (a member's profile, a contact entry,
an insight, a comment) with the text fields and the columns visibility is decided by; the
full-text index over it is backend-specific and kept out of the ORM, split into partitions
(one per kind, shared contacts by visibility; ``search.backends``): FTS5 external-content
tables ``search_fts_<partition>`` (kept current by triggers) on SQLite, a generated ``tsv``
column with a partial GIN index per partition on PostgreSQL (migrations ``0010_search``,
``0023_searchparts``). A contact's row carries only fields that
are shareable at all (never email, phone or notes); whether it may be shown is read from
``contacts`` at query time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sharewell.db import Base, utcnow


class SearchDocument(Base):
    __tablename__ = "search_documents"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # member | contact | insight | comment
    ref_id: Mapped[int]
    owner_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    insight_id: Mapped[int | None] = mapped_column(ForeignKey("insights.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(Text, default="")
    title: Mapped[str] = mapped_column(Text, default="")
    body: Mapped[str] = mapped_column(Text, default="")
    facets: Mapped[str] = mapped_column(Text, default="")
    indexed_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("kind", "ref_id", name="uq_search_documents_kind_ref"),
        Index("ix_search_documents_owner", "owner_id"),
        Index("ix_search_documents_insight", "insight_id"),
    )


class SearchTerm(Base):
    """The vocabulary typo correction and autocomplete draw on: words of members' names,
    headlines and topic labels only (public things), never a contact's name."""

    __tablename__ = "search_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(60), unique=True)
    kind: Mapped[str] = mapped_column(String(10))  # name | headline | topic


class SearchTermGram(Base):
    """Padded trigrams of the vocabulary (SQLite; PostgreSQL uses a pg_trgm GIN index)."""

    __tablename__ = "search_term_grams"

    gram: Mapped[str] = mapped_column(String(12), primary_key=True)
    term_id: Mapped[int] = mapped_column(
        ForeignKey("search_terms.id", ondelete="CASCADE"), primary_key=True
    )


class SearchVector(Base):
    """A sentence embedding of a document (the optional semantic extra)."""

    __tablename__ = "search_vectors"

    doc_id: Mapped[int] = mapped_column(
        ForeignKey("search_documents.id", ondelete="CASCADE"), primary_key=True
    )
    model: Mapped[str] = mapped_column(String(80))
    vector: Mapped[bytes] = mapped_column(LargeBinary)
    # Part of the signature each process's cached matrix is checked against (an edit keeps
    # the document id, so count and highest id alone do not change).
    written_at: Mapped[datetime | None] = mapped_column(default=utcnow, index=True)


class SavedSearch(Base):
    __tablename__ = "saved_searches"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(16), unique=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(80))
    query: Mapped[str] = mapped_column(String(200), default="")
    filters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    mail: Mapped[bool] = mapped_column(default=True)
    last_doc_id: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    checked_at: Mapped[datetime | None]

    __table_args__ = (Index("ix_saved_searches_member", "member_id", "id"),)


class SearchAlert(Base):
    """Something new that matched a saved search: the member's search inbox."""

    __tablename__ = "search_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    saved_search_id: Mapped[int] = mapped_column(
        ForeignKey("saved_searches.id", ondelete="CASCADE")
    )
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    doc_id: Mapped[int]
    kind: Mapped[str] = mapped_column(String(10))
    label: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("saved_search_id", "doc_id", name="uq_search_alerts_search_doc"),
        Index("ix_search_alerts_member", "member_id", "id"),
    )

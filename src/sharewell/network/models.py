"""Tables of the network area: connections, the introductions pause, the graph change log and
the filter terms that let the database find holders fast.

Node ids of the graph index are member ids (``members.id``): they are dense enough (sign-up
order, few gaps) that the index simply sizes its arrays to ``max(id) + 1``; no mapping table.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sharewell.db import Base, utcnow


class Connection(Base):
    """One row per pair of members (``member_a < member_b``): a request and, once accepted,
    the connection. A declined row stays for a while so the request cannot be re-sent at once.

    Each side rates the tie (``rating_a`` by ``member_a``, ``rating_b`` by ``member_b``;
    ``None``: not rated, the origin's default applies); ``strength`` is the one value the graph
    index uses (the weaker rating, see ``rules.connection_strength``), kept in the row so a
    rebuild is one plain select.
    """

    __tablename__ = "connections"

    id: Mapped[int] = mapped_column(primary_key=True)
    member_a: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    member_b: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    status: Mapped[str] = mapped_column(String(10))  # pending | accepted | declined
    requested_by: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    origin: Mapped[str] = mapped_column(String(24), default="manual_request")
    message: Mapped[str] = mapped_column(String(300), default="")
    rating_a: Mapped[int | None] = mapped_column(SmallInteger)
    rating_b: Mapped[int | None] = mapped_column(SmallInteger)
    strength: Mapped[int] = mapped_column(SmallInteger, default=3)
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    responded_at: Mapped[datetime | None]

    __table_args__ = (
        UniqueConstraint("member_a", "member_b", name="uq_connections_pair"),
        Index("ix_connections_b_status", "member_b", "status"),
        Index("ix_connections_a_status", "member_a", "status"),
    )


class IntroductionPause(Base):
    """A member who is not taking introductions now: never offered as a connector."""

    __tablename__ = "network_pauses"

    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    paused_at: Mapped[datetime] = mapped_column(default=utcnow)


class GraphChange(Base):
    """The append-only change log every process reads to keep its graph index current.

    ``seq`` comes from :class:`GraphCounter`, incremented (and so row-locked) in the same
    transaction that writes the change: sequence numbers are handed out in commit order, which
    identity columns on PostgreSQL do not guarantee. Rows hold absolute state ("a–b connected
    with strength 4"), so replaying a suffix twice is harmless; old rows may be pruned because
    rebuilds read the tables, not the log.
    """

    __tablename__ = "graph_changes"

    seq: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    kind: Mapped[str] = mapped_column(String(12))
    a: Mapped[int]
    b: Mapped[int] = mapped_column(default=-1)
    strength: Mapped[int] = mapped_column(SmallInteger, default=0)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class GraphCounter(Base):
    """One row (id 1): the last ``graph_changes.seq`` handed out."""

    __tablename__ = "graph_counter"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger, default=0)


class Term(Base):
    """A normalised filter term: ``company:acme``, ``city:berlin``, ``title:engineer``,
    ``skill:data-engineering``. Integer ids keep the term tables small and fast."""

    __tablename__ = "network_terms"

    id: Mapped[int] = mapped_column(primary_key=True)
    term: Mapped[str] = mapped_column(String(160), unique=True)


class ContactTerm(Base):
    """Which contact carries which term (whatever its visibility), and ``flags``: what the row
    may count for under the contact's current sharing (``terms.FLAG_*``). Database triggers
    (migration ``0014_paths``) derive the flags from ``contacts`` in the same transaction as
    every write, whoever writes, so a filter is matched on this table's covering index alone
    and never reads ``contacts``; cards are still re-read from ``contacts`` before showing."""

    __tablename__ = "network_contact_terms"

    term_id: Mapped[int] = mapped_column(
        ForeignKey("network_terms.id", ondelete="CASCADE"), primary_key=True
    )
    holder_id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    flags: Mapped[int] = mapped_column(SmallInteger, default=0, server_default="0")

    __table_args__ = (
        Index("ix_network_contact_terms_contact", "contact_id"),
        Index("ix_network_contact_terms_match", "term_id", "holder_id", "contact_id", "flags"),
    )


class MemberTerm(Base):
    """Which member's profile carries which term (headline words, location, topics)."""

    __tablename__ = "network_member_terms"

    term_id: Mapped[int] = mapped_column(
        ForeignKey("network_terms.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )

    __table_args__ = (Index("ix_network_member_terms_member", "member_id"),)


class TermChange(Base):
    """The change log of the in-memory term index (``network.termindex``): per holder, the
    sequence number (``graph_counter`` row 2) of the last change to any of their shared term
    rows. Written by database triggers only (migration ``0023_termlog``), so every writer —
    ORM, bulk ``UPDATE``, cascade on erasure — is logged in its own transaction."""

    __tablename__ = "network_term_changes"

    holder_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(BigInteger)

    __table_args__ = (Index("ix_network_term_changes_seq", "seq"),)

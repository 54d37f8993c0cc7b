"""Tables of the contact book.

A contact is someone else's personal data held by one member (the holder). Only the holder
ever reads these rows whole; everything others see goes through ``contacts.sharing``, which
projects a row onto the fields its visibility allows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sharewell.db import Base, utcnow


class Contact(Base):
    __tablename__ = "contacts"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The only id anyone but the holder may see (cards, introductions): random, unguessable.
    public_id: Mapped[str] = mapped_column(String(24), unique=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    full_name: Mapped[str] = mapped_column(String(200), default="")
    given_name: Mapped[str] = mapped_column(String(100), default="")
    family_name: Mapped[str] = mapped_column(String(100), default="")
    company: Mapped[str] = mapped_column(String(200), default="")
    title: Mapped[str] = mapped_column(String(200), default="")
    industry: Mapped[str] = mapped_column(String(100), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    region: Mapped[str] = mapped_column(String(100), default="")
    country: Mapped[str] = mapped_column(String(100), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    address: Mapped[str] = mapped_column(Text, default="")
    linkedin_url: Mapped[str] = mapped_column(String(300), default="")
    urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    birthday: Mapped[str] = mapped_column(String(10), default="")
    notes: Mapped[str] = mapped_column(Text, default="")
    skills: Mapped[list[str]] = mapped_column(JSON, default=list)
    connected_on: Mapped[date | None]
    source: Mapped[str] = mapped_column(String(20), default="manual")
    # Sharing: private | counted | blind | open; card_fields are the blind card's fields.
    visibility: Mapped[str] = mapped_column(String(10), default="private")
    card_fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    how_known: Mapped[str] = mapped_column(String(140), default="")
    opted_out: Mapped[bool] = mapped_column(default=False)  # the person asked never to be shared
    matched_member_id: Mapped[int | None] = mapped_column(
        ForeignKey("members.id", ondelete="SET NULL")
    )
    # Normalised keys for matching and for the network's filters (company, city, title words).
    name_key: Mapped[str] = mapped_column(String(200), default="")
    company_key: Mapped[str] = mapped_column(String(200), default="")
    city_key: Mapped[str] = mapped_column(String(100), default="")
    linkedin_key: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)

    emails: Mapped[list[ContactEmail]] = relationship(
        cascade="all, delete-orphan", order_by="ContactEmail.id", lazy="selectin"
    )
    phones: Mapped[list[ContactPhone]] = relationship(
        cascade="all, delete-orphan", order_by="ContactPhone.id", lazy="selectin"
    )
    tag_rows: Mapped[list[ContactTag]] = relationship(
        cascade="all, delete-orphan", order_by="ContactTag.tag", lazy="selectin"
    )

    __table_args__ = (
        Index("ix_contacts_holder", "holder_id", "id"),
        Index("ix_contacts_holder_linkedin", "holder_id", "linkedin_key"),
        Index("ix_contacts_holder_name", "holder_id", "name_key"),
        Index("ix_contacts_shared_company", "company_key", "visibility"),
        Index("ix_contacts_shared_city", "city_key", "visibility"),
        Index("ix_contacts_matched_member", "matched_member_id"),
    )

    @property
    def tags(self) -> list[str]:
        return [t.tag for t in self.tag_rows]

    @property
    def display_name(self) -> str:
        return self.full_name or " ".join(p for p in (self.given_name, self.family_name) if p)


class ContactEmail(Base):
    __tablename__ = "contact_emails"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(String(254))
    normalized: Mapped[str] = mapped_column(String(254), default="")
    type: Mapped[str] = mapped_column(String(30), default="")

    __table_args__ = (
        Index("ix_contact_emails_contact", "contact_id"),
        Index("ix_contact_emails_normalized", "normalized"),
    )


class ContactPhone(Base):
    __tablename__ = "contact_phones"

    id: Mapped[int] = mapped_column(primary_key=True)
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    value: Mapped[str] = mapped_column(String(60))
    normalized: Mapped[str] = mapped_column(String(40), default="")
    type: Mapped[str] = mapped_column(String(30), default="")

    __table_args__ = (
        Index("ix_contact_phones_contact", "contact_id"),
        Index("ix_contact_phones_normalized", "normalized"),
    )


class ContactTag(Base):
    __tablename__ = "contact_tags"

    contact_id: Mapped[int] = mapped_column(
        ForeignKey("contacts.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(60), primary_key=True)

    __table_args__ = (Index("ix_contact_tags_tag", "tag"),)


class ContactImport(Base):
    """One import run and its report, so the holder can look back at what changed."""

    __tablename__ = "contact_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(200), default="")
    format: Mapped[str] = mapped_column(String(20))
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    possible_duplicates: Mapped[int] = mapped_column(default=0)
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (Index("ix_contact_imports_holder", "holder_id", "id"),)


class PossibleDuplicate(Base):
    """Two contacts of one holder that may be the same person: offered for merging, never
    merged without the holder's say."""

    __tablename__ = "contact_possible_duplicates"

    id: Mapped[int] = mapped_column(primary_key=True)
    holder_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    contact_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    candidate_id: Mapped[int] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(30))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        UniqueConstraint("contact_id", "candidate_id", name="uq_possible_duplicate_pair"),
        Index("ix_possible_duplicates_holder", "holder_id"),
    )


class HolderSettings(Base):
    """A holder's sharing defaults, applied to contacts they add or import."""

    __tablename__ = "contact_holder_settings"

    holder_id: Mapped[int] = mapped_column(
        ForeignKey("members.id", ondelete="CASCADE"), primary_key=True
    )
    default_visibility: Mapped[str] = mapped_column(String(10), default="private")
    default_card_fields: Mapped[list[str]] = mapped_column(JSON, default=list)


class OptOut(Base):
    """A person (usually not a member) who asked never to be shared or introduced.

    Only a keyed hash of the identifier is kept (HMAC-SHA256 with the secret key), so the
    registry itself does not become a list of addresses.
    """

    __tablename__ = "contact_optouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # email | phone | linkedin
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]


class ContactDisplay(Base):
    """Audit trail: one row each time someone other than the holder was shown a shared entry
    (a blind or open card, or an aggregate it counted towards, summarised by holder)."""

    __tablename__ = "contact_displays"

    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    holder_id: Mapped[int] = mapped_column(ForeignKey("members.id", ondelete="CASCADE"))
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("contacts.id", ondelete="CASCADE"))
    surface: Mapped[str] = mapped_column(String(20))  # search | path | profile | card
    at: Mapped[datetime] = mapped_column(default=utcnow)

    __table_args__ = (
        Index("ix_contact_displays_viewer_at", "viewer_id", "at"),
        Index("ix_contact_displays_contact", "contact_id"),
        Index("ix_contact_displays_holder", "holder_id", "at"),
    )

"""What a holder shares of a certificate: a listing in the public registry, and one-time wallet offers."""

from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.models.base import Base, utcnow

if TYPE_CHECKING:
    from lms.models.certificates import Certificate


class RegistryListing(Base):
    """A certificate shown in the public registry: only with its holder's consent, or where the holder's
    organization requires listing (`Organization.registry_listing_required`, told before enrolment).
    Withdrawing deletes the row: nothing of the entry is kept."""

    __tablename__ = "registry_listings"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    certificate_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"), unique=True
    )
    # The holder's name folded for search (lower case, no accents, single spaces): see registry.search_key.
    search_name: so.Mapped[str] = so.mapped_column(sa.String(160), index=True)
    # True when listed because the organization required it (the holder may not withdraw meanwhile).
    required: so.Mapped[bool] = so.mapped_column(default=False)
    listed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    certificate: so.Mapped["Certificate"] = so.relationship()


class WalletOffer(Base):
    """A one-time, expiring offer of a certificate's credential to the holder's wallet (the Learner
    Credential Wallet's credential request): the wallet posts to a URL carrying `token`; only its
    SHA-256 is kept."""

    __tablename__ = "wallet_offers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    certificate_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("certificates.id", ondelete="CASCADE"), index=True
    )
    token_sha256: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)
    challenge: so.Mapped[str] = so.mapped_column(sa.String(64))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    expires_at: so.Mapped[datetime]
    used_at: so.Mapped[datetime | None]

    certificate: so.Mapped["Certificate"] = so.relationship()

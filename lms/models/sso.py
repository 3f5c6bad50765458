"""Single sign-on: an organization's OpenID Connect identity provider, and the people it has signed in."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.models.base import Base, utcnow
from lms.models.orgs import Organization


class IdentityProvider(Base):
    """One OpenID Connect provider per organization. The client secret is stored encrypted
    (`lms.secret_box`); it is never shown again after it is saved."""

    __tablename__ = "identity_providers"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), unique=True
    )
    slug: so.Mapped[str] = so.mapped_column(sa.String(60), unique=True)  # the sign-in address /sso/<slug>
    name: so.Mapped[str] = so.mapped_column(sa.String(80))  # "Sign in with <name>"
    discovery_url: so.Mapped[str] = so.mapped_column(sa.String(500))
    issuer: so.Mapped[str] = so.mapped_column(sa.String(500))  # as the discovery document states it
    client_id: so.Mapped[str] = so.mapped_column(sa.String(255))
    client_secret_encrypted: so.Mapped[str] = so.mapped_column(sa.Text)
    allowed_domains: so.Mapped[str] = so.mapped_column(sa.Text, default="")  # lower case, space separated
    local_passwords_allowed: so.Mapped[bool] = so.mapped_column(default=True)
    join_as_trainee: so.Mapped[bool] = so.mapped_column(default=False)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, onupdate=utcnow)

    organization: so.Mapped[Organization] = so.relationship()

    @property
    def domains(self) -> list[str]:
        return self.allowed_domains.split()


class ExternalIdentity(Base):
    """A person's account at an identity provider, by the provider's issuer and its subject (`sub`):
    after the first sign-in, this link, never the e-mail address, says who signs in."""

    __tablename__ = "external_identities"
    __table_args__ = (sa.UniqueConstraint("issuer", "subject"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    issuer: so.Mapped[str] = so.mapped_column(sa.String(500))
    subject: so.Mapped[str] = so.mapped_column(sa.String(255))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_login_at: so.Mapped[datetime | None]

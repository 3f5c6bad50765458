"""People and their roles."""

import enum
from datetime import datetime
from typing import TYPE_CHECKING

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask_babel import gettext
from flask_login import UserMixin

from lms.models.base import Base, utcnow

if TYPE_CHECKING:
    from lms.models.orgs import Organization


class Role(enum.StrEnum):
    TRAINEE = "trainee"
    SUPERVISOR = "supervisor"
    ORG_ADMIN = "org_admin"
    ADMIN = "admin"

    @property
    def label(self) -> str:
        """The role's name in the reader's language (English outside a request)."""
        return {
            "trainee": gettext("Trainee"),
            "supervisor": gettext("Supervisor"),
            "org_admin": gettext("Organization administrator"),
            "admin": gettext("Administrator"),
        }[self.value]


class User(UserMixin, Base):
    __tablename__ = "users"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    email: so.Mapped[str | None] = so.mapped_column(sa.String(254), unique=True)
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    password_hash: so.Mapped[str | None] = so.mapped_column(sa.String(255))
    role: so.Mapped[str] = so.mapped_column(sa.String(20), default=Role.TRAINEE, index=True)
    organization_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="SET NULL"), index=True
    )
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_login_at: so.Mapped[datetime | None]
    last_activity_at: so.Mapped[datetime | None]
    failed_logins: so.Mapped[int] = so.mapped_column(default=0)
    locked_until: so.Mapped[datetime | None]
    erased_at: so.Mapped[datetime | None]
    # Changing the password invalidates reset links and other sessions.
    session_version: so.Mapped[int] = so.mapped_column(default=1)
    # The language this person reads PeerCert in ("en", "es"); None: the browser's, else the organization's.
    language: so.Mapped[str | None] = so.mapped_column(sa.String(8))

    organization: so.Mapped["Organization | None"] = so.relationship(back_populates="members")

    # The secret of the signed-in session this object was loaded for (lms/auth/sessions.py); not stored.
    session_secret = None

    @property
    def is_active(self) -> bool:  # Flask-Login: deactivated accounts cannot log in
        return self.active and self.erased_at is None

    def get_id(self) -> str:
        """What Flask-Login keeps in the session and the remember cookie: the account, its session
        generation and the secret of one server-side session record, so that each can be ended."""
        return f"{self.id}:{self.session_version}:{self.session_secret or ''}"

    def has_role(self, *roles: str) -> bool:
        return self.role in roles

    @property
    def role_label(self) -> str:
        return Role(self.role).label

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class UserSession(Base):
    """One signed-in browser. Log-out deletes it; a copied session or remember cookie then opens nothing."""

    __tablename__ = "user_sessions"

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    secret_hash: so.Mapped[str] = so.mapped_column(sa.String(64), unique=True)  # SHA-256 of the cookie's secret
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

"""LTI 1.3: the platforms (LMSs) an organization registered, who came from them, what they link to, and the
scores owed to them."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.models.base import Base, utcnow


class LtiPlatform(Base):
    """One registration of this tool in a platform (a Moodle site, a Canvas account): its issuer and the
    client id the platform gave us, the deployments it may launch from, and its three endpoints."""

    __tablename__ = "lti_platforms"
    __table_args__ = (sa.UniqueConstraint("issuer", "client_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    organization_id: so.Mapped[int] = so.mapped_column(
        sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    name: so.Mapped[str] = so.mapped_column(sa.String(120))
    issuer: so.Mapped[str] = so.mapped_column(sa.String(255))
    client_id: so.Mapped[str] = so.mapped_column(sa.String(255))
    deployment_ids: so.Mapped[list] = so.mapped_column(default=list)
    auth_login_url: so.Mapped[str] = so.mapped_column(sa.String(500))
    auth_token_url: so.Mapped[str] = so.mapped_column(sa.String(500))
    key_set_url: so.Mapped[str] = so.mapped_column(sa.String(500))
    active: so.Mapped[bool] = so.mapped_column(default=True)
    created_by_id: so.Mapped[int | None] = so.mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    organization = so.relationship("Organization")


class LtiIdentity(Base):
    """A person of a platform (its `sub`), tied to one account here. The only way a launch finds a person."""

    __tablename__ = "lti_identities"
    __table_args__ = (sa.UniqueConstraint("platform_id", "sub"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    platform_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    sub: so.Mapped[str] = so.mapped_column(sa.String(255))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    user = so.relationship("User")
    platform: so.Mapped[LtiPlatform] = so.relationship()


class LtiContext(Base):
    """A course of the platform we were launched from, with its roster service (NRPS) when it offers one."""

    __tablename__ = "lti_contexts"
    __table_args__ = (sa.UniqueConstraint("platform_id", "context_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    platform_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    context_id: so.Mapped[str] = so.mapped_column(sa.String(255))
    title: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    memberships_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    deployment_id: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    platform: so.Mapped[LtiPlatform] = so.relationship()


class LtiResourceLink(Base):
    """A placement in a platform's course pointing at one of ours (`target`, e.g. "quiz/<course>/<module>"),
    with the grade book column (AGS line item) that scores go to."""

    __tablename__ = "lti_resource_links"
    __table_args__ = (sa.UniqueConstraint("platform_id", "resource_link_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    platform_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    context_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("lti_contexts.id", ondelete="SET NULL"), index=True
    )
    resource_link_id: so.Mapped[str] = so.mapped_column(sa.String(255))
    title: so.Mapped[str] = so.mapped_column(sa.String(255), default="")
    target: so.Mapped[str] = so.mapped_column(sa.String(300), index=True)
    lineitem_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    lineitems_url: so.Mapped[str | None] = so.mapped_column(sa.String(500))
    ags_scopes: so.Mapped[list] = so.mapped_column(default=list)
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    platform: so.Mapped[LtiPlatform] = so.relationship()
    context: so.Mapped["LtiContext | None"] = so.relationship()


class LtiLaunch(Base):
    """A person launched a resource link at least once: only such people's scores go back to the platform."""

    __tablename__ = "lti_launches"
    __table_args__ = (sa.UniqueConstraint("resource_link_id", "user_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    resource_link_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lti_resource_links.id", ondelete="CASCADE"))
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    sub: so.Mapped[str] = so.mapped_column(sa.String(255))
    first_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    last_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    resource_link: so.Mapped[LtiResourceLink] = so.relationship()
    user = so.relationship("User")


class LtiNonce(Base):
    """A launch's nonce, spent: the same id_token (or nonce) presented again is a replay."""

    __tablename__ = "lti_nonces"
    __table_args__ = (sa.UniqueConstraint("platform_id", "nonce"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    platform_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lti_platforms.id", ondelete="CASCADE"))
    nonce: so.Mapped[str] = so.mapped_column(sa.String(255))
    used_at: so.Mapped[datetime] = so.mapped_column(default=utcnow, index=True)


class ScoreState:
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"


class LtiScore(Base):
    """The score owed to a platform for one launch (a person on a resource link): the latest result, what
    happened to its last sending, and how often it was tried. A re-grade overwrites it and makes it pending."""

    __tablename__ = "lti_scores"
    __table_args__ = (sa.UniqueConstraint("launch_id"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    launch_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("lti_launches.id", ondelete="CASCADE"))
    source: so.Mapped[str] = so.mapped_column(sa.String(40))  # quiz_attempt:<id> | exam_attempt:<id> | grade:<id>
    score_given: so.Mapped[float | None]  # None: the result was withdrawn (a voided exam attempt)
    score_maximum: so.Mapped[float]
    comment: so.Mapped[str] = so.mapped_column(sa.Text, default="")
    scored_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)
    state: so.Mapped[str] = so.mapped_column(sa.String(16), default=ScoreState.PENDING, index=True)
    tries: so.Mapped[int] = so.mapped_column(default=0)
    last_error: so.Mapped[str | None] = so.mapped_column(sa.Text)
    sent_at: so.Mapped[datetime | None]
    updated_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

    launch: so.Mapped[LtiLaunch] = so.relationship()

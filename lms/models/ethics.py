"""Signatures of a course's code of ethics."""

from datetime import datetime

import sqlalchemy as sa
import sqlalchemy.orm as so

from lms.models.base import Base, utcnow


class EthicsSignature(Base):
    """A person's signature of one version of a course's code of ethics, with the hash of the text signed."""

    __tablename__ = "ethics_signatures"
    # One signature per person, course and version of the code: a double submit cannot sign twice.
    __table_args__ = (sa.UniqueConstraint("user_id", "course_id", "code_version"),)

    id: so.Mapped[int] = so.mapped_column(primary_key=True)
    user_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    course_id: so.Mapped[int] = so.mapped_column(sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True)
    course_version_id: so.Mapped[int | None] = so.mapped_column(
        sa.ForeignKey("course_versions.id", ondelete="SET NULL"))
    code_title: so.Mapped[str] = so.mapped_column(sa.String(200))
    code_version: so.Mapped[str] = so.mapped_column(sa.String(32))
    text_sha256: so.Mapped[str] = so.mapped_column(sa.String(64))
    typed_name: so.Mapped[str] = so.mapped_column(sa.String(120))
    statement: so.Mapped[str] = so.mapped_column(sa.Text)
    signed_at: so.Mapped[datetime] = so.mapped_column(default=utcnow)

"""The audit log: who did what to whom, and when."""

from flask import has_request_context, request

from lms.extensions import db
from lms.models import AuditEvent, User


def record(
    action: str,
    *,
    actor: User | None = None,
    subject: object | None = None,
    target_user: User | None = None,
    **details,
) -> AuditEvent:
    """Add an audit event to the session; the caller commits with the change it describes."""
    subject_type = subject_id = None
    if subject is not None:
        subject_type = type(subject).__name__
        subject_id = str(getattr(subject, "number", None) or getattr(subject, "id", ""))
    event = AuditEvent(
        actor_id=actor.id if actor is not None and actor.is_authenticated else None,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        target_user_id=target_user.id if target_user is not None else None,
        details={key: value for key, value in details.items() if value is not None},
        ip=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event

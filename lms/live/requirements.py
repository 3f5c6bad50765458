"""The live-hours requirement of a certificate (lms.requirements)."""

from flask import has_request_context, url_for
from flask_babel import gettext as _

from lms import requirements
from lms.live.services import live_progress
from lms.models import Enrolment
from lms.requirements import Requirement


def live_hours_requirement(enrolment: Enrolment) -> Requirement | None:
    """None when the course declares no live minutes; met when attended and approved make-up minutes
    reach the declared live minutes. Earned minutes are those, capped at the declared minutes."""
    progress = live_progress(enrolment)
    if progress is None:
        return None
    return Requirement(
        key="live-hours",
        title=_("Live sessions"),
        met=progress.met,
        detail=_("%(done)d of %(required)d live minutes attended", done=progress.credited, required=progress.required),
        earned_minutes=progress.credited,
        url=url_for("live.mine") if has_request_context() else None,
    )


if live_hours_requirement not in requirements.PROVIDERS:
    requirements.PROVIDERS.append(live_hours_requirement)

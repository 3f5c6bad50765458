"""Demo data for coordinators and supervisors: supervised hours to review and a pending invitation."""

from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from lms.extensions import db
from lms.models import Invitation, ReviewState, SupervisedHours, utcnow

DEMO_HOURS = [  # (days ago, setting, activity, hours, state, note)
    (20, "Riverside drop-in centre", "One-to-one peer support conversations during the afternoon drop-in.", "3",
     ReviewState.APPROVED, ""),
    (12, "Warmline", "Evening warmline shift: listened, validated, shared resources.", "4", ReviewState.APPROVED, ""),
    (6, "Recovery group", "Co-facilitated the weekly recovery group.", "2",
     ReviewState.RETURNED, "Please describe your role in the group, without naming participants."),
    (2, "Riverside drop-in centre", "Welcomed newcomers and explained what peer support is.", "3.5",
     ReviewState.PENDING, ""),
]


def seed_orgs(people: dict, cohorts: list) -> None:
    """Once: supervised hours in every review state for two demo trainees, and an invitation waiting."""
    supervisor = people.get("supervisor@example.org")
    for email in ("trainee@example.org", "elena@example.org"):
        _seed_hours(people.get(email), supervisor)
    _seed_invitation(people.get("coordinator@example.org"), cohorts)
    db.session.flush()


def _seed_hours(trainee, supervisor) -> None:
    if trainee is not None and not db.session.scalar(
        sa.select(sa.func.count(SupervisedHours.id)).where(SupervisedHours.user_id == trainee.id)
    ):
        today = date.today()
        for days, setting, activity, hours, state, note in DEMO_HOURS:
            reviewed = state != ReviewState.PENDING
            db.session.add(SupervisedHours(
                user_id=trainee.id, worked_on=today - timedelta(days=days), setting=setting, activity=activity,
                hours=Decimal(hours), state=state, review_note=note,
                reviewed_by_id=supervisor.id if reviewed and supervisor else None,
                reviewed_at=utcnow() - timedelta(days=days - 1) if reviewed else None,
            ))


def _seed_invitation(coordinator, cohorts) -> None:
    if coordinator is not None and cohorts and not db.session.scalar(
        sa.select(sa.func.count(Invitation.id)).where(Invitation.organization_id == coordinator.organization_id)
    ):
        from lms.orgs.invitations import invite

        # The link is not shown anywhere: the demo only shows a pending invitation on the People page.
        invite(coordinator.organization, email="quinn.newcomer@example.org", name="Quinn Newcomer",
               role="trainee", cohort=cohorts[0], actor=coordinator)

"""The supervised-hours requirement: approved supervised practice against the course's certificate rule."""

from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_decimal
from flask_babel import gettext as _

from lms.extensions import db
from lms.learning.requirements import link
from lms.models import Enrolment, ReviewState, SupervisedHours
from lms.requirements import Requirement, register


def approved_hours(user_id: int) -> Decimal:
    total = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(SupervisedHours.hours), 0)).where(
        SupervisedHours.user_id == user_id, SupervisedHours.state == ReviewState.APPROVED))
    return Decimal(str(total or 0))


def supervised_hours_requirement(enrolment: Enrolment) -> Requirement | None:
    """None when the course's certificate asks for no supervised hours. Earns no hours of instruction:
    supervised practice is its own requirement, not training time."""
    rules = enrolment.course_version.certificate_rules or {}
    required = Decimal(str(rules.get("supervised_hours_required") or 0))
    if required <= 0:
        return None
    approved = approved_hours(enrolment.user_id)
    return Requirement(
        key="supervised-hours",
        title=_("Supervised practice hours"),
        met=approved >= required,
        detail=_("%(approved)s of %(required)s hours approved by a supervisor",
                 approved=format_decimal(approved, format="#,##0.##"),
                 required=format_decimal(required, format="#,##0.##")),
        url=link("practice.mine"),
    )


register(supervised_hours_requirement)

"""Demo data: one demo trainee has signed their course's code of ethics; the others still have it to sign."""

import sqlalchemy as sa

from lms.ethics import services
from lms.extensions import db
from lms.models import Cohort, EthicsSignature, User

SIGNED_BY = "elena@example.org"


def seed_demo(people: dict[str, User], cohorts: list[Cohort]) -> None:
    """Once: Jordan signs each code of ethics their enrolments ask for, typing the account's name."""
    person = people.get(SIGNED_BY)
    if person is None or db.session.scalar(
            sa.select(sa.func.count(EthicsSignature.id)).where(EthicsSignature.user_id == person.id)):
        return
    for item in services.codes_for(person):
        if not item.signed:
            services.sign_code(person, item, typed_name=person.name, agreed=True)
    db.session.flush()

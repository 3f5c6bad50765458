"""Demo data: the certified holders signed their course's code of ethics before their certificate was
issued, and Elena (part-way) has signed it already; the other trainees still have it to sign."""

from datetime import timedelta

import sqlalchemy as sa

from lms.certificates import demo as certificates_demo
from lms.ethics import services
from lms.extensions import db
from lms.models import Cohort, EthicsSignature, User

SIGNED_BY = "elena@example.org"
SIGNED_DAYS_AGO = 20
SIGNED_DAYS_BEFORE_CERTIFICATE = 3


def seed_demo(people: dict[str, User], cohorts: list[Cohort]) -> None:
    """Idempotent per person: each signs, typing the account's name, and the signature is set back to
    the moment it happened in the demo's story."""
    signers = [(enrolment.user, certificates_demo.moment_before(certificate, days=SIGNED_DAYS_BEFORE_CERTIFICATE))
               for enrolment, certificate in certificates_demo.certified_holders(people)]
    if people.get(SIGNED_BY) is not None:
        signers.append((people[SIGNED_BY], None))
    for person, signed_at in signers:
        if db.session.scalar(sa.select(sa.func.count(EthicsSignature.id)).where(EthicsSignature.user_id == person.id)):
            continue
        for item in services.codes_for(person):
            if not item.signed:
                signature = services.sign_code(person, item, typed_name=person.name, agreed=True)
                signature.signed_at = signed_at or signature.signed_at - timedelta(days=SIGNED_DAYS_AGO)
                certificates_demo.backdate_audit(signature, signature.signed_at)
    db.session.flush()

"""Plain functions that add, flush and return test data."""

import itertools
from datetime import date

from lms.extensions import db
from lms.models import Cohort, Organization, Role, User
from lms.auth.services import hash_password

PASSWORD = "correct horse battery"
_counter = itertools.count(1)
_HASH_CACHE: dict[str, str] = {}


def _hash(password: str) -> str:
    # scrypt is slow on purpose; tests hash each distinct password once.
    if password not in _HASH_CACHE:
        _HASH_CACHE[password] = hash_password(password)
    return _HASH_CACHE[password]


def make_org(name: str | None = None, **fields) -> Organization:
    org = Organization(name=name or f"Organization {next(_counter)}", **fields)
    db.session.add(org)
    db.session.flush()
    return org


def make_user(role: Role = Role.TRAINEE, *, org: Organization | None = None, email: str | None = None,
              name: str | None = None, password: str = PASSWORD, **fields) -> User:
    n = next(_counter)
    user = User(
        email=email or f"{role}{n}@example.org",
        name=name or f"{Role(role).label} {n}",
        password_hash=_hash(password),
        role=str(role),
        organization=org,
        **fields,
    )
    db.session.add(user)
    db.session.flush()
    return user


def make_cohort(org: Organization, *, supervisors=(), trainees=(), name: str | None = None) -> Cohort:
    cohort = Cohort(organization=org, name=name or f"Cohort {next(_counter)}",
                    starts_on=date(2026, 1, 5), ends_on=date(2026, 6, 30))
    cohort.supervisors.extend(supervisors)
    cohort.trainees.extend(trainees)
    db.session.add(cohort)
    db.session.flush()
    return cohort

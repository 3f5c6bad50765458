"""Demo data for trying the product: loaded once by `flask --app lms demo` (and `flask --app lms setup`).

Everything is made through the services a person's clicks would call (enrol, read, take the knowledge
check, submit a role-play, grade it, second-mark it blind), then set back to the moment it happened in the
demo's story, so every chart, the progress grid and the agreement page tell the same story:

- three certified trainees (valid, expired, revoked) who passed all fifteen modules of the core course;
- three trainees part-way (one struggling with resubmissions, one stuck for weeks after failed checks),
  one in another cohort who also takes the continuing-education course;
- blind second marks and calibration grades by two supervisors, with a criterion they disagree on;
- role-plays waiting for a grade, supervised hours and continuing education in every review state;
- what a certificate requires beyond the modules, consistent with the certificates: each certified holder
  passed the exam in a proctored sitting, had the intake's live hours credited and signed the code of
  ethics before the certificate's date; the trainees part-way have attendance with gaps (Taylor late,
  Tomás absent), a session coming in each cohort, an exam sitting open now, Elena signed the code and
  has extra time (1.5x).

The demo needs the shipped courses: without them it refuses and says to run `flask --app lms setup`.

Extension point: a feature adds its demo data by appending a function to `SEEDERS`. Each seeder takes the
`DemoWorld` (people by e-mail, cohorts, the core course version and its modules, `now`), runs once per
demo database after the seeders before it, and may add logins to `world.logins` as (label, e-mail).
"""

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _

from lms import requirements_demo
from lms.auth.services import create_user, find_user_by_email, hash_password
from lms.certificates import demo as certificates_demo
from lms.errors import CoursesMissing
from lms.ethics import demo as ethics_demo
from lms.exams import demo as exams_demo
from lms.extensions import db
from lms.item_analysis import demo as item_analysis_demo
from lms.learning import demo as learning_demo
from lms.live import demo as live_demo
from lms.models import Cohort, CourseVersion, Role, User, utcnow
from lms.orgs.demo import seed_orgs
from lms.orgs.services import get_or_create_organization
from lms.roleplay import demo as roleplay_demo
from lms.roleplay import submissions as roleplay_submissions
from lms.signals import course_completed

DEMO_PASSWORD = "peer-support-demo"  # noqa: S105 - the published demo password (README), demo data only
DEMO_ORGANIZATION = "Riverside Peer Network"

# Names differ from every character of the shipped scenarios (Jordan, Dana, Priya, Sam, Lee, Jamie, Noor...).
DEMO_PEOPLE = [
    (Role.ADMIN, "admin@example.org", "Morgan Admin"),
    (Role.ORG_ADMIN, "coordinator@example.org", "Riley Coordinator"),
    (Role.SUPERVISOR, "supervisor@example.org", "Robin Supervisor"),
    (Role.SUPERVISOR, "supervisor2@example.org", "Alex Second-Supervisor"),
    (Role.TRAINEE, "trainee@example.org", "Taylor Trainee"),
    (Role.TRAINEE, "elena@example.org", "Elena Rivera"),
    (Role.TRAINEE, "tomas@example.org", "Tomás Reyes"),
    (Role.TRAINEE, "casey@example.org", "Casey Brennan"),
]
SPRING_TRAINEES = ["trainee@example.org", "elena@example.org", "tomas@example.org"]


@dataclass
class DemoWorld:
    people: dict[str, User]
    cohorts: list[Cohort]
    core: CourseVersion
    modules: list
    now: datetime
    logins: list[tuple[str, str]] = field(default_factory=list)
    graded: list = field(default_factory=list)  # submissions graded without a second mark (calibration picks)

    def graders(self, email: str) -> list[User]:
        """The supervisors of the trainee's cohort (the spring cohort has two, the autumn one has one)."""
        cohort = next(c for c in self.cohorts if self.people[email] in c.trainees)
        return sorted(cohort.supervisors, key=lambda user: user.id)


def seed_demo() -> list[tuple[str, str]]:
    """Create the demo (once) and return its logins as (label, e-mail); refuse without the courses."""
    core = learning_demo.live_version(learning_demo.CORE_COURSE)
    if core is None:
        raise CoursesMissing(_("The demo needs the shipped courses, and none are loaded. Run "
                               "“flask --app lms setup” (it loads the courses, then the demo)."))
    already = find_user_by_email(DEMO_PEOPLE[0][1]) is not None
    world = _world(core)
    if not already:
        for seeder in SEEDERS:
            seeder(world)
        db.session.flush()
    return world.logins


def _world(core: CourseVersion) -> DemoWorld:
    organization = get_or_create_organization(DEMO_ORGANIZATION)
    if organization.invite_code is None:
        organization.invite_code = "RIVERSIDE-2026"
    certified = [(Role.TRAINEE, email, name) for email, name, *_ in certificates_demo.CERTIFIED_PEOPLE]
    people, logins, hashed = {}, [], None
    for role, email, name in DEMO_PEOPLE + certified:
        people[email] = find_user_by_email(email)
        if people[email] is None:
            hashed = hashed or hash_password(DEMO_PASSWORD)  # once: scrypt is slow on purpose
            people[email] = create_user(
                email=email, name=name, password=None, password_hash=hashed, role=role,
                organization=None if role == Role.ADMIN else organization)
        logins.append((Role(role).label, email))
    # Elena reads PeerCert in Spanish (her account's language), to show the Spanish edition.
    if people["elena@example.org"].language is None:
        people["elena@example.org"].language = "es"
    for index, (email, _name, state, _days) in enumerate(certificates_demo.CERTIFIED_PEOPLE):
        logins[len(DEMO_PEOPLE) + index] = (_("Certified trainee (%(state)s)", state=state), email)
    spring = _cohort(organization, "Spring 2026", date(2026, 3, 2), date(2026, 6, 26))
    autumn = _cohort(organization, "Autumn 2026", date(2026, 9, 7), date(2026, 12, 18))
    _assign(spring, supervisors=[people["supervisor@example.org"], people["supervisor2@example.org"]],
            trainees=[people[email] for email in SPRING_TRAINEES]
            + [people[email] for email, *_ in certificates_demo.CERTIFIED_PEOPLE])
    _assign(autumn, supervisors=[people["supervisor2@example.org"]], trainees=[people["casey@example.org"]])
    db.session.flush()
    return DemoWorld(people, [spring, autumn], core, learning_demo.core_modules(core), utcnow(), logins)


def _cohort(organization, name, starts_on, ends_on) -> Cohort:
    cohort = db.session.scalar(
        sa.select(Cohort).where(Cohort.organization_id == organization.id, Cohort.name == name)
    )
    if cohort is None:
        cohort = Cohort(organization=organization, name=name, starts_on=starts_on, ends_on=ends_on)
        db.session.add(cohort)
    return cohort


def _assign(cohort, *, supervisors, trainees) -> None:
    for supervisor in supervisors:
        if supervisor not in cohort.supervisors:
            cohort.supervisors.append(supervisor)
    for trainee in trainees:
        if trainee not in cohort.trainees:
            cohort.trainees.append(trainee)


# --- histories -----------------------------------------------------------------------------------------------

def pass_modules(world: DemoWorld, email: str, *, start: datetime, end: datetime, count: int,
                 struggle_every: int = 0):
    """The trainee passes the first `count` modules between `start` and `end`, through the services.
    Every `struggle_every`-th module they fail the knowledge check once and resubmit the role-play."""
    rng = random.Random(email)  # noqa: S311 - a reproducible demo story, not a secret
    enrolment = learning_demo.enrol(world.people[email], world.core, at=start,
                                    by=world.people["coordinator@example.org"])
    step = (end - start) / max(count, 1)
    for index, module in enumerate(world.modules[:count]):
        at = start + step * (index + 1)
        struggle = bool(struggle_every) and (index + 1) % struggle_every == 0
        learning_demo.study(enrolment, module, at=at - step / 2)
        roleplay_demo.pass_scenarios(enrolment, module, at=at - step / 4, graders=world.graders(email), rng=rng,
                                     struggle=struggle)
        if module.quiz is not None:
            learning_demo.take_quiz(enrolment, module.quiz, at=at, fail_first=struggle)
        learning_demo.settle(enrolment, module, at=at)
        world.graded.extend(s for s in module_submissions(enrolment, module) if s.second_marker_id is None)
    return enrolment


def module_submissions(enrolment, module) -> list:
    return [s for scenario in module.scenarios
            for s in roleplay_submissions.attempts_for(enrolment.user_id, scenario.id)]


def seed_certified(world: DemoWorld) -> None:
    """Valid, expired and revoked: each passed all fifteen modules over three months, then was certified."""
    with course_completed.muted():  # issued below on the story's date, not today
        for email, _name, state, days in certificates_demo.CERTIFIED_PEOPLE:
            completed_at = world.now - timedelta(days=days)
            enrolment = pass_modules(world, email, start=completed_at - timedelta(days=90), end=completed_at,
                                     count=len(world.modules), struggle_every=5 if state != "valid" else 7)
            learning_demo.left_off(enrolment, world.modules[-1], world.modules[-1].lessons[-1], at=completed_at)
            certificate = certificates_demo.certify(enrolment, state, completed_at=completed_at)
            if state == "valid":
                certificates_demo.seed_continuing_education(
                    world.people[email], world.people["supervisor@example.org"],
                    issued_on=certificate.issued_on, today=world.now.date())


def seed_in_progress(world: DemoWorld) -> None:
    """Taylor and Elena part-way (Elena resubmits now and then), Tomás stuck, Casey just started."""
    now = world.now
    for email, modules_passed, struggle in (("trainee@example.org", 4, 0), ("elena@example.org", 7, 3)):
        enrolment = pass_modules(world, email, start=now - timedelta(days=60), end=now - timedelta(days=3),
                                 count=modules_passed, struggle_every=struggle)
        current = world.modules[modules_passed]
        learning_demo.study(enrolment, current, at=now - timedelta(days=2))
        if current.quiz is not None:
            learning_demo.take_quiz(enrolment, current.quiz, at=now - timedelta(days=1))
        learning_demo.left_off(enrolment, current, current.lessons[-1], at=now - timedelta(days=1))
    _seed_stuck(world)
    casey = learning_demo.enrol(world.people["casey@example.org"], world.core, at=now - timedelta(days=20))
    first = world.modules[0]
    learning_demo.study(casey, first, at=now - timedelta(days=5))
    if first.quiz is not None:
        learning_demo.take_quiz(casey, first.quiz, at=now - timedelta(days=4))
    learning_demo.left_off(casey, first, first.lessons[-1], at=now - timedelta(days=3))
    telehealth = learning_demo.live_version(learning_demo.CE_COURSE)
    if telehealth is not None:
        learning_demo.enrol(world.people["casey@example.org"], telehealth, at=now - timedelta(days=10))


def _seed_stuck(world: DemoWorld) -> None:
    """Tomás passed the first module, then failed the second's knowledge check three times and went quiet."""
    now, email = world.now, "tomas@example.org"
    enrolment = pass_modules(world, email, start=now - timedelta(days=50), end=now - timedelta(days=30), count=1)
    second = world.modules[1]
    learning_demo.study(enrolment, second, at=now - timedelta(days=28))
    if second.quiz is not None:
        for days_ago in (27, 25, 23):
            learning_demo.take_quiz(enrolment, second.quiz, at=now - timedelta(days=days_ago), passes=False)
    learning_demo.left_off(enrolment, second, second.lessons[0], at=now - timedelta(days=23))


def seed_queue(world: DemoWorld) -> None:
    """Role-plays waiting for a grade in each supervisor's queue; one also waits for its blind second mark."""
    people, now = world.people, world.now
    waiting = [("trainee@example.org", 4, 30, None), ("elena@example.org", 7, 8, "supervisor2@example.org"),
               ("casey@example.org", 0, 52, None)]
    for email, module_index, hours_ago, second_email in waiting:
        module = world.modules[module_index]
        if module.scenarios:
            roleplay_demo.wait_for_grade(people[email], module.scenarios[0], at=now - timedelta(hours=hours_ago),
                                         second_marker=people.get(second_email) if second_email else None)


def seed_calibration(world: DemoWorld) -> None:
    recent = [s for s in world.graded if s.graded_at and s.graded_at > world.now - timedelta(days=60)]
    roleplay_demo.seed_calibration(
        world.people["admin@example.org"],
        [world.people["supervisor@example.org"], world.people["supervisor2@example.org"]],
        recent[-4:], at=world.now - timedelta(days=2))


def seed_hours(world: DemoWorld) -> None:
    seed_orgs(world.people, world.cohorts)


def seed_certification_steps(world: DemoWorld) -> None:
    """The exam, live sessions, the signed code, active time and a past intake for item analysis."""
    for seeder in (exams_demo.seed_demo, live_demo.seed_demo, ethics_demo.seed_demo, requirements_demo.seed_demo,
                   item_analysis_demo.seed_demo):
        seeder(world.people, world.cohorts)


SEEDERS: list[Callable[[DemoWorld], None]] = [
    seed_certified, seed_in_progress, seed_queue, seed_calibration, seed_hours, seed_certification_steps,
]

"""Who may do what: every permission rule of the application lives here.

Two kinds of rule:
- Route rules. Every view carries an `access_rule`: `PUBLIC`, `SIGNED_IN`, or a frozenset of roles.
  `tests/test_permissions.py` walks `app.url_map` and fails for a view without one.
- Object rules, named `can_*`, taking the acting user first: whether this user may see or act on this
  object (a trainee's work, a cohort, a certificate...). Each is false for an anonymous user.
  `lms/templating.py` hands every `can_*` to templates with the signed-in user already bound, so a
  template asks `can_grade_roleplay(trainee)` and never compares roles itself.
  `tests/test_permission_table.py` checks each object rule for the same cohort, another cohort and
  another organization, per role.
"""

from collections.abc import Callable
from functools import wraps

import sqlalchemy as sa
import sqlalchemy.orm as so
from flask import abort, current_app, redirect, request, url_for
from flask_login import current_user

from lms.extensions import db
from lms.models import Cohort, Role, User, cohort_supervisors, cohort_trainees

PUBLIC = "public"
SIGNED_IN = "signed-in"


def public(view: Callable) -> Callable:
    """Anyone may use this route (verification, login, the API with its own limits)."""
    view.access_rule = PUBLIC
    return view


def _guard(view: Callable, rule) -> Callable:
    @wraps(view)
    def wrapper(*args, **kwargs):
        if not current_user.is_authenticated:
            if request.path.startswith("/api/"):
                abort(401)
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        if rule != SIGNED_IN and current_user.role not in rule:
            abort(403)
        return view(*args, **kwargs)

    wrapper.access_rule = rule
    return wrapper


def signed_in(view: Callable) -> Callable:
    """Any signed-in user, whatever the role (their own account pages)."""
    return _guard(view, SIGNED_IN)


def role_required(*roles: Role) -> Callable[[Callable], Callable]:
    """Only users holding one of `roles`; others get 403, anonymous users are sent to log in."""
    allowed = frozenset(str(role) for role in roles)

    def decorator(view: Callable) -> Callable:
        return _guard(view, allowed)

    return decorator


def rule_allows(rule, user) -> bool:
    if rule == PUBLIC:
        return True
    if not user.is_authenticated:
        return False
    return rule == SIGNED_IN or user.role in rule


def may_open(user, endpoint: str) -> bool:
    """Whether `user` passes the route rule of `endpoint` (used to build navigation)."""
    view = current_app.view_functions.get(endpoint)
    return view is not None and rule_allows(getattr(view, "access_rule", None), user)


def _has_role(user, *roles: Role) -> bool:
    return bool(user.is_authenticated) and user.role in roles


def _same_organization(user, organization_id: int | None) -> bool:
    return user.organization_id is not None and user.organization_id == organization_id


def is_staff(user) -> bool:
    return user.is_authenticated and user.role in {Role.SUPERVISOR, Role.ORG_ADMIN, Role.ADMIN}


def supervised_trainee_ids(supervisor) -> sa.Select:
    """The ids of the trainees `supervisor` supervises, as a query to filter with: trainees of the cohorts
    the supervisor is assigned to, where the cohort and the trainee both belong to the supervisor's own
    organization. A membership left over from a move to another organization never counts."""
    trainee = so.aliased(User)
    return (
        sa.select(cohort_trainees.c.user_id)
        .join(cohort_supervisors, cohort_supervisors.c.cohort_id == cohort_trainees.c.cohort_id)
        .join(Cohort, Cohort.id == cohort_trainees.c.cohort_id)
        .join(trainee, trainee.id == cohort_trainees.c.user_id)
        .where(
            cohort_supervisors.c.user_id == supervisor.id,
            Cohort.organization_id == supervisor.organization_id,
            trainee.organization_id == supervisor.organization_id,
        )
    )


def supervisor_ids_of(trainee) -> sa.Select:
    """The ids of the people who supervise `trainee`, as a query: the same rule as `supervised_trainee_ids`
    read the other way (assigned to a cohort of the trainee, cohort and supervisor in the trainee's
    organization)."""
    supervisor = so.aliased(User)
    return (
        sa.select(cohort_supervisors.c.user_id)
        .join(cohort_trainees, cohort_trainees.c.cohort_id == cohort_supervisors.c.cohort_id)
        .join(Cohort, Cohort.id == cohort_supervisors.c.cohort_id)
        .join(supervisor, supervisor.id == cohort_supervisors.c.user_id)
        .where(
            cohort_trainees.c.user_id == trainee.id,
            Cohort.organization_id == trainee.organization_id,
            supervisor.organization_id == trainee.organization_id,
        )
    )


def cohorts_trainee_ids(cohort_ids) -> sa.Select:
    """(cohort id, trainee id) for several cohorts at once, by the rule of `cohort_trainee_ids`."""
    return (
        sa.select(cohort_trainees.c.cohort_id, cohort_trainees.c.user_id)
        .join(Cohort, Cohort.id == cohort_trainees.c.cohort_id)
        .join(User, User.id == cohort_trainees.c.user_id)
        .where(cohort_trainees.c.cohort_id.in_(cohort_ids), User.organization_id == Cohort.organization_id)
    )


def cohort_trainee_ids(cohort_id: int) -> sa.Select:
    """The ids of a cohort's trainees who belong to the cohort's organization (dashboards and exports)."""
    return (
        sa.select(cohort_trainees.c.user_id)
        .join(Cohort, Cohort.id == cohort_trainees.c.cohort_id)
        .join(User, User.id == cohort_trainees.c.user_id)
        .where(cohort_trainees.c.cohort_id == cohort_id, User.organization_id == Cohort.organization_id)
    )


def supervises(supervisor, trainee_id: int) -> bool:
    """Whether `supervisor` is assigned to a cohort of their organization that `trainee_id` belongs to."""
    if supervisor.organization_id is None:
        return False
    query = supervised_trainee_ids(supervisor).where(cohort_trainees.c.user_id == trainee_id).limit(1)
    return db.session.execute(query).first() is not None


def can_view_roleplay_work(user, trainee) -> bool:
    """Transcripts and recordings: the trainee, their cohort's supervisors and administrators only."""
    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN or user.id == trainee.id:
        return True
    return user.role == Role.SUPERVISOR and supervises(user, trainee.id)


def can_view_progress(user, trainee) -> bool:
    """Progress and transcripts of record: also the trainee's organization administrators."""
    if can_view_roleplay_work(user, trainee):
        return True
    return (
        user.is_authenticated
        and user.role == Role.ORG_ADMIN
        and user.organization_id is not None
        and user.organization_id == trainee.organization_id
    )


def supervised_cohort_ids(supervisor) -> sa.Select:
    """The ids of the cohorts `supervisor` is assigned to that belong to their organization, as a query."""
    return (
        sa.select(cohort_supervisors.c.cohort_id)
        .join(Cohort, Cohort.id == cohort_supervisors.c.cohort_id)
        .where(cohort_supervisors.c.user_id == supervisor.id, Cohort.organization_id == supervisor.organization_id)
    )


def supervises_cohort(supervisor, cohort_id: int) -> bool:
    """Whether `supervisor` is assigned to the cohort `cohort_id`, and it belongs to their organization."""
    if supervisor.organization_id is None:
        return False
    query = supervised_cohort_ids(supervisor).where(cohort_supervisors.c.cohort_id == cohort_id).limit(1)
    return db.session.execute(query).first() is not None


def can_manage_organization(user, organization_id: int | None) -> bool:
    """Invitations, cohorts and accounts of an organization: its administrators and administrators."""
    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    return (
        user.role == Role.ORG_ADMIN
        and user.organization_id is not None
        and user.organization_id == organization_id
    )


def can_manage_sso(user, organization_id: int | None) -> bool:
    """An organization's single sign-on settings (its identity provider, client secret, who may join):
    its administrators and administrators."""
    return can_manage_organization(user, organization_id)


def can_view_cohort(user, cohort) -> bool:
    """A cohort's dashboard: the supervisors assigned to it, its organization's administrators, admins."""
    if can_manage_organization(user, cohort.organization_id):
        return True
    return user.is_authenticated and user.role == Role.SUPERVISOR and supervises_cohort(user, cohort.id)


def can_review_hours(user, trainee) -> bool:
    """Supervised practice hours: a supervisor of one of the trainee's cohorts, or an administrator."""
    if not user.is_authenticated or user.id == trainee.id:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SUPERVISOR and supervises(user, trainee.id)


def can_grade_roleplay(user, trainee) -> bool:
    """Grading a trainee's role-play: supervisors of their cohorts and administrators."""
    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    return user.role == Role.SUPERVISOR and user.id != trainee.id and supervises(user, trainee.id)


def can_calibrate(user, submission) -> bool:
    """A calibration sample, shown without the trainee's name: supervisors of the trainee's organization
    (an administrator chose to share it for calibration) and administrators."""
    if not user.is_authenticated or not submission.is_calibration:
        return False
    if user.role == Role.ADMIN:
        return True
    return (
        user.role == Role.SUPERVISOR
        and user.organization_id is not None
        and user.organization_id == submission.trainee.organization_id
    )


def item_analysis_trainee_ids(user) -> sa.Select | None:
    """Whose attempts item analysis counts for `user`: None for everyone's (administrators, the course
    authors); an organization administrator's organization's trainees; a supervisor's cohorts' trainees;
    nobody's for anyone else. Only statistics are ever shown, never one trainee's answers."""
    if user.is_authenticated and user.role == Role.ADMIN:
        return None
    if user.is_authenticated and user.organization_id is not None:
        if user.role == Role.ORG_ADMIN:
            return sa.select(User.id).where(User.organization_id == user.organization_id)
        if user.role == Role.SUPERVISOR:
            return supervised_trainee_ids(user)
    return sa.select(User.id).where(sa.false())


def can_manage_exam_of(user, trainee) -> bool:
    """Exam accommodations and voiding an exam attempt: a supervisor of one of the trainee's cohorts, the
    trainee's organization administrators, and administrators; never the trainee themselves."""
    if not user.is_authenticated or user.id == trainee.id:
        return False
    if can_manage_organization(user, trainee.organization_id):
        return True
    return user.role == Role.SUPERVISOR and supervises(user, trainee.id)


def can_run_live_sessions(user, cohort) -> bool:
    """A cohort's live sessions (scheduling, attendance, make-ups): the supervisors assigned to it, its
    organization's administrators and administrators, the same people who see its dashboard."""
    return can_view_cohort(user, cohort)
def can_see_every_organization(user) -> bool:
    """Pages that list every organization's rows (and say which organization each belongs to)."""
    return _has_role(user, Role.ADMIN)


def can_manage_own_organization(user) -> bool:
    """Every cohort and account of the user's own organization (not only the cohorts they supervise)."""
    return _has_role(user, Role.ADMIN) or (_has_role(user, Role.ORG_ADMIN)
                                           and user.organization_id is not None)


def can_practise(user) -> bool:
    """Enrolling in a course and attempting its role-plays: trainees only (staff see the material)."""
    return _has_role(user, Role.TRAINEE)


def can_share_calibration_samples(user) -> bool:
    """Choosing which graded submissions supervisors calibrate on: administrators."""
    return _has_role(user, Role.ADMIN)


def can_mark_calibration(user, submission) -> bool:
    """Sharing a graded submission as a calibration sample: administrators, never for a live role-play
    (it has no transcript or recording to calibrate on)."""
    return can_share_calibration_samples(user) and submission.kind != "live"


def can_view_transcript(user, person) -> bool:
    """A person's transcript of record: only trainees have one, shown to those who may see their progress."""
    return _has_role(person, Role.TRAINEE) and can_view_progress(user, person)


def can_view_certificate_private(user, certificate) -> bool:
    """A certificate's private page (confirm, correct the name, renew): its holder only. Administrators
    manage it from their own pages; everyone else uses the public verification page."""
    return bool(user.is_authenticated) and user.id == certificate.user_id


def can_set_registry_rule(user, organization) -> bool:
    """Whether an organization requires its trainees' certificates in the public registry (and why): its
    administrators and administrators, the people who manage it."""
    return can_manage_organization(user, organization.id)


def can_review_continuing_education(user, trainee_id: int) -> bool:
    """An outside continuing-education activity: a supervisor of one of the holder's cohorts, or an
    administrator."""
    if _has_role(user, Role.ADMIN):
        return True
    return _has_role(user, Role.SUPERVISOR) and user.id != trainee_id and supervises(user, trainee_id)


def can_view_continuing_education(user, entry) -> bool:
    """An activity and its evidence: its holder, and those who may review it."""
    if not user.is_authenticated:
        return False
    return user.id == entry.user_id or can_review_continuing_education(user, entry.user_id)


def can_manage_lti(user, organization_id: int | None) -> bool:
    """Registering an organization's LTI platforms (Moodle, Canvas, ...) and changing them: the
    organization's administrators and administrators, as for the rest of the organization's settings."""
    return can_manage_organization(user, organization_id)


def can_place_lti_content(user, platform) -> bool:
    """Answering a platform's deep-linking request (choosing what its course links to): staff of the
    platform's organization who came from it, while its registration is on."""
    return (_has_role(user, Role.SUPERVISOR, Role.ORG_ADMIN) and bool(platform.active)
            and _same_organization(user, platform.organization_id))


def can_sync_lti_roster(user, cohort, platform_organization_id: int | None = None) -> bool:
    """Reading a platform course's roster into a cohort: a supervisor of that cohort, its organization's
    administrators, administrators; never from a platform of another organization."""
    if not user.is_authenticated:
        return False
    if platform_organization_id is not None and platform_organization_id != cohort.organization_id:
        return False
    if can_manage_organization(user, cohort.organization_id):
        return True
    return user.role == Role.SUPERVISOR and supervises_cohort(user, cohort.id)


def object_rules() -> dict[str, Callable]:
    """Every `can_*` rule of this module by name (templates receive them bound to the current user)."""
    return {name: rule for name, rule in globals().items() if name.startswith("can_") and callable(rule)}


def can_manage_xapi(user, organization_id: int | None) -> bool:
    """An organization's learning record store (settings, secret, the statements sent and failed): its
    administrators and administrators."""
    if not user.is_authenticated:
        return False
    if user.role == Role.ADMIN:
        return True
    return _has_role(user, Role.ORG_ADMIN) and _same_organization(user, organization_id)

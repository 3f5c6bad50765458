"""The landing page and each role's home."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from lms.auth.permissions import public, signed_in
from lms.models import Role

bp = Blueprint("main", __name__)


@bp.get("/")
@public
def index():
    if current_user.is_authenticated:
        return redirect(url_for("main.dashboard"))
    return render_template("main/index.html")


@bp.get("/dashboard")
@signed_in
def dashboard():
    if current_user.role == Role.TRAINEE:
        return trainee_dashboard()
    return staff_dashboard()


def staff_dashboard():
    """Supervisors, organization administrators and administrators: their cohorts with completion."""
    from lms.orgs.dashboard_queries import cohort_summaries
    from lms.orgs.services import visible_cohorts

    cohorts = visible_cohorts(current_user)
    return render_template("main/dashboard.html", cohort_summaries=cohort_summaries(cohorts[:12]),
                           more_cohorts=max(0, len(cohorts) - 12), tiles=staff_tiles(current_user))


def staff_tiles(user) -> list[tuple[str, str, int | None]]:
    """The staff home page's tiles: every page the menu offers, with how many items wait where work queues up."""
    from lms.continuing.services import continuing_education_to_review
    from lms.practice.services import pending_count
    from lms.roleplay.queue import queue_counts
    from lms.templating import more_navigation_for, navigation_for

    waiting = {
        "roleplay.queue": lambda: sum(queue_counts(user).values()),
        "practice.review": lambda: pending_count(user),
        "continuing.review_queue": lambda: len(continuing_education_to_review(user)),
    }
    entries = [e for e in navigation_for(user) + more_navigation_for(user) if e[0] != "main.dashboard"]
    return [(endpoint, label, waiting[endpoint]() if endpoint in waiting else None) for endpoint, label in entries]


def trainee_dashboard():
    """Each enrolled course with its progress and module statuses, and where to continue."""
    from lms.learning import links
    from lms.learning.standing import trainee_dashboard as courses_of

    courses = [
        {
            "progress": progress,
            "continue_url": links.continue_url(progress),
            "where": links.describe(progress, progress.enrolment.last_url)
            or links.next_step_label(progress.next_step),
        }
        for progress in courses_of(current_user)
    ]
    return render_template("main/dashboard.html", courses=courses)

"""A cohort's dashboard page (/org/cohorts/<id>) and the CSV exports for coordinators and funders."""

from dataclasses import dataclass

from flask import render_template, request
from flask_login import current_user

from lms import audit
from lms.auth.permissions import can_manage_organization, role_required
from lms.downloads import send_generated
from lms.extensions import db
from lms.inputs import bounded_int
from lms.live.forms import STATUS_LABELS
from lms.live.services import attendance_gaps
from lms.models import Role
from lms.orgs import dashboards, exports
from lms.orgs.blueprint import STAFF, bp, cohort_for_viewing

GRID_PER_PAGE = 50


@dataclass
class ListPage:
    """A page of an in-memory list, with the attributes the pagination macro reads."""

    items: list
    page: int
    per_page: int
    total: int

    @classmethod
    def of(cls, items: list, page: int, per_page: int) -> "ListPage":
        pages = max(1, -(-len(items) // per_page))
        page = min(max(page, 1), pages)
        return cls(items[(page - 1) * per_page: page * per_page], page, per_page, len(items))

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1


@bp.get("/org/cohorts/<int:cohort_id>")
@role_required(*STAFF)
def dashboard(cohort_id: int):
    cohort = cohort_for_viewing(cohort_id)
    days = min(max(request.args.get("days", dashboards.DEFAULT_STUCK_DAYS, type=bounded_int), 1), 365)
    data = dashboards.build_dashboard(cohort, course_id=request.args.get("course", type=bounded_int), stuck_days=days)
    grid = ListPage.of(data.rows, request.args.get("page", 1, type=bounded_int), GRID_PER_PAGE)
    return render_template(
        "orgs/dashboard.html", cohort=cohort, data=data, grid=grid, days=days,
        can_manage=can_manage_organization(current_user, cohort.organization_id),
        supervisors=cohort.supervisors,
        gaps=attendance_gaps(cohort), status_labels=STATUS_LABELS,
    )


@bp.get("/org/cohorts/<int:cohort_id>/progress.csv")
@role_required(*STAFF)
def export_progress(cohort_id: int):
    cohort = cohort_for_viewing(cohort_id)
    text = exports.cohort_progress_csv(cohort)
    audit.record("export.cohort_progress", actor=current_user, subject=cohort)
    db.session.commit()
    return send_generated(text, "text/csv", f"cohort-{cohort.id}-progress.csv")


@bp.get("/org/certificates.csv")
@role_required(*STAFF)
def export_certificates():
    organization_id = request.args.get("org", type=bounded_int) if current_user.role == Role.ADMIN else None
    text = exports.certificates_csv(current_user, organization_id=organization_id)
    audit.record("export.certificates", actor=current_user, organization_id=organization_id or
                 current_user.organization_id)
    db.session.commit()
    return send_generated(text, "text/csv", "certificates.csv")

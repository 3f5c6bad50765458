"""Item analysis pages: the index of assessments, a page per knowledge check and per exam, CSV exports.

Who sees what: administrators (the course authors) every attempt; organization administrators the
attempts of their organization's trainees; supervisors their cohorts' trainees'. Pages show statistics
only, never one trainee's answers; trainees are refused by the route rule.
"""

from __future__ import annotations

from flask import Blueprint, Response, abort, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import item_analysis_trainee_ids, role_required
from lms.downloads import send_generated
from lms.extensions import db
from lms.item_analysis import queries, reports
from lms.models import CourseVersion, Role

bp = Blueprint("item_analysis", __name__)

STAFF = (Role.SUPERVISOR, Role.ORG_ADMIN, Role.ADMIN)


def _scope_note() -> str:
    if current_user.role == Role.ADMIN:
        return _("Every trainee's first attempt counts.")
    if current_user.role == Role.ORG_ADMIN:
        return _("The first attempts of your organization's trainees count.")
    return _("The first attempts of the trainees in your cohorts count.")


@bp.get("/")
@role_required(*STAFF)
def index():
    listed = queries.assessments(item_analysis_trainee_ids(current_user))
    return render_template("item_analysis/index.html", courses=listed, scope_note=_scope_note(),
                           minimum=reports.MIN_ATTEMPTS)


def _quiz_report(quiz_id: int) -> reports.Report:
    quiz = queries.get_quiz(quiz_id)
    if quiz is None:
        abort(404)
    items, attempts = queries.knowledge_check(quiz, item_analysis_trainee_ids(current_user))
    version = quiz.module.course_version
    title = _("Knowledge check: %(module)s (%(course)s %(version)s)", module=quiz.module.title,
              course=version.title, version=version.version)
    return reports.build_report(title, "knowledge_check", items, attempts, _competency_titles(version))


def _exam_report(course_version_id: int) -> reports.Report:
    models = queries.exam_models()
    version = db.session.get(CourseVersion, course_version_id) if models is not None else None
    if version is None:
        abort(404)
    items, attempts = queries.exam(version.id, item_analysis_trainee_ids(current_user), models)
    if not items:
        abort(404)
    exam_title = (version.exam or {}).get("title") or _("Certification exam")
    title = _("%(exam)s (%(course)s %(version)s)", exam=exam_title, course=version.title, version=version.version)
    return reports.build_report(title, "exam", items, attempts, _competency_titles(version))


def _competency_titles(version: CourseVersion) -> dict[str, str]:
    return {entry["id"]: entry.get("title", entry["id"]) for entry in version.competencies or []}


def _page(report: reports.Report, export_url: str) -> str:
    return render_template("item_analysis/report.html", report=report, charts=reports.charts(report),
                           export_url=export_url, scope_note=_scope_note(), minimum=reports.MIN_ATTEMPTS,
                           number=reports.number, percent=reports.percent)


def _csv(report: reports.Report, filename: str) -> Response:
    if not report.shown:
        abort(404)
    return send_generated(reports.to_csv_text(report), "text/csv", filename)


@bp.get("/knowledge-checks/<int:quiz_id>")
@role_required(*STAFF)
def knowledge_check(quiz_id: int):
    return _page(_quiz_report(quiz_id), url_for("item_analysis.knowledge_check_csv", quiz_id=quiz_id))


@bp.get("/knowledge-checks/<int:quiz_id>/items.csv")
@role_required(*STAFF)
def knowledge_check_csv(quiz_id: int):
    return _csv(_quiz_report(quiz_id), f"item-analysis-knowledge-check-{quiz_id}.csv")


@bp.get("/exams/<int:course_version_id>")
@role_required(*STAFF)
def exam(course_version_id: int):
    return _page(_exam_report(course_version_id),
                 url_for("item_analysis.exam_csv", course_version_id=course_version_id))


@bp.get("/exams/<int:course_version_id>/items.csv")
@role_required(*STAFF)
def exam_csv(course_version_id: int):
    return _csv(_exam_report(course_version_id), f"item-analysis-exam-{course_version_id}.csv")

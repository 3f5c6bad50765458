"""The rater agreement page (/grading/agreement): kappa per criterion and per pair of supervisors, and the
analyzer's counts beside the listening scores."""

from flask import render_template
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import role_required
from lms.charts import bar_chart
from lms.extensions import db
from lms.models import Course
from lms.roleplay import second_opinion
from lms.roleplay.agreement_report import KAPPA_FLAG_BELOW, agreement_report
from lms.roleplay.blueprint import STAFF, bp, int_arg


def kappa_chart(rows):
    """Weighted kappa per criterion on a 0 to 1 scale, the flag threshold drawn, flagged bars marked."""
    return bar_chart(
        "chart-kappa", _("Weighted kappa per criterion"), [(row.label, row.kappa) for row in rows],
        label_header=_("Criterion"), value_header=_("Weighted kappa"), max_value=1, digits=2,
        summary=_("Horizontal bars from 0 to 1; a dashed line marks %(t)s. The same figures are in the table "
                  "below.", t=KAPPA_FLAG_BELOW),
        reference=(KAPPA_FLAG_BELOW, str(KAPPA_FLAG_BELOW)), flagged=[row.flagged for row in rows],
    )


@bp.get("/grading/agreement", endpoint="agreement")
@role_required(*STAFF)
def agreement_page():
    user = current_user._get_current_object()
    course_id = int_arg("course")
    report = agreement_report(user, course_id)
    return render_template("roleplay/agreement.html", report=report, course_id=course_id,
                           chart=kappa_chart(report.by_criterion),
                           listening=second_opinion.listening_vs_analyzer(user, course_id),
                           courses=db.session.scalars(db.select(Course).order_by(Course.title)).all(),
                           threshold=KAPPA_FLAG_BELOW)

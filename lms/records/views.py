"""A trainee's transcript (page and PDF), and each person's own data export."""

from flask import Blueprint, Response, abort, current_app, render_template
from flask_login import current_user

from lms.auth.permissions import can_view_progress, role_required, signed_in
from lms.downloads import send_generated
from lms.extensions import db
from lms.models import Role, User
from lms.records import data_export
from lms.records.forms import ExportForm
from lms.records.services import build_transcript

bp = Blueprint("records", __name__)


def _trainee_for_viewing(user_id: int) -> User:
    """The trainee, their cohorts' supervisors, their organization's administrators, administrators."""
    trainee = db.get_or_404(User, user_id)
    if not can_view_progress(current_user, trainee):
        abort(403)
    return trainee


def _pdf_response(trainee: User) -> Response:
    from lms.records.pdf import render_transcript_pdf  # WeasyPrint loads only when a PDF is asked for

    transcript = build_transcript(trainee)
    html = render_template("records/transcript_pdf.html", t=transcript,
                           program_name=current_app.config["LMS_PROGRAM_NAME"])
    return send_generated(render_transcript_pdf(html), "application/pdf", f"transcript-{trainee.id}.pdf")


@bp.get("/transcript")
@role_required(Role.TRAINEE)
def mine():
    return render_template("records/transcript.html", t=build_transcript(current_user), own=True)


@bp.get("/transcript.pdf")
@role_required(Role.TRAINEE)
def mine_pdf():
    return _pdf_response(current_user)


@bp.get("/<int:user_id>/transcript")
@signed_in
def transcript(user_id: int):
    trainee = _trainee_for_viewing(user_id)
    return render_template("records/transcript.html", t=build_transcript(trainee), own=trainee.id == current_user.id)


@bp.get("/<int:user_id>/transcript.pdf")
@signed_in
def transcript_pdf(user_id: int):
    return _pdf_response(_trainee_for_viewing(user_id))


@bp.get("/my-data")
@signed_in
def privacy_page():
    return render_template("records/privacy.html", form=ExportForm())


@bp.post("/my-data/export")
@signed_in
def export_data():
    form = ExportForm()
    if not form.validate_on_submit():
        abort(400)
    user = current_user._get_current_object()
    data = data_export.export_user_data(user, data_dir=current_app.config["DATA_DIR"],
                                        program_name=current_app.config["LMS_PROGRAM_NAME"])
    db.session.commit()
    return send_generated(data, "application/zip", f"my-data-{user.id}.zip")


"""The code of ethics: /ethics lists what the trainee has signed and what is still to sign."""

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth.permissions import role_required
from lms.errors import DomainError
from lms.ethics import requirements as _ethics_requirement  # noqa: F401  registers the requirement provider
from lms.ethics import services
from lms.ethics.forms import SignatureForm
from lms.extensions import db
from lms.forms import show_refusal
from lms.models import Course, Role

bp = Blueprint("ethics", __name__)


@bp.get("")
@role_required(Role.TRAINEE)
def mine():
    return render_template("ethics/mine.html", codes=services.codes_for(current_user))


@bp.route("/<course_slug>", methods=["GET", "POST"])
@role_required(Role.TRAINEE)
def sign(course_slug: str):
    course = db.session.scalar(sa.select(Course).where(Course.slug == course_slug)) or abort(404)
    item = services.code_for_course(current_user, course)
    if item is None:
        abort(404)  # not enrolled in the course, or it has no code of ethics
    form = SignatureForm()
    if item.signed and request.method == "POST":  # a second click on "Sign": already done, nothing to change
        return redirect(url_for("ethics.sign", course_slug=course.slug))
    if not item.signed and form.validate_on_submit():
        try:
            services.sign_code(current_user, item, typed_name=form.typed_name.data, agreed=form.agree.data)
        except DomainError as error:
            show_refusal(form, error, "typed_name")
        else:
            db.session.commit()
            flash(_("You signed the code of ethics. Your signature is on your record."), "success")
            return redirect(url_for("ethics.sign", course_slug=course.slug))
    return render_template("ethics/sign.html", item=item, form=form, statement=services.statement(item.code)), (
        400 if form.errors else 200)

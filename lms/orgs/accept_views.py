"""The public page an invitation email links to (/invite/<token>): choose a password and join."""

from flask import flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user

from lms.auth import sessions
from lms.auth.permissions import public
from lms.auth.services import EmailTaken
from lms.errors import DomainError
from lms.extensions import db, limiter
from lms.forms import show_refusal
from lms.i18n.selection import SESSION_KEY, page_in
from lms.orgs import invitations
from lms.orgs.blueprint import bp
from lms.orgs.forms import AcceptInvitationForm


@bp.route("/invite/<token>", methods=["GET", "POST"])
@public
@limiter.limit("20 per hour", methods=["POST"])
def accept(token: str):
    """The link in an invitation email: choose a password and join."""
    invitation = invitations.find_invitation(token)
    if invitation is None:
        return render_template("orgs/invitation_invalid.html"), 404
    if current_user.is_authenticated:
        return render_template("orgs/invitation_signed_in.html", invitation=invitation), 409
    if not session.get(SESSION_KEY):  # the invitee's language, unless they chose one with the switcher
        page_in(invitation.language)
    form = AcceptInvitationForm()
    form.password_hints = [invitation.email]  # and the name typed in the form
    if request.method == "GET":
        form.name.data = invitation.name
    if form.validate_on_submit():
        try:
            user = invitations.accept_invitation(invitation, name=form.name.data, password=form.password.data)
        except DomainError as error:
            show_refusal(form, error)  # the name next to its field; an address taken meanwhile as a flash
            if isinstance(error, EmailTaken):
                flash(_("Log in, or reset your password if you forgot it."), "info")
        else:
            sessions.log_in(user)
            db.session.commit()
            page_in(user.language)
            flash(_("Welcome, %(name)s. Your account is ready.", name=user.name), "success")
            return redirect(url_for("main.dashboard"))
    return render_template("orgs/accept.html", form=form, invitation=invitation)

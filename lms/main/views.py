"""The landing page and each role's home."""

from flask import Blueprint, redirect, render_template, url_for
from flask_login import current_user

from lms.auth.permissions import public, signed_in

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
    return render_template("main/dashboard.html")

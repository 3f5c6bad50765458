"""What every template can use: navigation built from the route rules, and formatters."""

from functools import partial

from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from markupsafe import Markup

from lms.auth.forms import LogoutForm
from lms.auth.permissions import may_open, object_rules
from lms.i18n.selection import LANGUAGES, supported
from lms.models import Role

# (endpoint, label). An entry shows only when its route exists and its rule admits the user,
# so the menu can never offer a page that would answer 403.
NAVIGATION = [
    ("main.dashboard", _l("Dashboard")),
    ("learning.catalog", _l("Courses")),
    ("certificates.mine", _l("My certificates")),
    ("practice.mine", _l("My hours")),
    ("records.mine", _l("My record")),
    ("exams.index", _l("Exams")),
    ("live.mine", _l("My live sessions")),
    ("roleplay.queue", _l("Grading")),
    ("orgs.cohorts", _l("Cohorts")),
    ("certificates.verify", _l("Verify a certificate")),
]
# Staff pages used less often: behind "More" on wide screens, so the main row fits on one line at 1024 px.
MORE_NAVIGATION = [
    ("ethics.mine", _l("Code of ethics")),
    ("practice.review", _l("Hours to review")),
    ("exams.cohorts", _l("Exam sittings")),
    ("continuing.review_queue", _l("CE to review")),
    ("orgs.people", _l("People")),
    ("live.cohorts", _l("Live sessions")),
    ("certificates.index", _l("Certificates")),
    ("item_analysis.index", _l("Item analysis")),
    ("orgs.api_keys", _l("API keys")),
    ("sso.index", _l("Single sign-on")),
    ("xapi.settings", _l("Learning records (xAPI)")),
    ("lti.platforms", _l("LMS platforms")),
    ("lti.rosters", _l("LMS class lists")),
    ("admin.home", _l("Administration")),
]


def _allowed(user, entries) -> list[tuple[str, str]]:
    return [(endpoint, label) for endpoint, label in entries if may_open(user, endpoint)
            and (user.is_authenticated or endpoint != "main.dashboard")]


def navigation_for(user) -> list[tuple[str, str]]:
    return _allowed(user, NAVIGATION)


def more_navigation_for(user) -> list[tuple[str, str]]:
    return _allowed(user, MORE_NAVIGATION)


def hours_text(value) -> str:
    """Hours as people write them, in the reader's locale: 40, 1.5, 0.25, 1,200 (the `hours` filter).
    Machine-read text (credentials, CSV, the API) uses `lms.certificates.credential.format_hours`."""
    return format_decimal(value or 0, format="#,##0.##")


def rules_for(user) -> dict:
    """Every `can_*` permission rule with `user` already bound: `can_grade_roleplay(trainee)` in a template."""
    return {name: partial(rule, user) for name, rule in object_rules().items()}


def register(app: Flask) -> None:
    @app.context_processor
    def inject_navigation():
        user = current_user._get_current_object()
        return {
            **rules_for(user),
            "navigation": navigation_for(current_user),
            "more_navigation": more_navigation_for(current_user),
            "may_open": lambda endpoint: may_open(current_user, endpoint),
            "Role": Role,
            "logout_form": LogoutForm(formdata=None) if current_user.is_authenticated else None,
            "program_name": app.config["LMS_PROGRAM_NAME"],
        }

    app.jinja_env.add_extension("jinja2.ext.do")
    app.jinja_env.filters["date"] = lambda value, fmt="medium": format_date(value, fmt) if value else ""
    app.jinja_env.filters["datetime"] = (
        lambda value, fmt="medium": format_datetime(value, fmt) if value else ""
    )
    app.jinja_env.filters["hours"] = hours_text
    app.jinja_env.globals["current_endpoint"] = lambda: request.endpoint
    # The page's language for <html lang>: the locale Flask-Babel chose for this request, as a BCP 47 tag.
    app.jinja_env.globals["languages"] = LANGUAGES
    # ` lang="en"` on a passage kept in the course's own language (reference transcripts) on a page in another.
    app.jinja_env.globals["source_lang_attr"] = lambda: (
        Markup(' lang="en"') if not str(get_locale() or "en").startswith("en") else "")
    # <html lang>: the language of the locale chosen for this request (en, es; the locale is en_US, es_US).
    app.jinja_env.globals["page_language"] = lambda: supported(str(get_locale() or "")) or "en"

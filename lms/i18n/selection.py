"""Which language a person reads PeerCert in.

In a request: the account's own choice; else, for a visitor, the choice made with the footer's switcher
(kept in the session); else the browser's Accept-Language; else the organization's default; else English.
Outside a request (e-mails sent by the worker, PDFs built for someone else), `language_of(user)`: the
account's choice, else the organization's default.
"""

from __future__ import annotations

from flask import g, has_request_context, request, session
from flask_babel import refresh
from flask_login import current_user

from lms.i18n.content import set_reading_language

# Each language named in itself, as the switcher offers it.
LANGUAGES = {"en": "English", "es": "Español"}
DEFAULT_LANGUAGE = "en"
# The Babel locale each language is formatted in: the United States' English and Spanish (1,234.5; 2:05 p.m.),
# as the people PeerCert serves write numbers, dates and times. The catalogue is the language's (es).
LOCALES = {"en": "en_US", "es": "es_US"}
SESSION_KEY = "language"


def supported(code: str | None) -> str | None:
    code = (code or "").strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def locale_for(language: str | None) -> str:
    return LOCALES[supported(language) or DEFAULT_LANGUAGE]


def language_of(user) -> str:
    """The language to write to `user` in when they are not the one asking (e-mails, PDFs, jobs)."""
    if user is None:
        return DEFAULT_LANGUAGE
    chosen = supported(getattr(user, "language", None))
    if chosen:
        return chosen
    organization = getattr(user, "organization", None)
    return supported(getattr(organization, "default_language", None)) or DEFAULT_LANGUAGE


def page_in(language: str | None) -> None:
    """This page in `language`, before anyone has chosen one (an invitation in the invitee's language)."""
    chosen = supported(language)
    if chosen and has_request_context():
        g.page_language = chosen
        refresh()
        set_reading_language(chosen)


def select_locale() -> str:
    """Flask-Babel's locale selector for the current request (see `language_choice`)."""
    return locale_for(language_choice())


def language_choice() -> str:
    """The language of the current request: the page's own, the account's, the visitor's, the browser's, the
    organization's, else English."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if g.get("page_language"):
        return g.page_language
    user = current_user
    if user and user.is_authenticated:
        chosen = supported(user.language)
        if chosen:
            return chosen
    else:
        chosen = supported(session.get(SESSION_KEY))
        if chosen:
            return chosen
    browser = request.accept_languages.best_match(list(LANGUAGES))
    if browser:
        return browser
    if user and user.is_authenticated:
        return language_of(user)
    return DEFAULT_LANGUAGE

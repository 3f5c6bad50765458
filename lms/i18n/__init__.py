"""The languages PeerCert speaks, and which one each person reads it in (see README, "Languages")."""

from flask import Flask, request
from flask_babel import get_locale, refresh

from lms.i18n.selection import LANGUAGES, language_of, locale_for, select_locale, supported

__all__ = ["LANGUAGES", "init_app", "language_of", "locale_for", "select_locale"]

# Machine-facing blueprints answer in JSON whatever the reader's language; they never load course prose.
_MACHINE_BLUEPRINTS = frozenset({"api"})


def init_app(app: Flask) -> None:
    from lms.i18n import content  # its load events translate course content as it is read

    @app.before_request
    def read_in_the_visitors_language():
        refresh()  # choose again for this request (an application context can outlive one, as in tests)
        if request.endpoint == "static" or request.blueprint in _MACHINE_BLUEPRINTS:
            content.set_reading_language(None)
            return
        content.set_reading_language(supported(str(get_locale() or "")) or content.SOURCE_LANGUAGE)

    @app.teardown_request
    def stop_reading(_error=None):
        content.set_reading_language(None)

"""Changing a language setting: one rule each, audited."""

from flask_babel import gettext as _

from lms import audit
from lms.errors import InvalidInput
from lms.i18n.selection import supported


def set_default_language(organization, language: str, *, actor) -> bool:
    """An organization's default language; True when it changed. The caller commits."""
    chosen = supported(language)
    if chosen is None:
        raise InvalidInput(_("Choose one of the languages offered."), field="language")
    if organization.default_language == chosen:
        return False
    audit.record("organization.default_language", actor=actor, subject=organization,
                 previous=organization.default_language, language=chosen)
    organization.default_language = chosen
    return True


def set_own_language(user, language: str) -> bool:
    """A person's own choice (the footer's switcher); True when it changed. The caller commits."""
    chosen = supported(language)
    if chosen is None:
        raise InvalidInput(_("Choose one of the languages offered."), field="language")
    changed = user.language != chosen
    user.language = chosen
    return changed

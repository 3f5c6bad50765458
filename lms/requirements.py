"""What a certificate requires, one requirement at a time, with the trainee's status on each.

Every feature that adds a requirement (modules, the summative exam, live hours, supervised hours, the
signed code of ethics) contributes one *provider*: a function `provider(enrolment) -> Requirement | None`
(None when the course does not ask for it), listed in `PROVIDERS`. The course page, the certificate's
requirements page and issuance all read the same list, so a requirement is defined in one place and a
certificate is withheld while any requirement is unmet. `earned_minutes` is what the requirement
contributes to the hours the certificate prints (completed activities, attended sessions, a passed exam).
"""

from collections.abc import Callable
from dataclasses import dataclass

from lms.models import Enrolment


@dataclass(frozen=True)
class Requirement:
    key: str  # stable id: "modules", "exam", "live-hours", "supervised-hours", "ethics-code"
    title: str  # already through gettext
    met: bool
    detail: str  # the trainee's status in words ("12 of 15 modules", "opens 3 March"), through gettext
    earned_minutes: int = 0
    url: str | None = None  # where the trainee acts on it, when there is such a page


Provider = Callable[[Enrolment], Requirement | None]

PROVIDERS: list[Provider] = []

# The order a trainee reads them in, whatever order the features registered their providers in.
ORDER = ("modules", "exam", "live-hours", "supervised-hours", "ethics-code")


def register(provider: Provider) -> Provider:
    """Add a provider once (a module imported twice, or a test app made twice, adds nothing)."""
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)
    return provider


def _position(requirement: Requirement) -> int:
    return ORDER.index(requirement.key) if requirement.key in ORDER else len(ORDER)


def requirements_for(enrolment: Enrolment) -> list[Requirement]:
    """Each requirement of the enrolment's course, in ORDER (unknown keys last, as listed)."""
    found = (provider(enrolment) for provider in PROVIDERS)
    return sorted((requirement for requirement in found if requirement is not None), key=_position)


def unmet_requirements(enrolment: Enrolment) -> list[Requirement]:
    return [requirement for requirement in requirements_for(enrolment) if not requirement.met]


def earned_minutes(enrolment: Enrolment) -> int:
    return sum(requirement.earned_minutes for requirement in requirements_for(enrolment))


def earned_hours(enrolment: Enrolment) -> float:
    """The hours the certificate prints: completed activities, attended sessions, a passed exam."""
    return round(earned_minutes(enrolment) / 60, 2)

"""Issue 19's journey, in a real browser, in Spanish.

An organization administrator invites a trainee with Spanish as their language; the invitation e-mail, the
page that accepts it, the dashboard, the course, a module, a lesson, a knowledge check and its results, a
written role-play with its feedback, the certificate PDF and the public verification page are in Spanish,
with axe-core on every page; switching to English on the lesson keeps the trainee's place.

The expected words are read from the catalogue (`es(...)`) and from the course's Spanish files, so the test
follows the translation rather than copying it.
"""

import io
import re
from pathlib import Path

import pypdf
import pytest
import sqlalchemy as sa
from babel.support import Translations
from playwright.sync_api import expect

from lms.auth.services import find_user_by_email
from lms.certificates import issuance
from lms.extensions import db
from lms.learning import catalog, completion, quizzes
from lms.learning import enrolment as enrolments
from lms.models import Role, Scenario
from tests import factories
from tests.conftest import ROOT

pytestmark = pytest.mark.e2e

COURSE = "peer-specialist-core"
MODULE = "foundations"
CATALOGUE = Translations.load(str(ROOT / "lms" / "translations"), ["es"])
EMAIL = "lucia.spanish@example.org"
PASSWORD = "una contraseña bastante larga 2026"


def es(message: str, **values) -> str:
    text = CATALOGUE.gettext(message)
    assert text != message or not re.search(r"[a-z]{3}", message), f"no Spanish for {message!r}"
    return text % values if values else text


def seed_organization() -> dict:
    org = factories.make_org("Organización Horizonte")
    admin = factories.make_user(Role.ORG_ADMIN, org=org, email="admin.horizonte@example.org", name="Ana Admin")
    return {"org": org.id, "admin": admin.email}


def mail_to(app, address: str):
    return [m for m in app.extensions.get("mail_outbox", []) if m["To"] == address][-1]


def ready_for_the_knowledge_check(email: str) -> None:
    """The lessons read and the exercises done through the services: the browser takes the check itself."""
    user = find_user_by_email(email)
    enrolment = enrolments.find_enrolment(user, catalog.find_course(COURSE))
    module = next(m for m in enrolment.course_version.modules if m.slug == MODULE)
    for lesson in module.lessons[1:]:
        completion.mark_lesson_read(enrolment, lesson)
    factories.complete_exercises(enrolment, module)


def right_answers(email: str) -> dict:
    user = find_user_by_email(email)
    enrolment = enrolments.find_enrolment(user, catalog.find_course(COURSE))
    module = next(m for m in enrolment.course_version.modules if m.slug == MODULE)
    return factories.quiz_answers(quizzes.open_attempt(enrolment, module.quiz), correct=True)


def scenario_id() -> int:
    return db.session.scalar(sa.select(Scenario.id).where(Scenario.slug == "fd-first-meeting")
                             .order_by(Scenario.id.desc()))


def certify(email: str) -> str:
    user = find_user_by_email(email)
    version = catalog.live_version(catalog.find_course(COURSE))
    return issuance.issue_certificate(user, version, actor=None).number


def test_a_trainee_invited_in_spanish_learns_and_is_certified_in_spanish(browser, live_app, live_server, seed, axe):
    ids = seed(seed_organization)

    # The organization invites the trainee, in Spanish (the administrator reads the pages in English).
    admin = browser.new_context(locale="en-US").new_page()
    admin.goto(live_server + "/auth/login")
    admin.get_by_label("Email").fill(ids["admin"])
    admin.get_by_label("Password").fill(factories.PASSWORD)
    admin.get_by_role("button", name="Log in").click()
    admin.goto(live_server + "/org/people")
    admin.locator("#invite-name").fill("Lucía Ramírez")
    admin.locator("#invite-email").fill(EMAIL)
    admin.locator("#invite-language").select_option("es")
    axe(admin, "people page with the language field")
    admin.get_by_role("button", name="Send invitation").click()
    expect(admin.locator(".flash-success")).to_contain_text(EMAIL)
    admin.close()

    # The e-mail is in Spanish.
    mail = mail_to(live_app, EMAIL)
    assert mail["Subject"] == es("You are invited to %(program)s", program=live_app.config["LMS_PROGRAM_NAME"])
    body = mail.get_content()
    link = re.search(r"https?://\S+/invite/\S+|/invite/\S+", body).group(0)
    assert es("Hello %(name)s,", name="Lucía Ramírez") in body
    assert es("If you were not expecting this invitation, you can ignore this message.") in body

    # Accepting it: a browser that asks for English still gets the invitation's Spanish.
    trainee = browser.new_context(locale="en-US").new_page()
    trainee.goto(link if link.startswith("http") else live_server + link)
    expect(trainee.locator("html")).to_have_attribute("lang", "es")
    axe(trainee, "accept the invitation, in Spanish")
    trainee.get_by_label(es("Password"), exact=True).fill(PASSWORD)
    trainee.get_by_label(es("Repeat password")).fill(PASSWORD)
    trainee.get_by_role("button", name=es("Create my account")).click()
    expect(trainee).to_have_url(re.compile(r"/dashboard$"))
    expect(trainee.locator("html")).to_have_attribute("lang", "es")
    axe(trainee, "dashboard, in Spanish")

    # The course page, enrolment, the module and a lesson: the interface and the content in Spanish.
    trainee.goto(f"{live_server}/courses/{COURSE}")
    expect(trainee.get_by_role("heading", level=1)).to_have_text("Formación básica para especialistas de pares")
    axe(trainee, "course page, in Spanish")
    trainee.get_by_role("button", name=es("Enrol in this course")).click()
    expect(trainee.locator(".flash-success")).to_be_visible()
    trainee.get_by_role("link", name="Fundamentos del apoyo entre pares").first.click()
    expect(trainee.get_by_role("heading", name=re.compile("Fundamentos del apoyo entre pares"))).to_be_visible()
    axe(trainee, "module page, in Spanish")
    trainee.locator(".step-list a").first.click()
    lesson_url = trainee.url
    expect(trainee.get_by_role("heading", level=1)).to_have_text(re.compile("rol"))
    axe(trainee, "lesson, in Spanish")
    trainee.get_by_role("button", name=es("Mark as read and continue")).click()

    # A practice exercise, in Spanish.
    trainee.goto(f"{live_server}/courses/{COURSE}/modules/{MODULE}/exercises/fd-ex-recovery-story")
    expect(trainee.get_by_role("heading", level=1)).to_contain_text("Escriba la versión de dos minutos")
    axe(trainee, "exercise, in Spanish")

    # The knowledge check, in Spanish.
    seed(ready_for_the_knowledge_check, EMAIL)
    trainee.goto(f"{live_server}/courses/{COURSE}/modules/{MODULE}/quiz")
    axe(trainee, "knowledge check overview, in Spanish")
    trainee.get_by_role("button", name=es("Start the knowledge check")).click()
    axe(trainee, "knowledge check, in Spanish")
    for question_id, option_ids in seed(right_answers, EMAIL).items():
        for option_id in option_ids:
            trainee.locator(f'input[name="answer-{question_id}"][value="{option_id}"]').check()
    trainee.get_by_role("button", name=es("Submit my answers")).click()
    expect(trainee.locator(".flash-success")).to_contain_text("100")
    expect(trainee.locator("main")).to_contain_text("Correcto.")  # the options' feedback, translated
    axe(trainee, "knowledge check results, in Spanish")

    # A written role-play: the scenario in Spanish; a reply in Spanish gets the plain English-only notice.
    sid = seed(scenario_id)
    trainee.goto(f"{live_server}/roleplays/{sid}")
    axe(trainee, "scenario, in Spanish")
    trainee.get_by_role("button", name=es("Start a written role-play")).click()
    expect(trainee.locator("[data-roleplay-attempt]")).to_have_attribute("data-ready", "true")
    trainee.get_by_label(es("Your reply to turn %(n)d", n=1), exact=True).fill(
        "Gracias por venir hoy. ¿Qué le gustaría que supiera de usted?")
    trainee.locator('form.reply-form[data-turn="0"]').get_by_role("button").click()
    expect(trainee.locator("#feedback-0")).to_contain_text(
        es("Automatic feedback is available for replies in English only. Your supervisor reads and grades this "
           "reply as it is."))
    axe(trainee, "role-play attempt with its feedback, in Spanish")

    # The certificate: its PDF in Spanish.
    number = seed(certify, EMAIL)
    trainee.goto(live_server + "/my/certificates")
    axe(trainee, "my certificates, in Spanish")
    trainee.get_by_role("link", name=es("Download certificate")).first.click()
    axe(trainee, "confirm the name, in Spanish")
    with trainee.expect_download() as download_info:
        trainee.get_by_role("button", name=es("Confirm and download")).click()
    pdf = Path(download_info.value.path()).read_bytes()
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    text = reader.pages[0].extract_text()
    assert es("Certificate of completion") in text and "Formación básica para especialistas de pares" in text
    assert str(reader.trailer["/Root"]["/Lang"]) == "es"

    # The public verification page, in the visitor's language.
    visitor = browser.new_context(locale="es-MX").new_page()
    visitor.goto(f"{live_server}/verify/{number}")
    expect(visitor.locator("html")).to_have_attribute("lang", "es")
    expect(visitor.locator("main")).to_contain_text("Lucía Ramírez")
    axe(visitor, "public verification page, in Spanish")
    visitor.close()

    # Switching to English on the lesson keeps the trainee's place: the same page, the same progress.
    trainee.goto(lesson_url)
    progress = trainee.locator("main").inner_text()
    trainee.locator("#footer-language").select_option("en")
    trainee.get_by_role("button", name=es("Change language")).click()
    expect(trainee).to_have_url(lesson_url)
    expect(trainee.locator("html")).to_have_attribute("lang", "en")
    expect(trainee.get_by_role("heading", level=1)).to_have_text(re.compile("peer", re.IGNORECASE))
    assert ("✓" in progress) == ("✓" in trainee.locator("main").inner_text())
    axe(trainee, "lesson, back in English")
    trainee.close()

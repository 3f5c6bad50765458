"""Which language a person reads PeerCert in, and everything written to them in it.

The account's choice, else the browser's Accept-Language, else the organization's default; the footer's
switcher; invitations in the invitee's language; an organization's default (its administrators only);
the certificate, its PDF and its credential in the holder's language; the verification page in the visitor's.
"""

from __future__ import annotations

import io
import json
from types import SimpleNamespace

import pypdf
import pytest
import sqlalchemy as sa

from lms.certificates import documents, issuance, settings
from lms.i18n.selection import language_of, supported
from lms.models import AuditEvent, Certificate, Invitation, Role, User
from tests import factories
from tests.test_credential import errors as schema_errors
from tests.test_credential import ob3_validator  # noqa: F401 (a fixture)


def html_lang(response) -> str:
    text = response.get_data(as_text=True)
    return text.split('<html lang="', 1)[1].split('"', 1)[0]


# --- the rule -----------------------------------------------------------------------------------------

def test_supported_languages():
    assert supported("es") == "es" and supported("es-MX") == "es" and supported("ES_us") == "es"
    assert supported("fr") is None and supported("") is None and supported(None) is None


def test_language_of_someone_not_asking():
    organization = SimpleNamespace(default_language="es")
    assert language_of(SimpleNamespace(language="en", organization=organization)) == "en"
    assert language_of(SimpleNamespace(language=None, organization=organization)) == "es"
    assert language_of(SimpleNamespace(language=None, organization=None)) == "en"
    assert language_of(None) == "en"


def test_a_visitor_reads_the_browsers_language(client):
    assert html_lang(client.get("/", headers={"Accept-Language": "es-MX,es;q=0.9"})) == "es"
    assert html_lang(client.get("/", headers={"Accept-Language": "en-US,en;q=0.8"})) == "en"
    assert html_lang(client.get("/", headers={"Accept-Language": "fr-FR"})) == "en"
    spanish = client.get("/", headers={"Accept-Language": "es"}).get_data(as_text=True)
    assert "Verificar un certificado" in spanish  # the catalogue is compiled and loaded


def test_the_account_choice_beats_the_browser(client, auth, db, people):
    trainee = people["trainee"]
    trainee.language = "es"
    db.session.commit()
    auth.login(trainee)
    assert html_lang(client.get("/dashboard", headers={"Accept-Language": "en-US"})) == "es"


def test_the_organizations_default_when_the_browser_asks_for_nothing_we_have(client, auth, db, people):
    people["org"].default_language = "es"
    db.session.commit()
    auth.login(people["trainee"])
    assert html_lang(client.get("/dashboard", headers={"Accept-Language": "fr"})) == "es"
    assert html_lang(client.get("/dashboard", headers={"Accept-Language": "en"})) == "en"


# --- the footer's switcher ------------------------------------------------------------------------------

def test_the_footer_offers_the_switcher_as_a_plain_form(client):
    page = client.get("/").get_data(as_text=True)
    assert 'action="/language"' in page and 'name="language"' in page
    assert '<option value="es" lang="es">Español</option>' in page


def test_a_visitor_switches_language_and_it_sticks(client):
    response = client.post("/language", data={"language": "es", "next": "/verify"})
    assert response.status_code == 303 and response.headers["Location"] == "/verify"
    assert html_lang(client.get("/verify", headers={"Accept-Language": "en"})) == "es"


def test_a_signed_in_person_switches_and_it_is_saved_on_the_account(client, auth, db, people):
    trainee = people["trainee"]
    auth.login(trainee)
    client.post("/language", data={"language": "es", "next": "/dashboard"})
    assert db.session.get(User, trainee.id).language == "es"
    client.post("/language", data={"language": "en", "next": "/dashboard"})
    assert db.session.get(User, trainee.id).language == "en"


def test_an_unknown_language_or_another_site_changes_nothing(client, auth, db, people):
    trainee = people["trainee"]
    auth.login(trainee)
    response = client.post("/language", data={"language": "xx\u0000", "next": "https://evil.example/"},
                           follow_redirects=True)
    assert response.status_code == 200
    assert "Choose one of the languages offered." in response.get_data(as_text=True)
    assert db.session.get(User, trainee.id).language is None
    assert client.post("/language", data={"language": "es", "next": "//evil.example"}).headers[
        "Location"] == "/dashboard"


# --- invitations -------------------------------------------------------------------------------------------

def test_an_invitation_in_spanish_is_written_in_spanish_and_sets_the_accounts_language(app, client, auth, db, people):
    auth.login(people["org_admin"])
    response = client.post("/org/people/invite", data={
        "invite-name": "Lucía Pérez", "invite-email": "lucia@example.org", "invite-role": "trainee",
        "invite-cohort": "0", "invite-language": "es"})
    assert response.status_code == 302
    [mail] = app.extensions["mail_outbox"]
    assert mail["Subject"].startswith("Está invitad") or "invita" in mail["Subject"]
    body = mail.get_content()
    assert "Hola" in body or "Lucía" in body
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.email == "lucia@example.org"))
    assert invitation.language == "es"
    token = body.split("/invite/", 1)[1].split()[0]
    auth.logout()
    client.post(f"/invite/{token}", data={"name": "Lucía Pérez", "password": "a long enough password 42",
                                          "confirm": "a long enough password 42"})
    user = db.session.scalar(sa.select(User).where(User.email == "lucia@example.org"))
    assert user is not None and user.language == "es"


def test_an_invitation_in_an_unknown_language_is_refused_next_to_the_field(client, auth, people):
    auth.login(people["org_admin"])
    response = client.post("/org/people/invite", data={
        "invite-name": "Lucía Pérez", "invite-email": "lucia@example.org", "invite-role": "trainee",
        "invite-cohort": "0", "invite-language": "klingon"})
    assert response.status_code == 400
    assert "Not a valid choice" in response.get_data(as_text=True)


# --- an organization's default ----------------------------------------------------------------------------

def test_an_organization_administrator_sets_the_default_and_it_is_audited(client, auth, db, people):
    organization = people["org"]
    auth.login(people["org_admin"])
    url = f"/org/{organization.id}/language"
    assert client.get(url).status_code == 200
    assert client.post(url, data={"language": "es"}).status_code == 302
    assert db.session.get(type(organization), organization.id).default_language == "es"
    [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "organization.default_language"))
    assert event.details["language"] == "es"
    assert client.post(url, data={"language": "zz"}).status_code == 400


@pytest.mark.parametrize("who", ["trainee", "supervisor", "other_org_admin"])
def test_the_wrong_role_or_organization_cannot_set_the_default(client, auth, db, people, who):
    if who == "other_org_admin":
        person = factories.make_user(Role.ORG_ADMIN, org=people["other_org"])
        db.session.commit()
    else:
        person = people[who]
    auth.login(person)
    url = f"/org/{people['org'].id}/language"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"language": "es"}).status_code == 403
    assert db.session.get(type(people["org"]), people["org"].id).default_language == "en"


# --- the certificate in the holder's language ------------------------------------------------------------

@pytest.fixture
def app_config(module_keys_dir):
    return {"KEYS_DIR": str(module_keys_dir)}


@pytest.fixture
def spanish_certificate(db, people):
    trainee = people["trainee"]
    trainee.language = "es"
    course = factories.make_certifying_course()
    course.translations = {"es": {"title": "Formación básica para especialistas de pares",
                                  "description": "Las habilidades básicas.",
                                  "competencies": [{"id": "engagement", "title": "Vincula a las personas"}]}}
    enrolment = factories.complete_course(trainee, course)
    certificate = issuance.issue_certificate(trainee, course, actor=None)
    db.session.commit()
    assert enrolment and certificate.language == "es"
    return certificate


def test_the_credential_is_in_the_holders_language_and_still_valid(ob3_validator, spanish_certificate):  # noqa: F811
    credential = documents.credential_for(spanish_certificate)
    assert credential["name"] == "Certificado de Formación básica para especialistas de pares"
    assert "completó" in credential["description"]
    achievement = credential["credentialSubject"]["achievement"]
    assert achievement["inLanguage"] == "es"
    assert achievement["name"] == "Formación básica para especialistas de pares"
    assert {a["targetName"] for a in achievement["alignment"]} >= {"Vincula a las personas"}
    assert "Aprobó todos los módulos" in achievement["criteria"]["narrative"]
    assert schema_errors(ob3_validator, credential) == []


def test_the_certificate_says_the_same_whoever_reads_it(client, db, spanish_certificate):
    """The English snapshot stays English; the credential does not follow the reader's language."""
    assert spanish_certificate.course_title == "Peer Specialist Core Training"
    first = json.dumps(documents.credential_for(spanish_certificate), sort_keys=True)
    client.get("/verify", headers={"Accept-Language": "en"})
    assert json.dumps(documents.credential_for(spanish_certificate), sort_keys=True) == first


def test_the_pdf_is_printed_in_the_holders_language(app, db, spanish_certificate, real_pdfs):
    data = documents.build_pdf(spanish_certificate)
    reader = pypdf.PdfReader(io.BytesIO(data))
    text = reader.pages[0].extract_text()
    assert "Certificado de finalización" in text and "Se certifica que" in text
    assert "horas de formación" in text and "Director(a) del programa" in text
    month = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
             "noviembre", "diciembre"][spanish_certificate.issued_on.month - 1]
    assert month in text
    assert str(reader.trailer["/Root"]["/Lang"]) == "es"


def test_the_verification_page_is_in_the_visitors_language(client, spanish_certificate):
    number = spanish_certificate.number
    spanish = client.get(f"/verify/{number}", headers={"Accept-Language": "es"})
    assert spanish.status_code == 200 and html_lang(spanish) == "es"
    english = client.get(f"/verify/{number}", headers={"Accept-Language": "en"})
    assert html_lang(english) == "en"
    assert spanish.get_data(as_text=True) != english.get_data(as_text=True)


def test_an_english_holders_certificate_is_unchanged(db, people):
    trainee = people["trainee"]
    course = factories.make_certifying_course()
    factories.complete_course(trainee, course)
    certificate = issuance.issue_certificate(trainee, course, actor=None)
    db.session.commit()
    credential = documents.credential_for(certificate)
    assert certificate.language == "en" and credential["name"] == "Peer Specialist Core Training certificate"
    assert "inLanguage" not in credential["credentialSubject"]["achievement"]
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Certificate)) == 1
    assert settings.data_dir()  # the documents' folder is configured


def test_spanish_is_formatted_as_in_the_united_states(app):
    from datetime import date, datetime

    from flask_babel import format_date, format_datetime

    from lms.templating import hours_text

    with app.test_request_context(headers={"Accept-Language": "es"}):
        app.preprocess_request()
        assert hours_text(1234.5) == "1,234.5"  # not 1.234,5
        assert format_date(date(2026, 3, 1), "long") == "1 de marzo de 2026"
        assert "p.m." in format_datetime(datetime(2026, 3, 1, 14, 5), "short")


def test_a_csv_of_invitations_names_each_persons_language(app, client, auth, db, people):
    import re as regex

    auth.login(people["org_admin"])
    data = ("email,name,role,cohort,language\nrosa@example.org,Rosa Díaz,trainee,,es\n"
            "li@example.org,Li Chen,trainee,,\nbad@example.org,Bad Tongue,trainee,,klingon\n").encode()
    page = client.post("/org/people/upload", data={"csv-file": (io.BytesIO(data), "people.csv"), "csv-cohort": "0"},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Unknown language “klingon”: use en or es, or leave the cell empty." in page
    fixed = data.replace(b"klingon", b"EN")
    page = client.post("/org/people/upload", data={"csv-file": (io.BytesIO(fixed), "people.csv"), "csv-cohort": "0"},
                       content_type="multipart/form-data").get_data(as_text=True)
    assert "Español" in page
    payload = regex.search(r'name="confirm-payload" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/org/people/upload/confirm", data={"confirm-payload": payload})
    languages = dict(db.session.execute(sa.select(Invitation.email, Invitation.language)).all())
    assert languages == {"rosa@example.org": "es", "li@example.org": None, "bad@example.org": "en"}
    rosa = [m for m in app.extensions["mail_outbox"] if m["To"] == "rosa@example.org"][0]
    assert rosa.get_content().startswith("Hola, Rosa Díaz:")
    assert " como participante." in rosa.get_content()

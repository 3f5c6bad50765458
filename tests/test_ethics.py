"""Signing the code of ethics: the page and its refusals, double submits, the requirement, the record
and transcript, and signing a new version at renewal."""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from lms import requirements
from lms.ethics import rules, services
from lms.ethics.requirements import ethics_requirement
from lms.models import AuditEvent, Certificate, CourseVersion, EthicsSignature, Role
from tests import factories


@pytest.fixture
def ethics(db, people):
    version = factories.make_live_course(live_minutes=(0, 0), ethics_code=dict(factories.ETHICS_CODE))
    people["trainee"].name = "Ana de la Cruz"
    enrolment = factories.make_enrolment(people["trainee"], version)
    db.session.commit()
    return {"version": version, "enrolment": enrolment, "url": f"/ethics/{version.course.slug}"}


def sign(client, url, name="Ana de la Cruz", agree="y"):
    data = {"typed_name": name}
    if agree:
        data["agree"] = agree
    return client.post(url, data=data)


def test_the_trainee_reads_and_signs_the_code_with_their_typed_name(client, auth, people, ethics, db):
    auth.login(people["trainee"])
    page = client.get(ethics["url"]).get_data(as_text=True)
    assert "I respect self-determination." in page and "version 1.0" in page
    assert "I have read the Code of Ethics for Peer Support Specialists, version 1.0" in page
    assert sign(client, ethics["url"], name="  ana DE LA  cruz ").status_code == 302
    signature = db.session.scalar(sa.select(EthicsSignature))
    assert (signature.code_version, signature.typed_name) == ("1.0", "ana DE LA cruz")
    assert signature.text_sha256 == rules.text_sha256(factories.ETHICS_CODE)
    assert signature.statement.startswith("I have read the Code of Ethics")
    assert db.session.scalar(sa.select(AuditEvent).where(AuditEvent.action == "ethics.signed"))
    page = client.get(ethics["url"]).get_data(as_text=True)
    assert signature.text_sha256 in page and 'name="typed_name"' not in page


@pytest.mark.parametrize(("name", "agree", "field", "message"), [
    ("Ana Cruz", "y", "typed_name", "Type your full name as it is on your account: Ana de la Cruz."),
    ("", "y", "typed_name", "Type your full name to sign."),
    ("Ana de la Cruz", None, "agree", "Tick the box"),
    ("Ana\x00 de la Cruz", "y", "typed_name", ""),
])
def test_a_wrong_name_or_a_missing_tick_is_refused_next_to_the_field(client, auth, people, ethics, db,
                                                                     name, agree, field, message):
    auth.login(people["trainee"])
    response = sign(client, ethics["url"], name=name, agree=agree)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="{field}-error"' in page and message in page
    assert db.session.scalar(sa.select(sa.func.count(EthicsSignature.id))) == 0


def test_signing_twice_keeps_one_signature(client, auth, people, ethics, db):
    auth.login(people["trainee"])
    assert sign(client, ethics["url"]).status_code == 302
    assert sign(client, ethics["url"]).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count(EthicsSignature.id))) == 1
    item = services.code_for_course(people["trainee"], ethics["version"].course)
    item.signature = None  # as a concurrent request would see it: the unique constraint decides
    assert services.sign_code(people["trainee"], item, typed_name="Ana de la Cruz", agreed=True).id
    assert db.session.scalar(sa.select(sa.func.count(EthicsSignature.id))) == 1


def test_only_an_enrolled_trainee_signs_and_staff_cannot_open_the_page(client, auth, people, ethics, db):
    stranger = factories.make_user(Role.TRAINEE, org=people["org"])
    db.session.commit()
    auth.login(stranger)
    assert client.get(ethics["url"]).status_code == 404
    assert sign(client, ethics["url"]).status_code == 404
    assert client.get("/ethics/no-such-course").status_code == 404
    for who in ("supervisor", "org_admin", "outsider_supervisor"):
        auth.switch_to(people[who])
        assert client.get(ethics["url"]).status_code == 403
        assert client.get("/ethics").status_code == 403


def test_the_signed_code_is_a_requirement_of_the_certificate(app, people, ethics, db):
    enrolment = ethics["enrolment"]
    with app.test_request_context():
        assert ethics_requirement in requirements.PROVIDERS
        requirement = ethics_requirement(enrolment)
        assert (requirement.key, requirement.met) == ("ethics-code", False)
        assert requirement.url == f"/ethics/{ethics['version'].course.slug}"
        item = services.code_for_course(people["trainee"], ethics["version"].course)
        services.sign_code(people["trainee"], item, typed_name="Ana de la Cruz", agreed=True)
        assert ethics_requirement(enrolment).met
        assert "ethics-code" not in [r.key for r in requirements.unmet_requirements(enrolment)]


def test_a_course_without_a_code_has_no_ethics_requirement(people, db):
    enrolment = factories.make_enrolment(people["trainee"], factories.make_certifying_course())
    assert ethics_requirement(enrolment) is None


def test_the_signature_shows_on_the_transcript_and_its_pdf_template(client, auth, people, ethics, db):
    item = services.code_for_course(people["trainee"], ethics["version"].course)
    signature = services.sign_code(people["trainee"], item, typed_name="Ana de la Cruz", agreed=True)
    db.session.commit()
    auth.login(people["trainee"])
    page = client.get("/records/transcript").get_data(as_text=True)
    assert "Code of ethics" in page and signature.text_sha256 in page and "Ana de la Cruz" in page
    from flask import render_template

    from lms.records.services import build_transcript

    with client.application.test_request_context():
        html = render_template("records/transcript_pdf.html", t=build_transcript(people["trainee"]),
                               program_name="PeerCert")
    assert signature.text_sha256 in html and "Code of Ethics for Peer Support Specialists (1.0)" in html


def _certificate(user, version) -> Certificate:
    certificate = Certificate(number=f"PSS-TEST-{user.id:04d}", user_id=user.id, course_id=version.course_id,
                              course_version_id=version.id, holder_name=user.name, course_title=version.title,
                              course_version_label=version.version, hours=40, issuer_name="Riverside",
                              issued_on=date.today() - timedelta(days=700),
                              expires_on=date.today() + timedelta(days=30),
                              status_list_index=user.id)
    factories.db.session.add(certificate)
    factories.db.session.flush()
    return certificate


def test_a_new_version_of_the_code_asks_the_holder_to_sign_again_at_renewal(client, auth, people, ethics, db):
    from lms.errors import NotEligible

    trainee, old = people["trainee"], ethics["version"]
    services.sign_code(trainee, services.code_for_course(trainee, old.course), typed_name=trainee.name, agreed=True)
    certificate = _certificate(trainee, old)
    assert services.needs_signature_for_renewal(certificate) is False
    old.is_live = False
    new = CourseVersion(course_id=old.course_id, version="2.0", content_hash="hash-v2", title=old.title,
                        description="", hours=40, certificate_rules=old.certificate_rules,
                        ethics_code={**factories.ETHICS_CODE, "version": "2.0",
                                     "html": "<ol><li>I respect self-determination.</li><li>New.</li></ol>"})
    db.session.add(new)
    db.session.commit()
    assert services.needs_signature_for_renewal(certificate) is True
    with pytest.raises(NotEligible):
        services.require_signature_for_renewal(certificate)

    auth.login(trainee)
    page = client.get("/ethics").get_data(as_text=True)
    assert "Sign the new version" in page
    page = client.get(ethics["url"]).get_data(as_text=True)
    assert "New." in page and "Sign it to renew your certificate" in page
    assert sign(client, ethics["url"], name=trainee.name).status_code == 302
    assert services.needs_signature_for_renewal(certificate) is False
    versions = db.session.scalars(sa.select(EthicsSignature.code_version).order_by(EthicsSignature.id)).all()
    assert versions == ["1.0", "2.0"]


def test_the_demo_signs_for_one_trainee_once(people, ethics, db):
    from lms.ethics.demo import seed_demo

    seed_demo({"elena@example.org": people["trainee"]}, [people["cohort"]])
    seed_demo({"elena@example.org": people["trainee"]}, [people["cohort"]])
    assert db.session.scalar(sa.select(sa.func.count(EthicsSignature.id))) == 1


def test_the_shipped_core_course_asks_for_its_code_of_ethics(client, auth, people, courses, db):
    version = courses["peer-specialist-core"]
    assert version.ethics_code["version"] and version.ethics_code["html"]
    factories.make_enrolment(people["trainee"], version)
    db.session.commit()
    auth.login(people["trainee"])
    page = client.get(f"/ethics/{version.course.slug}").get_data(as_text=True)
    assert version.ethics_code["title"] in page and "self-determination" in page.lower()


def test_the_renewal_notice_partial_links_to_the_new_version(app, people, ethics, db):
    from flask import render_template_string

    certificate = _certificate(people["trainee"], ethics["version"])
    with app.test_request_context():
        html = render_template_string('{% include "ethics/_renewal_notice.html" %}', certificate=certificate,
                                      needs_signature=services.needs_signature_for_renewal(certificate))
    assert "Sign the new version" in html and f"/ethics/{ethics['version'].course.slug}" in html


def test_signing_last_issues_the_certificate_that_waited_for_the_signature(app, people, ethics, db, monkeypatch):
    """A trainee who passed every module before signing gets the certificate the moment they sign."""
    factories.stub_certificate_pdfs(monkeypatch)
    enrolment = ethics["enrolment"]
    with app.test_request_context():
        for module in ethics["version"].modules:
            factories.pass_module(enrolment, module)
        db.session.flush()
        assert enrolment.completed_at is not None
        held = sa.select(Certificate).where(Certificate.user_id == people["trainee"].id)
        assert db.session.scalars(held).all() == []
        item = services.code_for_course(people["trainee"], ethics["version"].course)
        services.sign_code(people["trainee"], item, typed_name="Ana de la Cruz", agreed=True)
        issued = db.session.scalars(held).all()
        assert [c.course_id for c in issued] == [ethics["version"].course_id]

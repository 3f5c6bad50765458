"""The public registry: opt-in per certificate, found by name or number, never listed in bulk; an
organization may require listing (told before enrolment, then no withdrawal while required)."""

from datetime import date

import pytest
import sqlalchemy as sa

from lms.certificates import issuance, registry
from lms.models import AuditEvent, RegistryListing, Role
from lms.orgs import invitations
from tests import factories

# Pages here must not load a relationship row by row (tests/conftest.py, LazyLoad).
pytestmark = [pytest.mark.usefixtures("quick_pdfs"), pytest.mark.no_lazy_loads]


@pytest.fixture
def course(db):
    return factories.make_certifying_course(title="Peer Specialist Core Training")


def certify(db, course, name: str, org=None):
    person = factories.make_user(Role.TRAINEE, org=org, name=name)
    certificate = issuance.issue_certificate(person, course, issued_on=date(2026, 1, 5), expires_on=date(2099, 1, 5))
    db.session.commit()
    return person, certificate


def opt_in(client, auth, person, certificate):
    auth.login(person)
    response = client.post(f"/my/certificates/{certificate.number}/registry")
    assert response.status_code == 302
    auth.logout()


def actions(db) -> list[str]:
    return list(db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.action.like("registry.%"))
                                   .order_by(AuditEvent.id)))


@pytest.mark.parametrize(("name", "key"), [
    ("Zoë O'Brien-Nakamura", "zoe o brien nakamura"),
    ("  ÁLVARO   Peña ", "alvaro pena"),
    ("%_*", ""),
])
def test_search_key_folds_names(name, key):
    assert registry.search_key(name) == key


def test_a_certificate_is_not_listed_by_default(client, db, course):
    certify(db, course, "Avery Lindqvist")
    page = client.get("/registry?q=Avery")
    assert page.status_code == 200 and "Avery Lindqvist" not in page.get_data(as_text=True)


def test_the_holder_opts_in_is_found_by_name_then_withdraws(client, auth, db, people, course):
    person, certificate = certify(db, course, "Avery Lindqvist", org=people["org"])
    opt_in(client, auth, person, certificate)
    for query in ("Avery", "avery lind", "Lindq", "AVÉRY"):
        page = client.get(f"/registry?q={query}").get_data(as_text=True)
        assert "Avery Lindqvist" in page and certificate.number in page and "Peer Specialist Core Training" in page
        assert person.email not in page
    auth.login(person)
    assert client.post(f"/my/certificates/{certificate.number}/registry/withdraw").status_code == 302
    auth.logout()
    assert "Avery Lindqvist" not in client.get("/registry?q=Avery").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(RegistryListing.id))) == 0
    assert actions(db) == ["registry.listed", "registry.withdrawn"]


def test_found_by_exact_number_only(client, auth, db, people, course):
    person, certificate = certify(db, course, "Kai Okafor", org=people["org"])
    opt_in(client, auth, person, certificate)
    assert "Kai Okafor" in client.get(f"/registry?q={certificate.number.lower()}").get_data(as_text=True)
    assert "Kai Okafor" not in client.get(f"/registry?q={certificate.number[:-3]}").get_data(as_text=True)


def test_the_middle_of_a_word_does_not_match(client, auth, db, people, course):
    person, certificate = certify(db, course, "Avery Lindqvist", org=people["org"])
    opt_in(client, auth, person, certificate)
    assert "Avery Lindqvist" not in client.get("/registry?q=very").get_data(as_text=True)
    assert "Avery Lindqvist" not in client.get("/registry?q=qvist").get_data(as_text=True)


@pytest.mark.parametrize("query", ["", "  ", "Av", "%%%", "a%", "___", "***", "A.v"])
def test_short_empty_and_wildcard_queries_list_nothing(client, auth, db, people, course, query):
    person, certificate = certify(db, course, "Avery Lindqvist", org=people["org"])
    opt_in(client, auth, person, certificate)
    response = client.get("/registry", query_string={"q": query})
    assert response.status_code == 400
    assert "Avery Lindqvist" not in response.get_data(as_text=True)


def test_at_most_twenty_results_and_no_next_page(client, db, course):
    for i in range(23):
        _person, certificate = certify(db, course, f"Sam Rivera {i:02d}")
        registry.list_certificate(certificate, actor=certificate.user)
    db.session.commit()
    page = client.get("/registry?q=sam").get_data(as_text=True)
    assert page.count("Sam Rivera") == 20
    assert "More than 20 listings match" in page
    assert "page=" not in page
    assert client.get("/registry?q=sam&page=2").get_data(as_text=True).count("Sam Rivera") == 20  # same 20


def test_the_registry_is_not_indexed_nor_cached(client):
    response = client.get("/registry")
    assert response.status_code == 200
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    assert response.headers["Cache-Control"] == "no-store"
    assert '<meta name="robots" content="noindex, nofollow">' in response.get_data(as_text=True)


def test_the_search_is_rate_limited(client):
    statuses = [client.get("/registry?q=avery").status_code for _ in range(21)]
    assert statuses[:20] == [200] * 20 and statuses[20] == 429


def test_an_entry_shows_the_status_of_a_revoked_certificate(client, auth, db, people, course):
    from lms.certificates import lifecycle

    person, certificate = certify(db, course, "Drew Castellano", org=people["org"])
    opt_in(client, auth, person, certificate)
    lifecycle.revoke_certificate(certificate, "issued in error", actor=people["admin"])
    db.session.commit()
    page = client.get("/registry?q=drew").get_data(as_text=True)
    assert "Drew Castellano" in page and "Revoked" in page


def test_a_renewal_keeps_the_holders_choice(db, course, people):
    person, certificate = certify(db, course, "Elena Marsh", org=people["org"])
    registry.list_certificate(certificate, actor=person)
    renewed = issuance.issue_certificate(person, course, generation=2, reason="renewal", previous=certificate)
    db.session.commit()
    assert registry.listing_of(certificate) is None and registry.listing_of(renewed) is not None
    assert [e.number for e in registry.search("Elena").entries] == [renewed.number]


# -- who may ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["other trainee", "other org trainee", "org admin", "admin"])
def test_only_the_holder_lists_or_withdraws(client, auth, db, people, course, who):
    person, certificate = certify(db, course, "Avery Lindqvist", org=people["org"])
    intruder = {
        "other trainee": lambda: factories.make_user(Role.TRAINEE, org=people["org"]),
        "other org trainee": lambda: factories.make_user(Role.TRAINEE, org=people["other_org"]),
        "org admin": lambda: people["org_admin"], "admin": lambda: people["admin"],
    }[who]()
    db.session.commit()
    auth.login(intruder)
    assert client.post(f"/my/certificates/{certificate.number}/registry").status_code in (403, 404)
    assert registry.listing_of(certificate) is None
    registry.list_certificate(certificate, actor=person)
    db.session.commit()
    assert client.post(f"/my/certificates/{certificate.number}/registry/withdraw").status_code in (403, 404)
    assert registry.listing_of(certificate) is not None


# -- organizations that require listing ------------------------------------------------------------------


REASON = "State contract 2026-14, section 5: certified peer specialists are listed for the Board."


def test_the_org_admin_sets_the_rule_with_a_reason(client, auth, db, people):
    auth.login(people["org_admin"])
    url = f"/org/{people['org'].id}/registry-rule"
    assert client.get(url).status_code == 200
    refused = client.post(url, data={"required": "y", "reason": "because"})
    assert refused.status_code == 400 and "at least 10 characters" in refused.get_data(as_text=True)
    assert not people["org"].registry_listing_required
    assert client.post(url, data={"required": "y", "reason": REASON}).status_code == 302
    db.session.refresh(people["org"])
    assert people["org"].registry_listing_required and people["org"].registry_listing_reason == REASON
    assert actions(db) == ["registry.rule_changed"]


@pytest.mark.parametrize("who", ["trainee", "supervisor", "outsider_supervisor"])
def test_other_roles_cannot_set_the_rule(client, auth, people, who):
    auth.login(people[who])
    assert client.post(f"/org/{people['org'].id}/registry-rule", data={"required": "y", "reason": REASON}
                       ).status_code == 403
    assert not people["org"].registry_listing_required


def test_an_org_admin_of_another_organization_cannot_set_the_rule(client, auth, db, people):
    other_admin = factories.make_user(Role.ORG_ADMIN, org=people["other_org"])
    db.session.commit()
    auth.login(other_admin)
    url = f"/org/{people['org'].id}/registry-rule"
    assert client.get(url).status_code == 403
    assert client.post(url, data={"required": "y", "reason": REASON}).status_code == 403
    db.session.refresh(people["org"])
    assert not people["org"].registry_listing_required


def test_an_administrator_may_set_any_organizations_rule(client, auth, people):
    auth.login(people["admin"])
    assert client.post(f"/org/{people['org'].id}/registry-rule", data={"required": "y", "reason": REASON}
                       ).status_code == 302


def test_the_trainee_is_told_before_accepting_the_invitation(client, db, people):
    people["org"].registry_listing_required = True
    people["org"].registry_listing_reason = REASON
    _invitation, token = invitations.invite(people["org"], email="new@example.org", name="New Trainee",
                                            role="trainee")
    db.session.commit()
    page = client.get(f"/invite/{token}").get_data(as_text=True)
    assert "Your certificate will be listed in the public registry" in page and REASON in page


def test_no_notice_where_listing_is_not_required(client, db, people):
    _invitation, token = invitations.invite(people["org"], email="new@example.org", name="New Trainee",
                                            role="trainee")
    db.session.commit()
    assert "public registry" not in client.get(f"/invite/{token}").get_data(as_text=True)


def test_required_listing_is_automatic_on_issuance_and_cannot_be_withdrawn(client, auth, db, people, course):
    registry.set_listing_rule(people["org"], required=True, reason=REASON, actor=people["org_admin"])
    db.session.commit()
    person, certificate = certify(db, course, "Tomas Beaulieu", org=people["org"])
    assert "Tomas Beaulieu" in client.get("/registry?q=tomas").get_data(as_text=True)
    auth.login(person)
    page = client.get(f"/my/certificates/{certificate.number}").get_data(as_text=True)
    assert "You cannot withdraw this listing while that rule applies" in page and REASON in page
    assert "Withdraw from the registry" not in page
    response = client.post(f"/my/certificates/{certificate.number}/registry/withdraw", follow_redirects=True)
    assert "cannot be withdrawn while that rule applies" in response.get_data(as_text=True)
    assert registry.listing_of(certificate) is not None
    # the rule lifted, the holder may withdraw
    registry.set_listing_rule(people["org"], required=False, reason="", actor=people["org_admin"])
    db.session.commit()
    assert client.post(f"/my/certificates/{certificate.number}/registry/withdraw").status_code == 302
    assert registry.listing_of(certificate) is None


def test_the_rule_does_not_list_certificates_issued_before_it(db, people, course):
    _person, certificate = certify(db, course, "Casey Moreau", org=people["org"])
    registry.set_listing_rule(people["org"], required=True, reason=REASON, actor=people["org_admin"])
    db.session.commit()
    assert registry.listing_of(certificate) is None


def test_other_organizations_trainees_are_not_listed_by_the_rule(db, people, course):
    registry.set_listing_rule(people["org"], required=True, reason=REASON, actor=people["org_admin"])
    _person, certificate = certify(db, course, "Kim Other", org=people["other_org"])
    assert registry.listing_of(certificate) is None


@pytest.mark.parametrize("keep_name", [True, False])
def test_erasing_the_person_takes_them_out_of_the_registry(app, db, people, course, keep_name):
    from lms.records.erasure import erase_user

    person, certificate = certify(db, course, "Rowan Achterberg", org=people["org"])
    registry.list_certificate(certificate, actor=person)
    db.session.commit()
    assert registry.search("rowan").entries
    erase_user(person, actor=people["admin"], data_dir=app.config["DATA_DIR"], keep_certificate_name=keep_name)
    db.session.commit()
    assert registry.search("rowan").entries == [] and registry.listing_of(certificate) is None


def test_the_trainee_is_told_on_the_enrolment_card(client, auth, db, people, course):
    registry.set_listing_rule(people["org"], required=True, reason=REASON, actor=people["org_admin"])
    db.session.commit()
    auth.login(people["trainee"])
    page = client.get(f"/courses/{course.course.slug}").get_data(as_text=True)
    assert "Enrolment" in page
    assert "Your certificate will be listed in the public registry" in page and REASON in page
    auth.switch_to(factories.make_user(Role.TRAINEE, org=people["other_org"]))
    assert "public registry" not in client.get(f"/courses/{course.course.slug}").get_data(as_text=True)


def _statements_for(client, db, url: str) -> int:
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        assert client.get(url).status_code == 200
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)
    return len(statements)


def test_the_results_page_costs_the_same_statements_for_2_and_20_entries(client, db, course):
    for i in range(20):
        _person, certificate = certify(db, course, f"{'Noa' if i < 2 else 'Sam'} Rivera {i:02d}")
        registry.list_certificate(certificate, actor=certificate.user)
    db.session.commit()
    few, many = _statements_for(client, db, "/registry?q=noa"), _statements_for(client, db, "/registry?q=sam")
    assert few == many, (few, many)

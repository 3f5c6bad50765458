""""Add to my wallet" and "Add to LinkedIn profile": the credential file, the one-time offer to the
Learner Credential Wallet (its deep link and QR code), the exchange the wallet posts to, and who may."""

import json
import re
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
import sqlalchemy as sa

from lms.certificates import issuance, wallet
from lms.models import AuditEvent, Role, WalletOffer, utcnow
from tests import factories

# Pages here must not load a relationship row by row (tests/conftest.py, LazyLoad).
pytestmark = [pytest.mark.usefixtures("quick_pdfs"), pytest.mark.no_lazy_loads]


@pytest.fixture
def certificate(db, people):
    course = factories.make_certifying_course(title="Peer Specialist Core Training")
    certificate = issuance.issue_certificate(people["trainee"], course, issued_on=date(2026, 3, 5),
                                             expires_on=date(2028, 3, 5))
    db.session.commit()
    return certificate


def offer_links(client, certificate) -> dict[str, str]:
    """Ask for a wallet offer on the holder's page; the two links the page shows."""
    response = client.post(f"/my/certificates/{certificate.number}/wallet")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    web = re.search(r'href="(https://lcw\.app/request\.html\?[^"]+)"', page).group(1).replace("&amp;", "&")
    app = re.search(r'href="(dccrequest://request\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert "<svg" in page  # the QR code
    return {"web": web, "app": app}


def params(link: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(link).query).items()}


def did_auth(challenge: str) -> dict:
    return {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"],
            "holder": "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK",
            "proof": {"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "challenge": challenge,
                      "proofPurpose": "authentication", "proofValue": "z3FXQ"}}


def exchange_path(link: str) -> str:
    return urlsplit(params(link)["vc_request_url"]).path


def test_the_holder_page_offers_the_file_the_wallet_and_linkedin(client, auth, db, people, certificate):
    auth.login(people["trainee"])
    page = client.get(f"/my/certificates/{certificate.number}").get_data(as_text=True)
    assert "Add to my wallet" in page and "Add to LinkedIn profile" in page
    assert f"/my/certificates/{certificate.number}/credential.json" in page
    assert "lcw.app/request.html" not in page  # an offer is made by a POST, never by looking at the page
    assert db.session.scalar(sa.select(sa.func.count(WalletOffer.id))) == 0


def test_the_credential_downloads_as_a_json_ld_file(client, auth, people, certificate):
    auth.login(people["trainee"])
    response = client.get(f"/my/certificates/{certificate.number}/credential.json")
    assert response.status_code == 200
    assert response.mimetype == "application/ld+json"
    assert response.headers["Content-Disposition"] == f'attachment; filename="credential-{certificate.number}.json"'
    credential = json.loads(response.data)
    assert "OpenBadgeCredential" in credential["type"] and certificate.number in json.dumps(credential)


def test_the_deep_link_has_the_form_the_learner_credential_wallet_reads(client, auth, db, people, certificate):
    auth.login(people["trainee"])
    links = offer_links(client, certificate)
    web = params(links["web"])
    assert set(web) == {"issuer", "auth_type", "challenge", "vc_request_url"}
    assert web["auth_type"] == "bearer" and web["issuer"] == "localhost"
    assert web["vc_request_url"].startswith("http://localhost/wallet/exchange/")
    assert params(links["app"]) == web
    stored = db.session.scalar(sa.select(WalletOffer))
    token = exchange_path(links["web"]).rsplit("/", 1)[1]
    assert stored.token_sha256 != token and len(stored.token_sha256) == 64  # only the hash is kept
    assert stored.challenge == web["challenge"]


def test_the_wallet_receives_the_credential_once(client, auth, db, people, certificate):
    auth.login(people["trainee"])
    links = offer_links(client, certificate)
    auth.logout()  # the wallet app has no session
    path, challenge = exchange_path(links["web"]), params(links["web"])["challenge"]
    response = client.post(path, json=did_auth(challenge))
    assert response.status_code == 200
    credential = response.get_json()
    assert "VerifiableCredential" in credential["type"] and certificate.number in json.dumps(credential)
    again = client.post(path, json=did_auth(challenge))
    assert again.status_code == 410
    assert db.session.scalar(sa.select(AuditEvent.id).where(AuditEvent.action == "certificate.wallet_delivered"))


def test_the_vc_api_exchange_gets_a_request_then_a_presentation(client, auth, people, certificate):
    auth.login(people["trainee"])
    links = offer_links(client, certificate)
    path = exchange_path(links["web"])
    start = client.post(path, json={})
    assert start.status_code == 200
    request = start.get_json()["verifiablePresentationRequest"]
    assert request["query"][0]["type"] == "DIDAuthentication"
    assert request["challenge"] == params(links["web"])["challenge"]
    assert request["interact"]["service"][0]["serviceEndpoint"] == params(links["web"])["vc_request_url"]
    done = client.post(path, json={"verifiablePresentation": did_auth(request["challenge"])})
    assert done.status_code == 200
    presentation = done.get_json()["verifiablePresentation"]
    assert presentation["type"] == ["VerifiablePresentation"]
    assert "OpenBadgeCredential" in presentation["verifiableCredential"][0]["type"]


@pytest.mark.parametrize("body", [
    b"not json", b"[1, 2]", json.dumps({"type": ["VerifiableCredential"]}).encode(),
    json.dumps({"verifiablePresentation": "x"}).encode(),
])
def test_malformed_wallet_requests_get_a_400(client, auth, people, certificate, body):
    auth.login(people["trainee"])
    path = exchange_path(offer_links(client, certificate)["web"])
    response = client.post(path, data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["error"] == "InvalidInput"


def test_a_presentation_without_our_challenge_is_refused_and_leaves_the_offer(client, auth, people, certificate):
    auth.login(people["trainee"])
    links = offer_links(client, certificate)
    path = exchange_path(links["web"])
    assert client.post(path, json=did_auth("someone-elses-challenge")).status_code == 400
    assert client.post(path, json=did_auth(params(links["web"])["challenge"])).status_code == 200


def test_an_expired_or_unknown_offer_is_gone(client, auth, db, people, certificate):
    auth.login(people["trainee"])
    links = offer_links(client, certificate)
    offer = db.session.scalar(sa.select(WalletOffer))
    offer.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.post(exchange_path(links["web"]), json=did_auth(offer.challenge)).status_code == 410
    assert client.post("/wallet/exchange/" + "x" * 43, json={}).status_code == 410
    assert client.post("/wallet/exchange/short", json={}).status_code == 410


def test_a_revoked_certificate_is_not_offered(client, auth, db, people, certificate):
    certificate.revoked_at = utcnow()
    db.session.commit()
    auth.login(people["trainee"])
    assert client.post(f"/my/certificates/{certificate.number}/wallet").status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(WalletOffer.id))) == 0


def test_linkedin_link_is_prefilled(client, auth, people, certificate):
    auth.login(people["trainee"])
    page = client.get(f"/my/certificates/{certificate.number}").get_data(as_text=True)
    link = re.search(r'href="(https://www\.linkedin\.com/profile/add\?[^"]+)"', page).group(1).replace("&amp;", "&")
    assert params(link) == {
        "startTask": "CERTIFICATION_NAME", "name": "Peer Specialist Core Training",
        "organizationName": certificate.issuer_name, "issueYear": "2026", "issueMonth": "3",
        "expirationYear": "2028", "expirationMonth": "3",
        "certUrl": f"http://localhost/verify/{certificate.number}", "certId": certificate.number,
    }


def test_linkedin_url_builder_escapes_the_title(certificate, app):
    certificate.course_title = "Peer Support & Recovery"
    with app.test_request_context():
        link = wallet.linkedin_url(certificate, "http://localhost/verify/X")
    assert params(link)["name"] == "Peer Support & Recovery"


@pytest.mark.parametrize("url", ["/my/certificates/{n}", "/my/certificates/{n}/credential.json"])
@pytest.mark.parametrize("who", ["other trainee", "org admin", "admin", "other org trainee"])
def test_only_the_holder_opens_their_certificate_page(client, auth, db, people, certificate, url, who):
    person = {
        "other trainee": lambda: factories.make_user(Role.TRAINEE, org=people["org"]),
        "other org trainee": lambda: factories.make_user(Role.TRAINEE, org=people["other_org"]),
        "org admin": lambda: people["org_admin"], "admin": lambda: people["admin"],
    }[who]()
    db.session.commit()
    auth.login(person)
    assert client.get(url.format(n=certificate.number)).status_code in (403, 404)


@pytest.mark.parametrize("who", ["other trainee", "other org trainee"])
def test_another_person_cannot_ask_for_a_wallet_offer(client, auth, db, people, certificate, who):
    org = people["org"] if who == "other trainee" else people["other_org"]
    person = factories.make_user(Role.TRAINEE, org=org)
    db.session.commit()
    auth.login(person)
    assert client.post(f"/my/certificates/{certificate.number}/wallet").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(WalletOffer.id))) == 0


def test_anonymous_visitors_are_sent_to_log_in(client, certificate):
    response = client.post(f"/my/certificates/{certificate.number}/wallet")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("body", [b"[" * 50_000, b'{"a": "' + b"x" * 70_000 + b'"}'])
def test_oversized_or_deeply_nested_bodies_get_a_400(client, auth, people, certificate, body):
    auth.login(people["trainee"])
    path = exchange_path(offer_links(client, certificate)["web"])
    assert client.post(path, data=body, content_type="application/json").status_code == 400

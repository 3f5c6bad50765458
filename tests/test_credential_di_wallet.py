"""The wallets' own verifier: npm `@digitalcredentials/verifier-core` (the Learner Credential Wallet's and
VerifierPlus's library) checks our credentials in node, resolving our did:web issuers and fetching our status
lists from the test app, served over https on 127.0.0.1 with a throw-away certificate.

did:web requires https: the fixture makes a self-signed certificate for IP 127.0.0.1, serves the app with it
and runs node with NODE_EXTRA_CA_CERTS, so the DIDs are `did:web:127.0.0.1%3A<port>[:orgs:<id>]`. The node
script (tests/node/verify_credentials.mjs) refuses every fetch beyond 127.0.0.1 and answers 1EdTech's JSON
Schema URL from ../shared/data/ob3, so verifier-core's schema check runs offline too.

Needs `npm install --prefix tests/node` (CI runs it): without it these tests skip, and in CI (CI set) fail.
"""

import copy
import datetime as dt
import ipaddress
import json
import os
import shutil
import ssl
import subprocess
import threading
from datetime import date
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from werkzeug.serving import make_server

from lms.certificates import issuance, lifecycle, settings
from tests import factories
from tests.conftest import SHARED

pytestmark = pytest.mark.usefixtures("quick_pdfs")

NODE_DIR = Path(__file__).parent / "node"
SCRIPT = NODE_DIR / "verify_credentials.mjs"
OB3_SCHEMA = Path(os.environ.get("OB3_SCHEMA_DIR") or SHARED / "data" / "ob3") / "achievementcredential.json"


def _unavailable(reason: str):
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def node():
    executable = shutil.which("node")
    if executable is None:
        _unavailable("node is not installed")
    if not (NODE_DIR / "node_modules" / "@digitalcredentials" / "verifier-core").is_dir():
        _unavailable("verifier-core is not installed: npm install --prefix tests/node")
    return executable


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory):
    """A self-signed certificate for IP 127.0.0.1 (its own CA), made for this module only."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5)).not_valid_after(now + dt.timedelta(hours=2))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.IPv4Address("127.0.0.1"))]),
                       critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


class Dispatch:
    """The WSGI app the server runs: the current test's app, set once the test has built it."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def https_server(tls_files):
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*tls_files)
    dispatch = Dispatch()
    server = make_server("127.0.0.1", 0, dispatch, ssl_context=context)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server, dispatch
    server.shutdown()
    thread.join(5)


@pytest.fixture
def app_config(https_server, tmp_path):
    server, _dispatch = https_server
    return {"LMS_BASE_URL": f"https://127.0.0.1:{server.server_port}", "KEYS_DIR": str(tmp_path / "keys")}


@pytest.fixture
def served(app, https_server):
    _server, dispatch = https_server
    dispatch.app = app
    yield app
    dispatch.app = None


def verify_in_node(node, tls_files, credentials: list[dict]) -> list[dict]:
    env = {**os.environ, "NODE_EXTRA_CA_CERTS": str(tls_files[0])}
    if OB3_SCHEMA.is_file():
        env["OB3_SCHEMA_FILE"] = str(OB3_SCHEMA)
    completed = subprocess.run([node, str(SCRIPT)], input=json.dumps(credentials), capture_output=True, text=True,
                               env=env, cwd=NODE_DIR, timeout=120, check=False)
    assert completed.returncode == 0, completed.stderr
    return json.loads(completed.stdout)


def held_credential(client, certificate) -> dict:
    response = client.get(f"/certificates/{certificate.number}/credential.json")
    assert response.status_code == 200
    return response.get_json()


def test_verifier_core_judges_fresh_tampered_revoked_and_expired_credentials(served, db, client, node, tls_files):
    course = factories.make_certifying_course()
    org = factories.make_org("Riverside Recovery Network")
    fresh = issuance.issue_certificate(factories.make_user(org=org, name="Dana Whitfield"), course)
    program = issuance.issue_certificate(factories.make_user(name="Sam Ortiz"), course)
    revoked = issuance.issue_certificate(factories.make_user(org=org), course)
    expired = issuance.issue_certificate(factories.make_user(org=org), course, issued_on=date(2020, 1, 6),
                                         expires_on=date(2022, 1, 6))
    db.session.commit()
    credentials = {c.number: held_credential(client, c) for c in (fresh, program, revoked, expired)}
    lifecycle.revoke_certificate(revoked, "Issued in error")
    db.session.commit()
    tampered = copy.deepcopy(credentials[fresh.number])
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Someone Else"

    port = settings.base_url().rsplit(":", 1)[1]
    assert credentials[fresh.number]["issuer"]["id"] == f"did:web:127.0.0.1%3A{port}:orgs:{org.id}"
    assert credentials[program.number]["issuer"]["id"] == f"did:web:127.0.0.1%3A{port}"

    results = verify_in_node(node, tls_files, [credentials[fresh.number], credentials[program.number], tampered,
                                               credentials[revoked.number], credentials[expired.number]])
    verdicts = [result["verdict"] for result in results]
    assert verdicts == ["valid", "valid", "invalid_signature", "revoked", "expired"], results
    fresh_log = {step["id"]: step["valid"] for step in results[0]["log"]}
    assert fresh_log["valid_signature"] is True and fresh_log["revocation_status"] is True
    if OB3_SCHEMA.is_file():  # verifier-core's own check against 1EdTech's JSON Schema
        [schema] = results[0]["schema"]
        assert schema["result"] == {"valid": True}, schema


def test_a_credential_issued_before_keys_rotate_still_verifies_in_verifier_core(served, db, client, runner, node,
                                                                                  tls_files):
    course = factories.make_certifying_course()
    certificate = issuance.issue_certificate(factories.make_user(org=factories.make_org("Riverside")), course)
    db.session.commit()
    held = held_credential(client, certificate)

    result = runner.invoke(args=["keys", "rotate"])
    assert result.exit_code == 0, result.output
    reissued = held_credential(client, certificate)
    assert reissued["proof"][0]["verificationMethod"] != held["proof"][0]["verificationMethod"]

    results = verify_in_node(node, tls_files, [held, reissued])
    assert [r["verdict"] for r in results] == ["valid", "valid"], results
    page = client.get(f"/verify/{certificate.number}")
    assert page.status_code == 200 and b"Valid" in page.data

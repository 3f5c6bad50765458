import json
import stat
import time

import jwt
import pytest

from lms.certificates.signing import (
    BadSignatureError,
    KeyStore,
    UnknownKeyError,
    VerificationError,
    jwk_thumbprint,
)

PRIVATE_MEMBERS = {"d", "p", "q", "dp", "dq", "qi", "oth", "k"}


@pytest.fixture
def keystore(tmp_path):
    return KeyStore(tmp_path / "keys")


def verify_as_outsider(token: str, jwks: dict) -> dict:
    """What another verifier does: pick the published key by kid, nothing else from us."""
    header = jwt.get_unverified_header(token)
    [jwk] = [k for k in jwks["keys"] if k["kid"] == header["kid"]]
    return jwt.decode(token, jwt.PyJWK(jwk).key, algorithms=[jwk["alg"]])


def test_keys_are_created_on_first_use(tmp_path):
    directory = tmp_path / "keys"
    store = KeyStore(directory)
    assert not directory.exists()  # nothing happens until a key is needed
    jwks = store.jwks()
    assert {k["alg"] for k in jwks["keys"]} == {"RS256", "EdDSA"}
    for jwk in jwks["keys"]:
        assert jwk["use"] == "sig"
        assert jwk["kid"] == jwk_thumbprint(jwk)
        assert not PRIVATE_MEMBERS & set(jwk)
        private = directory / f"{jwk['kid']}.key.pem"
        assert stat.S_IMODE(private.stat().st_mode) == 0o600
        assert private.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
        assert (directory / f"{jwk['kid']}.pub.pem").read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")
    rsa = next(k for k in jwks["keys"] if k["alg"] == "RS256")
    assert rsa["kty"] == "RSA" and len(jwt.PyJWK(rsa).key.public_numbers().n.to_bytes(256, "big")) == 256
    ed = next(k for k in jwks["keys"] if k["alg"] == "EdDSA")
    assert ed["kty"] == "OKP" and ed["crv"] == "Ed25519"
    json.dumps(jwks)  # serialisable as is


def test_keys_persist_between_instances(tmp_path):
    first = KeyStore(tmp_path / "keys").jwks()
    assert KeyStore(tmp_path / "keys").jwks() == first


@pytest.mark.parametrize("alg", ["RS256", "EdDSA"])
def test_signed_jwt_verifies_with_the_published_jwks(keystore, alg):
    token = keystore.sign_jwt({"hello": "world"}, alg)
    header = jwt.get_unverified_header(token)
    assert header == {"alg": alg, "kid": keystore.current_kid(alg), "typ": "JWT"}
    assert verify_as_outsider(token, keystore.jwks()) == {"hello": "world"}
    assert keystore.verify_jwt(token) == {"hello": "world"}


def test_rs256_is_the_default(keystore):
    assert jwt.get_unverified_header(keystore.sign_jwt({}))["alg"] == "RS256"


def test_embedded_jwk_is_the_public_key(keystore):
    token = keystore.sign_jwt({"a": 1}, embed_jwk=True)
    header = jwt.get_unverified_header(token)
    published = keystore.public_jwk(header["kid"])
    assert header["jwk"]["n"] == published["n"]
    assert not PRIVATE_MEMBERS & set(header["jwk"])


def test_rotation_keeps_old_keys_published(keystore, tmp_path):
    old_token = keystore.sign_jwt({"n": 1})
    old_ed_token = keystore.sign_jwt({"n": 2}, "EdDSA")
    old_kids = {k["kid"] for k in keystore.jwks()["keys"]}
    other_process = KeyStore(tmp_path / "keys")
    other_process.jwks()  # loaded before the rotation

    new = keystore.rotate()
    assert set(new) == {"RS256", "EdDSA"} and not set(new.values()) & old_kids
    jwks = keystore.jwks()
    assert {k["kid"] for k in jwks["keys"]} == old_kids | set(new.values())
    assert {k["kid"] for k in jwks["keys"][:2]} == set(new.values())  # current keys first

    new_token = keystore.sign_jwt({"n": 3})
    assert jwt.get_unverified_header(new_token)["kid"] == new["RS256"]
    for token in (old_token, old_ed_token, new_token):
        verify_as_outsider(token, jwks)
        keystore.verify_jwt(token)
    # a store loaded before the rotation learns the new key when it meets it
    assert other_process.verify_jwt(new_token) == {"n": 3}
    assert KeyStore(tmp_path / "keys").current_kid("RS256") == new["RS256"]


def test_tampered_token_is_refused(keystore):
    token = keystore.sign_jwt({"name": "Ada"})
    header, payload, signature = token.split(".")
    forged_payload = jwt.utils.base64url_encode(json.dumps({"name": "Eve"}).encode()).decode()
    with pytest.raises(BadSignatureError, match="signature"):
        keystore.verify_jwt(f"{header}.{forged_payload}.{signature}")


def test_token_from_another_issuer_is_refused(keystore, tmp_path):
    stranger = KeyStore(tmp_path / "stranger")
    with pytest.raises(UnknownKeyError, match="does not hold"):
        keystore.verify_jwt(stranger.sign_jwt({"a": 1}))


def test_token_without_kid_or_malformed_is_refused(keystore):
    with pytest.raises(UnknownKeyError):
        keystore.verify_jwt(jwt.encode({"a": 1}, "secret-secret-secret-secret-32by", algorithm="HS256"))
    with pytest.raises(VerificationError, match="well-formed"):
        keystore.verify_jwt("not.a.jwt")
    with pytest.raises(VerificationError):
        keystore.verify_jwt("")


def test_algorithm_is_pinned_to_the_key(keystore):
    # An Ed25519 signature presented under the RSA key's kid.
    token = keystore.sign_jwt({"a": 1}, "EdDSA", headers={"kid": keystore.current_kid("RS256")})
    with pytest.raises(VerificationError, match="algorithm"):
        keystore.verify_jwt(token)


def test_time_claims(keystore):
    expired = keystore.sign_jwt({"exp": int(time.time()) - 10})
    with pytest.raises(VerificationError, match="expired"):
        keystore.verify_jwt(expired)
    assert keystore.verify_jwt(expired, check_times=False)["exp"] < time.time()
    future = keystore.sign_jwt({"nbf": int(time.time()) + 3600})
    with pytest.raises(VerificationError, match="not valid yet"):
        keystore.verify_jwt(future)


def test_unsupported_algorithm(keystore):
    with pytest.raises(ValueError):
        keystore.sign_jwt({}, "HS256")

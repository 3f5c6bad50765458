"""The tool's own signing key (deep-linking responses, service tokens), kept like the certificate keys:
PEM files, mode 0600, in KEYS_DIR/lti, never in the database and never shown. Rotate by `KeyStore.rotate`."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import current_app

from lms.certificates.signing import KeyStore

ALG = "RS256"  # what LTI 1.3 asks of tools and platforms


def keystore() -> KeyStore:
    app = current_app._get_current_object()
    directory = Path(app.config["KEYS_DIR"]) / "lti"
    store = app.extensions.get("lms_lti_keystore")
    if store is None or store.directory != directory:
        store = KeyStore(directory)
        app.extensions["lms_lti_keystore"] = store
    return store


def _current():
    store = keystore()
    kid = store.current_kid(ALG)
    return next(key for key in store.keys() if key.kid == kid)


def private_pem() -> str:
    return _current().private_key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode("ascii")


def public_pem() -> str:
    return _current().public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def jwks() -> dict:
    """The tool's public RSA keys (current first; older ones stay while platforms may hold their tokens)."""
    return {"keys": [dict(key.public_jwk) for key in keystore().keys() if key.alg == ALG]}

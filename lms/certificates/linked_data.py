"""Embedded Data Integrity proofs (`DataIntegrityProof`, cryptosuite `eddsa-rdfc-2022`) on JSON-LD credentials.

Pure functions, no Flask and no network. The steps follow the W3C "Data Integrity EdDSA Cryptosuites v1.0"
specification, section 3.2 (eddsa-rdfc-2022):

1. the proof options (the proof without ``proofValue``, with the document's ``@context``) and the document
   without its ``proof`` are each canonicalized with RDFC-1.0 (pyld's ``URDNA2015``, the same algorithm) to
   N-Quads and hashed with SHA-256;
2. the data signed is the proof options' hash followed by the document's hash (64 bytes);
3. the Ed25519 signature is encoded as multibase base58-btc (``z...``) in ``proofValue``.

JSON-LD contexts come only from :data:`CONTEXTS`, the published files bundled in ``contexts/`` (see its
README); any other URL is refused, so canonicalizing never fetches anything.
"""

from __future__ import annotations

import copy
import hashlib
import json
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from pyld import jsonld

__all__ = [
    "CONTEXTS",
    "CRYPTOSUITE",
    "ProofError",
    "add_proof",
    "canonicalize",
    "document_loader",
    "multikey_of",
    "public_key_of_multikey",
    "verify_proof",
]

CRYPTOSUITE = "eddsa-rdfc-2022"
CONTEXTS_DIR = Path(__file__).with_name("contexts")
# URL -> bundled file (the exact published documents; their origin and licences are in contexts/README.md).
CONTEXT_FILES = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob-v3p0-context-3.0.3.json",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://www.w3.org/ns/credentials/status/v1": "vc-bitstring-status-list-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
}
CONTEXTS: dict[str, dict] = {
    url: json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8")) for url, name in CONTEXT_FILES.items()
}
ED25519_MULTICODEC = b"\xed\x01"  # the multicodec prefix of an Ed25519 public key
BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
# pyld keeps processed contexts in one module-level LRU cache (cachetools, not thread-safe): one
# canonicalization at a time per process (about 30 ms for a credential).
_CANONICALIZE_LOCK = threading.Lock()


class ProofError(ValueError):
    """A proof is missing, malformed, names a key we cannot resolve, or does not match the document."""


# -- base58-btc and Multikey --------------------------------------------------------------------


def base58btc_encode(data: bytes) -> str:
    number = int.from_bytes(data, "big")
    encoded = ""
    while number:
        number, remainder = divmod(number, 58)
        encoded = BASE58_ALPHABET[remainder] + encoded
    leading_zeros = len(data) - len(data.lstrip(b"\0"))
    return "1" * leading_zeros + encoded


def base58btc_decode(text: str) -> bytes:
    number = 0
    for char in text:
        digit = BASE58_ALPHABET.find(char)
        if digit < 0:
            raise ValueError(f"{char!r} is not a base58-btc character")
        number = number * 58 + digit
    leading_ones = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\0" * leading_ones + body


def multikey_of(public_key: ed25519.Ed25519PublicKey) -> str:
    """The key's ``publicKeyMultibase`` (Multikey): ``z`` + base58-btc of 0xed01 and the 32 raw bytes."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "z" + base58btc_encode(ED25519_MULTICODEC + raw)


def public_key_of_multikey(value: str) -> ed25519.Ed25519PublicKey:
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("publicKeyMultibase must be base58-btc (start with z)")
    try:
        data = base58btc_decode(value[1:])
    except ValueError as exc:
        raise ProofError(str(exc)) from exc
    if len(data) != 34 or not data.startswith(ED25519_MULTICODEC):
        raise ProofError("publicKeyMultibase is not an Ed25519 public key")
    return ed25519.Ed25519PublicKey.from_public_bytes(data[2:])


# -- canonicalization ---------------------------------------------------------------------------


def document_loader(url: str, options: dict | None = None) -> dict:
    """pyld's document loader: the bundled contexts, nothing else (never a network request)."""
    del options
    context = CONTEXTS.get(url)
    if context is None:
        raise jsonld.JsonLdError(f"The JSON-LD context {url} is not bundled with PeerCert", "jsonld.LoadDocumentError",
                                 code="loading document failed")
    return {"contextUrl": None, "documentUrl": url, "document": copy.deepcopy(context)}


def canonicalize(document: dict) -> str:
    """The document's RDFC-1.0 canonical N-Quads."""
    with _CANONICALIZE_LOCK:
        return jsonld.normalize(document, {"algorithm": "URDNA2015", "format": "application/n-quads",
                                           "documentLoader": document_loader})


def _hash_data(document: dict, proof_options: dict) -> bytes:
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    return (hashlib.sha256(canonicalize(proof_options).encode("utf-8")).digest()
            + hashlib.sha256(canonicalize(unsecured).encode("utf-8")).digest())


def _timestamp(moment: datetime | None) -> str:
    moment = (moment or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def add_proof(document: dict, private_key: ed25519.Ed25519PrivateKey, verification_method: str, *,
              created: datetime | None = None, proof_purpose: str = "assertionMethod") -> dict:
    """A copy of ``document`` with an embedded ``eddsa-rdfc-2022`` proof by ``verification_method``."""
    if "proof" in document:
        raise ValueError("the document already carries a proof")
    proof_options = {
        "@context": document["@context"],
        "type": "DataIntegrityProof",
        "cryptosuite": CRYPTOSUITE,
        "created": _timestamp(created),
        "verificationMethod": verification_method,
        "proofPurpose": proof_purpose,
    }
    signature = private_key.sign(_hash_data(document, proof_options))
    proof = {key: value for key, value in proof_options.items() if key != "@context"}
    proof["proofValue"] = "z" + base58btc_encode(signature)
    # A one-element set: the Open Badges 3.0 JSON Schema requires `proof` to be an array.
    return {**document, "proof": [proof]}


def verify_proof(document: dict, resolve_key: Callable[[str], ed25519.Ed25519PublicKey | None]) -> dict:
    """The proof of ``document`` if its ``eddsa-rdfc-2022`` signature verifies; raises :class:`ProofError`.

    ``resolve_key(verification_method)`` returns the public key a verification method names, or None
    when it names none we know (the caller decides which issuers and keys it trusts).
    """
    proof = document.get("proof") if isinstance(document, dict) else None
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    if not isinstance(proof, dict):
        raise ProofError("the document carries no single embedded proof")
    if proof.get("type") != "DataIntegrityProof" or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"the proof is not a DataIntegrityProof with cryptosuite {CRYPTOSUITE}")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("the proof has no base58-btc proofValue")
    method = proof.get("verificationMethod")
    public_key = resolve_key(method) if isinstance(method, str) else None
    if public_key is None:
        raise ProofError(f"the proof names a key this verifier does not know ({method!r})")
    proof_options = {"@context": document.get("@context"),
                     **{key: item for key, item in proof.items() if key != "proofValue"}}
    try:
        signature = base58btc_decode(value[1:])
        public_key.verify(signature, _hash_data(document, proof_options))
    except (InvalidSignature, ValueError) as exc:
        raise ProofError("the signature does not match the document") from exc
    except jsonld.JsonLdError as exc:
        raise ProofError(f"the document cannot be canonicalized: {exc}") from exc
    return proof

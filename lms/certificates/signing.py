"""Signing keys for certificates: an RSA-2048 key and an Ed25519 key, with rotation.

The keys live as PEM files in one directory (the application's instance
folder, or a folder inside it), with a small manifest, ``keys.json``, saying
which keys exist and which are current::

    keys.json                  {"current": {"RS256": kid, "EdDSA": kid}, "keys": [...]}
    <kid>.key.pem              private key, mode 0600
    <kid>.pub.pem              public key

A key's ``kid`` is its RFC 7638 JWK thumbprint (SHA-256, base64url), so it is
derived from the key itself and cannot collide between keys.

Credentials are signed with RS256, as Open Badges 3.0 asks of VC-JWT proofs (it
is the algorithm every conformant verifier supports); the Ed25519 key is
published beside it and can sign with ``alg="EdDSA"``. :meth:`KeyStore.rotate`
adds a fresh pair and makes it current; older public keys stay in
:meth:`KeyStore.jwks` so that certificates signed with them still verify.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from jwt.algorithms import OKPAlgorithm, RSAAlgorithm

try:  # POSIX: serialise key creation between worker processes
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

__all__ = [
    "ALGORITHMS",
    "BadSignatureError",
    "KeyStore",
    "SigningKey",
    "UnknownKeyError",
    "VerificationError",
    "jwk_thumbprint",
]

ALGORITHMS = ("RS256", "EdDSA")
MANIFEST = "keys.json"
RSA_KEY_SIZE = 2048


class VerificationError(ValueError):
    """A token could not be verified (malformed, expired, wrong algorithm, ...)."""


class UnknownKeyError(VerificationError):
    """The token names a key (``kid``) this key store does not hold."""


class BadSignatureError(VerificationError):
    """The token's signature does not match its contents and the named key."""


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def jwk_thumbprint(jwk: dict) -> str:
    """RFC 7638 JWK SHA-256 thumbprint, base64url without padding."""
    required = {"RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y")}
    members = {name: jwk[name] for name in required[jwk["kty"]]}
    canonical = json.dumps(members, sort_keys=True, separators=(",", ":")).encode("utf-8")
    return _b64url(hashlib.sha256(canonical).digest())


def _public_jwk(public_key: Any, alg: str) -> dict:
    if alg == "RS256":
        jwk = RSAAlgorithm.to_jwk(public_key, as_dict=True)
    else:
        jwk = OKPAlgorithm.to_jwk(public_key, as_dict=True)
    jwk = {k: v for k, v in jwk.items() if k in ("kty", "crv", "n", "e", "x")}
    jwk["kid"] = jwk_thumbprint(jwk)
    jwk["alg"] = alg
    jwk["use"] = "sig"
    return jwk


@dataclass(frozen=True)
class SigningKey:
    kid: str
    alg: str  # "RS256" or "EdDSA"
    created: str  # ISO 8601, UTC
    private_key: Any
    public_jwk: dict

    @property
    def public_key(self) -> Any:
        return self.private_key.public_key()


class KeyStore:
    """Signing keys kept in ``directory``; created on first use.

    Safe to share between threads; several processes may share the directory
    (creation and rotation take a file lock; others pick up new keys when they
    meet an unknown ``kid`` or call :meth:`reload`).
    """

    def __init__(self, directory: Path | str) -> None:
        self.directory = Path(directory)
        self._lock = threading.RLock()
        self._keys: dict[str, SigningKey] = {}
        self._current: dict[str, str] = {}
        self._loaded = False
        self._manifest_mtime: float | None = None

    # -- files -----------------------------------------------------------------

    @contextlib.contextmanager
    def _file_lock(self):
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        if fcntl is None:  # pragma: no cover
            yield
            return
        with open(self.directory / ".keys.lock", "a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _mtime(self) -> float | None:
        try:
            return (self.directory / MANIFEST).stat().st_mtime
        except FileNotFoundError:
            return None

    def _read_manifest(self) -> dict | None:
        mtime = self._mtime()
        try:
            text = (self.directory / MANIFEST).read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        self._manifest_mtime = mtime
        return json.loads(text)

    def _write_manifest(self, manifest: dict) -> None:
        tmp = self.directory / f".{MANIFEST}.{os.getpid()}.tmp"
        tmp.write_text(json.dumps(manifest, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, self.directory / MANIFEST)
        self._manifest_mtime = self._mtime()

    @staticmethod
    def _write_private(path: Path, data: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, data)
        finally:
            os.close(fd)

    def _new_key(self, alg: str) -> dict:
        if alg == "RS256":
            private = rsa.generate_private_key(public_exponent=65537, key_size=RSA_KEY_SIZE)
        else:
            private = ed25519.Ed25519PrivateKey.generate()
        jwk = _public_jwk(private.public_key(), alg)
        kid = jwk["kid"]
        self._write_private(
            self.directory / f"{kid}.key.pem",
            private.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            ),
        )
        public_path = self.directory / f"{kid}.pub.pem"
        public_path.write_bytes(
            private.public_key().public_bytes(
                serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        )
        public_path.chmod(0o644)
        return {"kid": kid, "alg": alg, "created": datetime.now(UTC).isoformat(timespec="seconds")}

    def _load_manifest(self, manifest: dict) -> None:
        keys: dict[str, SigningKey] = {}
        for entry in manifest["keys"]:
            kid, alg = entry["kid"], entry["alg"]
            if alg not in ALGORITHMS:
                raise ValueError(f"{self.directory / MANIFEST}: unsupported algorithm {alg!r}")
            known = self._keys.get(kid)
            if known is not None:
                keys[kid] = known
                continue
            path = self.directory / f"{kid}.key.pem"
            if path.stat().st_mode & 0o077:
                path.chmod(0o600)
            private = serialization.load_pem_private_key(path.read_bytes(), password=None)
            jwk = _public_jwk(private.public_key(), alg)
            if jwk["kid"] != kid:
                raise ValueError(f"{path}: key does not match its kid {kid!r}")
            keys[kid] = SigningKey(kid, alg, entry.get("created", ""), private, jwk)
        current = dict(manifest["current"])
        for alg in ALGORITHMS:
            if current.get(alg) not in keys:
                raise ValueError(f"{self.directory / MANIFEST}: no current {alg} key")
        self._keys, self._current, self._loaded = keys, current, True

    def _ensure(self) -> None:
        if self._loaded:
            return
        with self._lock:
            if self._loaded:
                return
            manifest = self._read_manifest()
            if manifest is None:
                with self._file_lock():
                    manifest = self._read_manifest()  # another process may have won
                    if manifest is None:
                        entries = [self._new_key(alg) for alg in ALGORITHMS]
                        manifest = {
                            "current": {e["alg"]: e["kid"] for e in entries},
                            "keys": entries,
                        }
                        self._write_manifest(manifest)
            self._load_manifest(manifest)

    def reload(self) -> None:
        """Re-read the manifest (keys added or rotated by another process)."""
        with self._lock:
            manifest = self._read_manifest()
            if manifest is None:
                self._loaded = False
                self._ensure()
            else:
                self._load_manifest(manifest)

    def refresh(self) -> None:
        """Reload if the manifest changed since it was read (`flask keys rotate` runs in another process):
        one stat() when nothing changed."""
        if not self._loaded or self._mtime() != self._manifest_mtime:
            self.reload()

    # -- public API -------------------------------------------------------------

    def rotate(self) -> dict[str, str]:
        """Add a new RSA and Ed25519 key and make them current; returns ``{alg: new kid}``.

        Old keys stay published in :meth:`jwks` and keep verifying what they signed.
        """
        self._ensure()
        with self._lock, self._file_lock():
            manifest = self._read_manifest() or {"current": {}, "keys": []}
            entries = [self._new_key(alg) for alg in ALGORITHMS]
            manifest["keys"].extend(entries)
            manifest["current"] = {e["alg"]: e["kid"] for e in entries}
            self._write_manifest(manifest)
            self._load_manifest(manifest)
            return dict(manifest["current"])

    def current_kid(self, alg: str = "RS256") -> str:
        self._ensure()
        if alg not in self._current:
            raise ValueError(f"unsupported algorithm {alg!r}; use one of {ALGORITHMS}")
        return self._current[alg]

    def current_key(self, alg: str = "EdDSA") -> SigningKey:
        """The current key for ``alg`` (with its private key: for signing Data Integrity proofs)."""
        return self._keys[self.current_kid(alg)]

    def keys(self) -> list[SigningKey]:
        """All keys, current ones first."""
        self._ensure()
        current = set(self._current.values())
        newest_first = list(reversed(self._keys.values()))  # the manifest lists keys oldest first
        return sorted(newest_first, key=lambda k: k.kid not in current)

    def public_jwk(self, kid: str) -> dict:
        self._ensure()
        return dict(self._keys[kid].public_jwk)

    def public_key_of(self, kid: str) -> Any:
        self._ensure()
        return self._keys[kid].public_key

    def jwks(self) -> dict:
        """The JSON Web Key Set of every public key (for ``/.well-known/jwks.json``)."""
        return {"keys": [dict(k.public_jwk) for k in self.keys()]}

    def sign_jwt(
        self,
        payload: dict,
        alg: str = "RS256",
        *,
        headers: dict | None = None,
        embed_jwk: bool = False,
    ) -> str:
        """A compact JWS of ``payload`` signed with the current ``alg`` key.

        The header carries ``kid`` and ``typ: JWT``; with ``embed_jwk`` also the
        public key as ``jwk`` (for verifiers that cannot fetch the JWKS).
        """
        kid = self.current_kid(alg)  # loads the keys first
        key = self._keys[kid]
        header = {"kid": key.kid, "typ": "JWT", **(headers or {})}
        if embed_jwk:
            header["jwk"] = {k: v for k, v in key.public_jwk.items() if k != "use"}
        return jwt.encode(payload, key.private_key, algorithm=alg, headers=header)

    def verify_jwt(self, token: str | bytes, *, check_times: bool = True, leeway: float = 0) -> dict:
        """The payload of ``token`` if one of this store's keys signed it.

        The key is chosen by the header's ``kid`` among this store's own keys
        (never from a ``jwk`` in the header) and the algorithm is pinned to
        that key's type. ``check_times=False`` skips ``exp``/``nbf`` (to tell
        whether an expired certificate is genuine).

        Raises :class:`UnknownKeyError`, :class:`BadSignatureError` or
        :class:`VerificationError`.
        """
        try:
            header = jwt.get_unverified_header(token)
        except jwt.exceptions.PyJWTError as exc:
            raise VerificationError(f"not a well-formed JWT: {exc}") from exc
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise UnknownKeyError("the token's header names no key (kid)")
        self._ensure()
        if kid not in self._keys:
            self.reload()  # rotated by another process?
        key = self._keys.get(kid)
        if key is None:
            raise UnknownKeyError(f"the token was signed with a key this issuer does not hold (kid {kid!r})")
        if header.get("alg") != key.alg:
            raise VerificationError(
                f"the token's algorithm {header.get('alg')!r} does not match key {kid!r} ({key.alg})"
            )
        try:
            return jwt.decode(
                token,
                key.public_key,
                algorithms=[key.alg],
                leeway=leeway,
                options={
                    "verify_exp": check_times,
                    "verify_nbf": check_times,
                    "verify_iat": check_times,
                    "verify_aud": False,
                },
            )
        except jwt.exceptions.InvalidSignatureError as exc:
            raise BadSignatureError(f"the signature does not match (kid {kid!r})") from exc
        except jwt.exceptions.ExpiredSignatureError as exc:
            raise VerificationError("the token has expired") from exc
        except jwt.exceptions.ImmatureSignatureError as exc:
            raise VerificationError("the token is not valid yet") from exc
        except jwt.exceptions.PyJWTError as exc:
            raise VerificationError(f"invalid token: {exc}") from exc

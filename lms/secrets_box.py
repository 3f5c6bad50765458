"""Secrets we must send to another system (an LRS password, an IdP client secret), sealed for the database.

    from lms import secrets_box
    row.secret_sealed = secrets_box.seal(plaintext)
    plaintext = secrets_box.unseal(row.secret_sealed)

Fernet (AES-128-CBC with an HMAC-SHA256, from `cryptography`): a sealed value cannot be read or altered
without the key. The key comes from the `SECRETS_KEY` setting (a Fernet key: `python -c "from
cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`), several keys separated by
commas to rotate (the first seals, every one unseals). Without it, a key is derived from `SECRET_KEY` with
HKDF, so that local use needs nothing more; then changing `SECRET_KEY` makes the stored secrets unreadable
and each must be entered again (`unseal` raises `SecretUnreadable`, which the pages report as such).

Secrets are never shown again once saved: pages show only whether one is set.
"""

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

_INFO = b"peercert secrets box v1"


class SecretUnreadable(Exception):
    """The sealed value was made with another key (SECRET_KEY or SECRETS_KEY changed) or was altered."""


def _derived_key(secret_key: str) -> bytes:
    material = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_INFO).derive(secret_key.encode())
    return base64.urlsafe_b64encode(material)


def _box() -> MultiFernet:
    configured = current_app.config.get("SECRETS_KEY") or ""
    keys = [key.strip() for key in str(configured).split(",") if key.strip()]
    if not keys:
        keys = [_derived_key(current_app.config["SECRET_KEY"])]
    return MultiFernet([Fernet(key) for key in keys])


def seal(plaintext: str) -> str:
    return _box().encrypt(plaintext.encode("utf-8")).decode("ascii")


def unseal(sealed: str) -> str:
    try:
        return _box().decrypt(sealed.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError) as error:
        raise SecretUnreadable("the stored secret cannot be read with the current key") from error

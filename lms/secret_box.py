"""Secrets the application must read back later (an identity provider's client secret), encrypted at rest.

Unlike API keys, which are only ever compared and so are kept as a hash, a client secret has to be sent to
the provider again, so it is kept encrypted with Fernet (AES-128-CBC with an HMAC-SHA256, from
`cryptography`). The database holds only the ciphertext; the key lives outside it:

- `SECRET_BOX_KEYS` (environment `FLASK_SECRET_BOX_KEYS`): one or more Fernet keys, comma separated, newest
  first. Every key decrypts; the first encrypts. To rotate, put a new key first and keep the old one until
  every secret has been saved again.
- unset: a key generated once into `KEYS_DIR/secret_box.key` (mode 0600), beside the certificate signing
  keys. Back the folder up with them: without the key, saved secrets must be entered again.

Make a key with `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.
"""

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app

KEY_FILE = "secret_box.key"


class SecretUnreadable(Exception):
    """A stored secret cannot be decrypted with the configured keys (the key was lost or replaced)."""


def _key_file() -> Path:
    folder = Path(current_app.config["KEYS_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / KEY_FILE
    if not path.exists():
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "wb") as file:
            file.write(Fernet.generate_key())
    return path


def _keys() -> list[bytes]:
    configured = current_app.config.get("SECRET_BOX_KEYS")
    if configured:
        return [key.strip().encode() for key in str(configured).split(",") if key.strip()]
    try:
        return [_key_file().read_bytes().strip()]
    except FileExistsError:  # another worker created it between our check and our write
        return [(Path(current_app.config["KEYS_DIR"]) / KEY_FILE).read_bytes().strip()]


def _box() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in _keys()])


def encrypt(plaintext: str) -> str:
    return _box().encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(ciphertext: str) -> str:
    try:
        return _box().decrypt(ciphertext.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError, UnicodeError):
        raise SecretUnreadable("the stored secret cannot be decrypted with the configured keys") from None

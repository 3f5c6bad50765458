"""Secrets kept encrypted at rest (lms/secret_box.py): a key file made once, or configured keys with rotation."""

import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from lms import secret_box


def test_a_key_file_is_made_once_readable_by_the_owner_only(app):
    token = secret_box.encrypt("the client secret")
    key_file = Path(app.config["KEYS_DIR"]) / secret_box.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_bytes()
    assert "the client secret" not in token and secret_box.encrypt("x") != secret_box.encrypt("x")
    assert secret_box.decrypt(token) == "the client secret"
    assert key_file.read_bytes() == key


def test_rotation_new_key_first_old_secrets_still_read(app):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    app.config["SECRET_BOX_KEYS"] = old
    token = secret_box.encrypt("kept from before")
    app.config["SECRET_BOX_KEYS"] = f"{new}, {old}"
    assert secret_box.decrypt(token) == "kept from before"
    fresh = secret_box.encrypt("new")
    app.config["SECRET_BOX_KEYS"] = new
    assert secret_box.decrypt(fresh) == "new"
    with pytest.raises(secret_box.SecretUnreadable):
        secret_box.decrypt(token)  # the old key is gone


@pytest.mark.parametrize("garbage", ["", "not-a-token", "gAAAA" + "x" * 80, "ü"])
def test_garbage_is_unreadable_not_an_error(app, garbage):
    with pytest.raises(secret_box.SecretUnreadable):
        secret_box.decrypt(garbage)

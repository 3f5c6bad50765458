"""What the certificates feature reads from the application: the day, number prefix, base URL, signing
keys and data directory. Each is a small function so that tests and jobs see the current app's settings."""

from __future__ import annotations

import calendar
from datetime import date
from pathlib import Path

from flask import current_app

from lms.certificates.numbers import DEFAULT_PREFIX
from lms.certificates.signing import KeyStore
from lms.models import utcnow

CERTIFICATES_DIR = "certificates"


def today() -> date:
    return utcnow().date()


def add_months(start: date, months: int) -> date:
    """`start` moved by whole months, clamped to the end of shorter months (31 Jan + 1 = 28/29 Feb)."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def number_prefix() -> str:
    return current_app.config.get("CERTIFICATE_NUMBER_PREFIX", DEFAULT_PREFIX)


def base_url() -> str:
    return current_app.config["LMS_BASE_URL"].rstrip("/")


def verification_url(number: str) -> str:
    """The public page that a QR code, a PDF and the API point to (stable: people bookmark it)."""
    return f"{base_url()}/verify/{number}"


def get_keystore() -> KeyStore:
    """The application's signing keys (created in KEYS_DIR on first use), one object per app."""
    app = current_app._get_current_object()
    directory = Path(app.config["KEYS_DIR"])
    store = app.extensions.get("lms_keystore")
    if store is None or store.directory != directory:
        store = KeyStore(directory)
        app.extensions["lms_keystore"] = store
    return store


def data_dir() -> Path:
    return Path(current_app.config["DATA_DIR"])


def pdf_file(number: str) -> Path:
    return data_dir() / CERTIFICATES_DIR / f"{number}.pdf"


def clean_text(value) -> str:
    """Text safe to store: no NUL characters (PostgreSQL refuses them), no lone surrogates (not UTF-8)."""
    text = "" if value is None else str(value)
    return text.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")

"""The rules of a signature, on plain values (no Flask, no database)."""

import hashlib
import re
import unicodedata


def canonical_text(code: dict) -> str:
    """The code as signed, in one canonical form: title, version and the rendered text, with line endings
    and trailing spaces normalised, so that the same words always give the same hash."""
    html = (code.get("html") or "").replace("\r\n", "\n").replace("\r", "\n")
    body = "\n".join(line.rstrip() for line in html.split("\n")).strip()
    return f"{code.get('title', '').strip()}\n{code.get('version', '').strip()}\n\n{body}\n"


def text_sha256(code: dict) -> str:
    return hashlib.sha256(canonical_text(code).encode("utf-8")).hexdigest()


def normalised_name(name: str) -> str:
    """A name compared without regard to case, spacing or Unicode form ("  ana  DE la Cruz" = "Ana de la Cruz")."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", name or "")).strip().casefold()


def names_match(typed: str, account_name: str) -> bool:
    typed_name = normalised_name(typed)
    return bool(typed_name) and typed_name == normalised_name(account_name)

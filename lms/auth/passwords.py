"""How easy a password is to guess, scored by zxcvbn with the person's own name and address as hints.

A plain rule (no Flask, no database): `is_too_weak(password, hints)` is what every password form asks.
"""

import re
from collections.abc import Iterable

from zxcvbn import zxcvbn

MIN_SCORE = 3  # zxcvbn's 0-4 scale; 3 is "safely unguessable" against an online or slowed offline attack
SCORED_LENGTH = 72  # zxcvbn refuses longer input; a strong start makes a strong password


def personal_hints(*texts: str | None) -> list[str]:
    """The person's name and e-mail address, whole and in parts ("Robin", "robin@example.org", "robin")."""
    hints: list[str] = []
    for text in texts:
        if text and text.strip():
            text = text.strip().lower()
            hints.append(text)
            hints.extend(part for part in re.split(r"[\s@._+-]+", text) if len(part) > 2)
    return hints


def is_too_weak(password: str, hints: Iterable[str] = ()) -> bool:
    return zxcvbn(password[:SCORED_LENGTH], user_inputs=list(hints))["score"] < MIN_SCORE

"""Certificate numbers: random, easy to read aloud, and self-checking.

Format: ``PSS-7K3M-9QXD-4HTR-6``

* ``PSS`` is a prefix (letters and digits) naming the program;
* three groups of four characters carry 60 random bits from :mod:`secrets`;
* the last character is a check character.

The alphabet is Crockford's base32 (``0-9`` and ``A-Z`` without ``I``, ``L``,
``O`` and ``U``), so that no two characters look or sound alike. When reading a
number typed by a person, ``O`` is taken for ``0`` and ``I``/``L`` for ``1``,
case and separators are ignored.

The check character uses Damm's algorithm over a quasigroup of order 32 built
from the field GF(32): ``x * y = 2x + y`` (arithmetic in GF(32), ``+`` is XOR).
Because ``y -> 2x + y`` and ``x -> 2x + y`` are both bijections the check
catches every single-character substitution, and because ``2 + 1 != 0`` the
quasigroup is totally anti-symmetric, so it catches every transposition of two
adjacent characters (including the check character itself). Unlike Crockford's
mod-37 check, the check character is always one of the 32 ordinary symbols.
"""

from __future__ import annotations

import re
import secrets

__all__ = [
    "ALPHABET",
    "DEFAULT_PREFIX",
    "GROUPS",
    "GROUP_SIZE",
    "RANDOM_BITS",
    "canonical_number",
    "check_character",
    "generate_number",
    "is_valid_number",
    "normalize_number",
    "suggest_corrections",
]

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Characters people type for the ones the alphabet leaves out.
_LOOKALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})

DEFAULT_PREFIX = "PSS"
GROUPS = 3
GROUP_SIZE = 4
BODY_LENGTH = GROUPS * GROUP_SIZE  # random characters, without the check character
RANDOM_BITS = BODY_LENGTH * 5  # 60

_PREFIX_RE = re.compile(r"^[A-Z0-9]{1,10}$")
_SEPARATORS_RE = re.compile(r"[\s\-_.\u2010-\u2015\u2212]+")  # spaces, dashes of all kinds, dots


def _times_two(value: int) -> int:
    """Multiply by x in GF(32) = GF(2)[x] / (x^5 + x^2 + 1)."""
    value <<= 1
    if value & 0b100000:
        value ^= 0b100101
    return value


_DOUBLE = tuple(_times_two(value) for value in range(32))  # the same, as a table: checked on every lookup


def _fold(chars: str) -> int:
    interim = 0
    for ch in chars:
        interim = _DOUBLE[interim] ^ _VALUE[ch]
    return interim


def _in_alphabet(chars: str) -> bool:
    """Whether every character is one of :data:`ALPHABET` (``strip`` leaves nothing)."""
    return not chars.strip(ALPHABET)


def check_character(body: str) -> str:
    """The check character for ``body`` (characters of :data:`ALPHABET`)."""
    return ALPHABET[_times_two(_fold(body))]


def _check_prefix(prefix: str) -> str:
    prefix = prefix.upper()
    if not _PREFIX_RE.match(prefix):
        raise ValueError(f"certificate number prefix must be 1-10 letters or digits, not {prefix!r}")
    return prefix


def _format(prefix: str, chars: str) -> str:
    """``prefix`` plus body-and-check ``chars`` in groups."""
    groups = [chars[i : i + GROUP_SIZE] for i in range(0, BODY_LENGTH, GROUP_SIZE)]
    return "-".join([prefix, *groups, chars[BODY_LENGTH:]])


def generate_number(prefix: str = DEFAULT_PREFIX) -> str:
    """A new random certificate number, e.g. ``PSS-7K3M-9QXD-4HTR-6`` (60 random bits)."""
    prefix = _check_prefix(prefix)
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    return _format(prefix, body + check_character(body))


def _split(text: str, prefix: str) -> str:
    """The characters after the prefix, upper-cased, separators removed, look-alikes mapped.

    The prefix may be missing (people often type only the code).
    """
    compact = _SEPARATORS_RE.sub("", str(text)).upper()
    if compact.startswith(prefix):
        rest = compact[len(prefix) :]
        # "PSS" followed by a full body: the prefix was typed. Otherwise, if the
        # whole thing already has the length of a body, it was not.
        if len(compact) != BODY_LENGTH + 1 or len(rest) >= BODY_LENGTH:
            compact = rest
    return compact.translate(_LOOKALIKES)


def normalize_number(text: str, prefix: str = DEFAULT_PREFIX) -> str:
    """The canonical spelling of a number a person typed.

    Case-insensitive; spaces, dashes and dots may be anywhere or missing; the
    prefix may be left out; ``O`` reads as ``0`` and ``I``/``L`` as ``1``.
    ``" pss 7k3m 9qxd 4htr 6"`` becomes ``"PSS-7K3M-9QXD-4HTR-6"``.

    Never raises: text that cannot be a number comes back cleaned (upper case,
    without separators) but not in the canonical form, so a lookup by it finds
    nothing. Use :func:`is_valid_number` to tell the two apart.
    """
    prefix = _check_prefix(prefix)
    chars = _split(text, prefix)
    if len(chars) == BODY_LENGTH + 1 and _in_alphabet(chars):
        return _format(prefix, chars)
    return _SEPARATORS_RE.sub("", str(text)).upper()


def _valid_chars(chars: str) -> bool:
    return len(chars) == BODY_LENGTH + 1 and _in_alphabet(chars) and _fold(chars) == 0


def canonical_number(text: str, prefix: str = DEFAULT_PREFIX) -> str | None:
    """The canonical spelling of ``text`` if it is a well-formed number with the right check
    character, else None: :func:`normalize_number` then :func:`is_valid_number`, reading the text once."""
    if not isinstance(text, str):
        return None
    prefix = _check_prefix(prefix)
    chars = _split(text, prefix)
    return _format(prefix, chars) if _valid_chars(chars) else None


def is_valid_number(text: str, prefix: str = DEFAULT_PREFIX) -> bool:
    """Whether ``text`` (after :func:`normalize_number`) is a well-formed number whose check character is right."""
    if not isinstance(text, str):
        return False
    prefix = _check_prefix(prefix)
    return _valid_chars(_split(text, prefix))


def suggest_corrections(text: str, prefix: str = DEFAULT_PREFIX, limit: int = 32) -> list[str]:
    """Valid numbers one typing mistake away from ``text``, for a "did you mean" message.

    Considers, in this order: two adjacent characters swapped, one character
    replaced, one character too many, one character missing. An already valid
    number gives ``[]``. The list is short (about 30 at most for a number of the
    right length; ``limit`` caps it) and most of its entries were never issued,
    so the caller should show only those it finds among the issued numbers.
    """
    prefix = _check_prefix(prefix)
    chars = _split(text, prefix)
    if _valid_chars(chars):
        return []
    if not all(ch in _VALUE or ch == "U" for ch in chars):
        return []  # not a mistyped number ("U" is not in the alphabet but is an easy slip)
    found: list[str] = []
    for candidate in _one_slip_away(chars):
        if _valid_chars(candidate):
            formatted = _format(prefix, candidate)
            if formatted not in found:
                found.append(formatted)
                if len(found) >= limit:
                    break
    return found


def _one_slip_away(chars: str):
    """Every string one typing mistake away from `chars` that has a number's length, most likely first:
    two adjacent characters swapped, one replaced (right length); one too many; one missing."""
    n = len(chars)
    if n == BODY_LENGTH + 1:
        for i in range(n - 1):
            if chars[i] != chars[i + 1]:
                yield chars[:i] + chars[i + 1] + chars[i] + chars[i + 2 :]
        for i in range(n):
            yield from (chars[:i] + ch + chars[i + 1 :] for ch in ALPHABET if ch != chars[i])
    elif n == BODY_LENGTH + 2:
        for i in range(n):
            yield chars[:i] + chars[i + 1 :]
    elif n == BODY_LENGTH:
        for i in range(n + 1):
            yield from (chars[:i] + ch + chars[i:] for ch in ALPHABET)

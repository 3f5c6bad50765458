import re

import pytest

from lms.certificates import numbers
from lms.certificates.numbers import (
    ALPHABET,
    RANDOM_BITS,
    check_character,
    generate_number,
    is_valid_number,
    normalize_number,
    suggest_corrections,
)

FORMAT = re.compile(r"^PSS-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]$")


@pytest.fixture(scope="module")
def sample():
    return [generate_number() for _ in range(60)]


def chars_of(number: str) -> str:
    return number.replace("-", "")[3:]


def with_chars(chars: str) -> str:
    return f"PSS-{chars[0:4]}-{chars[4:8]}-{chars[8:12]}-{chars[12:]}"


def test_alphabet_is_crockford_base32():
    assert len(ALPHABET) == len(set(ALPHABET)) == 32
    assert not set("ILOU") & set(ALPHABET)


def test_generated_numbers_have_the_format_and_enough_randomness():
    assert RANDOM_BITS >= 40
    generated = [generate_number() for _ in range(2000)]
    assert all(FORMAT.match(n) for n in generated), generated[:3]
    assert len(set(generated)) == len(generated)
    assert all(is_valid_number(n) for n in generated)
    # 12 random characters of 5 bits each; every symbol turns up in the random part
    assert len(chars_of(generated[0])) - 1 == RANDOM_BITS // 5
    assert set("".join(chars_of(n)[:-1] for n in generated)) == set(ALPHABET)


def test_prefix_is_a_parameter():
    number = generate_number("ab1")
    assert number.startswith("AB1-")
    assert is_valid_number(number, prefix="AB1")
    assert not is_valid_number(number)  # not a PSS number
    with pytest.raises(ValueError):
        generate_number("P-S")


def test_check_is_totally_antisymmetric_quasigroup():
    """Proof by exhaustion over the operation x*y = 2x + y in GF(32): every row is a
    permutation (single substitutions change the result) and (x*a)*b != (x*b)*a for a != b
    (adjacent transpositions change the result), wherever they occur in a number."""

    def op(x, y):
        return numbers._times_two(x) ^ y

    for x in range(32):
        assert sorted(op(x, y) for y in range(32)) == list(range(32))
        assert sorted(op(y, x) for y in range(32)) == list(range(32))
        for a in range(32):
            for b in range(32):
                if a != b:
                    assert op(op(x, a), b) != op(op(x, b), a)


def test_every_single_substitution_is_caught(sample):
    for number in sample:
        chars = chars_of(number)
        for i, original in enumerate(chars):
            for ch in ALPHABET:
                if ch != original:
                    typo = with_chars(chars[:i] + ch + chars[i + 1 :])
                    assert not is_valid_number(typo), (number, typo)


def test_every_adjacent_transposition_is_caught(sample):
    for number in sample:
        chars = chars_of(number)
        for i in range(len(chars) - 1):
            if chars[i] != chars[i + 1]:
                swapped = with_chars(chars[:i] + chars[i + 1] + chars[i] + chars[i + 2 :])
                assert not is_valid_number(swapped), (number, swapped)


def test_check_character_matches_generated_number(sample):
    for number in sample:
        chars = chars_of(number)
        assert check_character(chars[:-1]) == chars[-1]


def test_normalization_is_forgiving(sample):
    number = sample[0]
    chars = chars_of(number)
    spellings = [
        number.lower(),
        number.replace("-", ""),
        number.replace("-", " "),
        "  " + number.replace("-", " - ") + "\n",
        number.replace("-", "\u2013"),  # en dash from a word processor
        chars,  # without the prefix
        " ".join(chars[i : i + 4] for i in range(0, 13, 4)).lower(),
    ]
    for text in spellings:
        assert normalize_number(text) == number, text
        assert is_valid_number(text), text


def test_lookalike_letters_are_read_as_digits():
    body = "0A1B" + "0C1D" + "11EF"
    number = with_chars(body + check_character(body))
    typed = number.replace("0", "O", 1).replace("1", "l", 1).replace("1", "I", 1).lower()
    assert normalize_number(typed) == number
    assert is_valid_number(typed)


def test_invalid_numbers():
    good = generate_number()
    assert not is_valid_number(good[:-1])
    assert not is_valid_number(good + "7")
    assert not is_valid_number("")
    assert not is_valid_number("PSS-")
    assert not is_valid_number("hello world")
    assert not is_valid_number(good.replace(good[5], "U"))
    assert not is_valid_number(None)  # type: ignore[arg-type]
    # normalization of something that is not a number does not raise
    assert normalize_number("not a number!") == "NOTANUMBER!"


def test_suggestions_find_the_number_after_one_slip(sample):
    for number in sample[:20]:
        chars = chars_of(number)
        replaced = "0" if chars[5] != "0" else "1"
        substitution = with_chars(chars[:5] + replaced + chars[6:])
        assert number in suggest_corrections(substitution)
        j = next(i for i in range(12) if chars[i] != chars[i + 1])
        transposition = with_chars(chars[:j] + chars[j + 1] + chars[j] + chars[j + 2 :])
        assert number in suggest_corrections(transposition)
        missing = "PSS" + chars[:7] + chars[8:]
        assert number in suggest_corrections(missing)
        extra = "PSS" + chars[:3] + "X" + chars[3:]
        assert number in suggest_corrections(extra)
        for text in (substitution, transposition, missing, extra):
            found = suggest_corrections(text)
            assert 0 < len(found) <= 32
            assert all(is_valid_number(s) and FORMAT.match(s) for s in found)


def test_suggestions_for_a_typed_u():
    number = generate_number()
    chars = chars_of(number)
    typo = with_chars(chars[:2] + "U" + chars[3:])
    assert number in suggest_corrections(typo)


def test_suggestions_are_limited_and_empty_when_not_needed(sample):
    chars = chars_of(sample[0])
    typo = with_chars(chars[:4] + ("0" if chars[4] != "0" else "1") + chars[5:])
    assert len(suggest_corrections(typo, limit=3)) == 3
    assert suggest_corrections(sample[0]) == []
    assert suggest_corrections("completely wrong") == []
    assert suggest_corrections("PSS-12") == []

"""What arrives from outside, checked once at the boundary: free text, integers and JSON bodies.

- Text: lone surrogates, NUL and the other control characters cannot be stored (PostgreSQL refuses NUL, a
  lone surrogate cannot be encoded as UTF-8 when the page is rendered). Forms remove them and tell the person
  next to the field (`lms.forms.Form`); JSON bodies are refused (`read_json`); query strings are cleaned
  (`CleanRequest`). Tab, line feed and carriage return stay where several lines are allowed.
- Integers: URL segments and query parameters outside what an id column holds are treated as absent
  (`BoundedIntConverter`, `bounded_int`), so a huge number is a 404 or the default, never an overflow.
- JSON: read with a size limit (chunked bodies included) and a depth limit.
"""

import json
import re
from collections.abc import Iterator

from flask import Request, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.datastructures import ImmutableDict
from werkzeug.routing import IntegerConverter, Map, PathConverter, UnicodeConverter
from werkzeug.utils import cached_property

from lms.errors import DomainError

# The largest value of an INTEGER column on PostgreSQL (ids, counts): anything above cannot name a row.
MAX_INT = 2**31 - 1

_CONTROL = "\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f"  # C0 and C1 controls and DEL, except \t \n \r
_SURROGATES = "\ud800-\udfff"  # only lone ones survive decoding: a valid pair is one character
_FORBIDDEN_MULTILINE = re.compile(f"[{_CONTROL}{_SURROGATES}]")
_FORBIDDEN_LINE = re.compile(f"[{_CONTROL}\t\n\r{_SURROGATES}]")

TEXT_MESSAGE = _l("This contained invisible control characters, which we removed. Check the text and send it again.")


def forbidden_characters(text: str, *, multiline: bool = True) -> bool:
    """True if `text` holds a character that must not be stored."""
    return (_FORBIDDEN_MULTILINE if multiline else _FORBIDDEN_LINE).search(text) is not None


def clean_text(text: str, *, multiline: bool = True) -> str:
    """`text` without those characters (on one line a tab or line break becomes a space)."""
    if multiline:
        return _FORBIDDEN_MULTILINE.sub("", text)
    return _FORBIDDEN_MULTILINE.sub("", re.sub("[\t\n\r]+", " ", text))


# -- integers -------------------------------------------------------------------------------------------------


def bounded_int(value: str) -> int:
    """`int` for `request.args.get(name, default, type=bounded_int)`: out of range reads as the default."""
    number = int(value)
    if not -MAX_INT <= number <= MAX_INT:
        raise ValueError("out of range")
    return number


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` up to MAX_INT: a larger number matches no row, so the URL is a 404."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_INT, signed=False):  # noqa: A002 werkzeug's names
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


class TextConverter(UnicodeConverter):
    """The default `<name>` segment, refusing control characters (no row has them in its slug or number)."""

    def __init__(self, map, minlength=1, maxlength=None, length=None):  # noqa: A002 werkzeug's names
        super().__init__(map, minlength=minlength, maxlength=maxlength, length=length)
        self.regex = self.regex.replace("[^/]", f"[^/{_CONTROL}]")


class TextPathConverter(PathConverter):
    """`<path:...>` without control characters."""

    regex = f"[^/{_CONTROL}][^{_CONTROL}]*?"


class InputMap(Map):
    """The URL map with these converters in place of werkzeug's, for every rule (static files included)."""

    default_converters = ImmutableDict({
        **Map.default_converters,
        "int": BoundedIntConverter, "default": TextConverter, "string": TextConverter, "path": TextPathConverter,
    })


class CleanRequest(Request):
    """Query-string values without control characters: they feed searches and filters, never stored text."""

    @cached_property
    def args(self):
        raw = super().args
        return self.parameter_storage_class(
            [(clean_text(key, multiline=False), clean_text(value, multiline=False))
             for key, value in raw.items(multi=True)]
        )


# -- JSON -----------------------------------------------------------------------------------------------------

MAX_JSON_DEPTH = 20


class InvalidJson(DomainError):
    """The body is not JSON we accept; `code` is the machine-readable reason."""

    def __init__(self, message: str, *, code: str = "invalid_json", status: int = 400):
        super().__init__(message)
        self.code = code
        self.status_code = status


def read_json(*, max_bytes: int, max_depth: int = MAX_JSON_DEPTH, text: bool = True):
    """The request's JSON body, or InvalidJson: too large (413, chunked bodies too), not JSON, nested deeper
    than `max_depth`, or (with `text`) holding a string with characters that cannot be stored (400).

    `text=False` is for strings that are identifiers answered one by one and never stored as sent (the
    bulk verification API reports each such number as malformed)."""
    too_large = InvalidJson(
        _("The body is larger than %(n)d KB.", n=max_bytes // 1024), code="body_too_large", status=413)
    if request.content_length is not None and request.content_length > max_bytes:
        raise too_large
    data = request.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large
    try:
        value = json.loads(data)
    except (ValueError, RecursionError):  # RecursionError: nested far deeper than any caller needs
        raise InvalidJson(_("The body is not valid JSON.")) from None
    for depth, item in _walk(value):
        if depth > max_depth:
            raise InvalidJson(_("The JSON is nested too deeply (at most %(n)d levels).", n=max_depth))
        if text and isinstance(item, str) and forbidden_characters(item):
            raise InvalidJson(_("The text contains control characters or broken Unicode (such as a lone "
                                     "surrogate); remove them and send it again."), code="invalid_text")
    return value


def _walk(value) -> Iterator[tuple[int, object]]:
    """Every value and key in `value` with its depth, without recursion."""
    stack = [(1, value)]
    while stack:
        depth, item = stack.pop()
        yield depth, item
        if isinstance(item, dict):
            stack.extend((depth + 1, key) for key in item)
            stack.extend((depth + 1, child) for child in item.values())
        elif isinstance(item, list):
            stack.extend((depth + 1, child) for child in item)

"""The Spanish catalogue is complete, and no string a person can see escapes it.

- every message of the catalogue has its translation, with the same placeholders;
- an extraction run over the code and templates finds no message the catalogue lacks (so a new
  `_()` fails here until `make messages` and its translation);
- no template prints text outside `_()` / `{% trans %}` (brand names and code samples carry
  `translate="no"`), and no refusal, flash or form label is a plain string literal.
"""

from __future__ import annotations

import ast
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parents[1]
PO = ROOT / "lms" / "translations" / "es" / "LC_MESSAGES" / "messages.po"
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "_l": None, "lazy_gettext": None,
            "lazy_ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
METHODS = [("lms/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sdf]|%\([a-z_0-9]+\)\.\d+f|%[sd]|\{[a-z_0-9]*\}")


def catalogue():
    with PO.open("rb") as handle:
        return read_po(handle)


def msgid(message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def test_every_message_has_a_spanish_translation():
    untranslated = [msgid(m) for m in catalogue() if m.id and not (
        all(m.string) if isinstance(m.string, tuple) else m.string)]
    assert untranslated == []
    assert not [msgid(m) for m in catalogue() if m.id and m.fuzzy]


def test_translations_keep_every_placeholder():
    problems = [(msgid(m), errors) for m, errors in catalogue().check()]
    assert problems == []
    for message in catalogue():
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        for index, string in enumerate(strings):  # Spanish has two forms, as English: form n answers msgid n
            wanted = sorted(PLACEHOLDER.findall(ids[min(index, len(ids) - 1)]))
            assert sorted(PLACEHOLDER.findall(string)) == wanted, (message.id, string)


def extracted_ids() -> set[str]:
    found = set()
    options = {"templates/**.html": {"extensions": "jinja2.ext.i18n"}}
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
            str(ROOT), METHODS, options_map=options, keywords=KEYWORDS):
        found.add(message if isinstance(message, str) else message[0])
    return found


def test_an_extraction_run_finds_no_new_message():
    known = {msgid(m) for m in catalogue() if m.id}
    new = sorted(extracted_ids() - known)
    assert new == [], "run `make messages` and translate: " + "; ".join(new[:10])


# --- nothing outside gettext ------------------------------------------------------------------

JINJA = re.compile(r"\{%-?\s*trans\b.*?%\}.*?\{%-?\s*endtrans\s*-?%\}|\{%.*?%\}|\{\{.*?\}\}|\{#.*?#\}", re.S)
SEEN_ATTRIBUTES = ("title", "placeholder", "alt", "aria-label")
BRAND = "PeerCert"


class _TextFinder(HTMLParser):
    """Text a reader sees that is not inside gettext (Jinja blanked out first)."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found: list[tuple[int, str]] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, whether its text is kept out of translation)

    def _hidden(self) -> bool:
        return any(skip for _tag, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        skip = tag in {"script", "style"} or attributes.get("translate") == "no"
        if not skip and not self._hidden():
            for name in SEEN_ATTRIBUTES:
                value = attributes.get(name) or ""
                if re.search(r"[A-Za-z]{2}", value):
                    self.found.append((self.getpos()[0], f'{name}="{value}"'))
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break

    def handle_data(self, data):
        data = data.replace(BRAND, "")  # the product's name is never translated
        if not self._hidden() and re.search(r"[A-Za-z]{2,}", data):
            self.found.append((self.getpos()[0], data.strip()[:60]))


def untranslated_template_text(text: str) -> list[tuple[int, str]]:
    blanked = JINJA.sub(lambda match: "\n" * match.group(0).count("\n"), text)
    finder = _TextFinder()
    finder.feed(blanked)
    return finder.found


def test_the_template_scanner_finds_a_plain_string():
    assert untranslated_template_text('<p>{{ _("Fine") }}</p>\n<p>Not fine</p>') == [(2, "Not fine")]
    assert untranslated_template_text('<img alt="A photo" src="x">') == [(1, 'alt="A photo"')]
    assert untranslated_template_text('<span translate="no">PeerCert</span> {% trans %}Hi{% endtrans %}') == []


@pytest.mark.parametrize("template", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "templates").rglob("*.html")))
def test_templates_print_no_text_outside_gettext(template):
    assert untranslated_template_text((ROOT / template).read_text(encoding="utf-8")) == []


REFUSALS = re.compile(r"(Error|Refused|NotAllowed|NotEligible|Conflict|NotFound|TooSoon|Revoked|Graded|TooLarge|"
                      r"Locked|Taken|Gone|Missing|Unreachable|Confirmation|Discovery)$")
# Exceptions of machine protocols and internal programming errors, never shown as a sentence to a person.
INTERNAL = {"ValueError", "TypeError", "KeyError", "RuntimeError", "LookupError", "IndexError", "OSError",
            "AttributeError", "NotImplementedError", "AssertionError", "UnicodeDecodeError", "VerificationError",
            "ProofError", "JsonLdError", "UnknownKeyError", "BadSignatureError", "AnswerError", "LrsError",
            "ApiError", "SecretUnreadable", "AnswerRefused"}
FORM_VALIDATORS = {"DataRequired", "InputRequired", "Length", "Email", "NumberRange", "Regexp", "Optional",
                   "AnyOf", "NoneOf", "URL"}


def _is_literal(node) -> bool:
    return isinstance(node, ast.JoinedStr) or (isinstance(node, ast.Constant) and isinstance(node.value, str)
                                               and re.search(r"[A-Za-z]{3}", node.value) is not None)


def plain_strings(source: str) -> list[tuple[int, str]]:
    """Refusals, flashes, form labels and validator messages given as plain string literals."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
        shown = []
        if name == "flash" or (REFUSALS.search(name) and name not in INTERNAL):
            shown = node.args[:1]
        elif name.endswith("Field"):
            shown = node.args[:1] + [k.value for k in node.keywords if k.arg in ("label", "description")]
        elif name in FORM_VALIDATORS:
            shown = [k.value for k in node.keywords if k.arg == "message"]
        found += [(node.lineno, ast.unparse(arg)[:60]) for arg in shown if _is_literal(arg)]
    return found


def test_the_code_scanner_finds_a_plain_refusal():
    assert plain_strings('raise NotAllowed("You may not")\nraise NotAllowed(_("Fine"))') == [(1, "'You may not'")]
    assert plain_strings('flash(f"Saved {x}")') == [(1, "f'Saved {x}'")]


@pytest.mark.parametrize("module", sorted(str(p.relative_to(ROOT)) for p in (ROOT / "lms").rglob("*.py")))
def test_code_shows_no_plain_string(module):
    assert plain_strings((ROOT / module).read_text(encoding="utf-8")) == []

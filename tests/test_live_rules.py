"""The pure rules of live sessions and the code of ethics: attendance minutes, credit, the .ics writer,
the canonical text of a code and name matching. Plain values, no database."""

import re
from datetime import UTC, datetime, timedelta

import pytest

from lms.ethics import rules as ethics_rules
from lms.live import ics, rules

# -- attendance ----------------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "entered", "expected"), [
    ("present", None, 90), ("present", 10, 90),  # present is the whole session, whatever is typed
    ("late", 75, 75), ("left_early", 1, 1), ("left_early", 89, 89),
    ("absent", None, 0), ("absent", 60, 0), ("excused", 90, 0),
])
def test_each_status_earns_its_minutes(status, entered, expected):
    assert rules.attended_minutes(status, 90, entered) == expected


@pytest.mark.parametrize(("status", "entered", "kind"), [
    ("late", None, "missing"), ("left_early", None, "missing"),
    ("late", 0, "range"), ("late", 90, "range"), ("left_early", 120, "range"), ("late", -5, "range"),
])
def test_partial_attendance_needs_minutes_shorter_than_the_session(status, entered, kind):
    with pytest.raises(rules.MinutesProblem) as problem:
        rules.attended_minutes(status, 90, entered)
    assert problem.value.kind == kind


def test_an_unknown_status_is_refused():
    with pytest.raises(ValueError):
        rules.attended_minutes("asleep", 90, None)


@pytest.mark.parametrize(("attended", "made_up", "required", "credited"), [
    (0, 0, 120, 0), (60, 0, 120, 60), (60, 60, 120, 120), (200, 0, 120, 120), (100, 45, 120, 120), (0, 30, 0, 0),
])
def test_credit_is_attended_plus_make_up_capped_at_the_declared_minutes(attended, made_up, required, credited):
    assert rules.credited_minutes(attended, made_up, required) == credited


# -- the .ics writer: a strict hand check of RFC 5545 ---------------------------------------------


def parse_ics(text: str) -> list[dict[str, str]]:
    """Parse the calendar as strictly as a careful client would; return each VEVENT's properties."""
    assert text.endswith("\r\n")
    physical = text[:-2].split("\r\n")
    assert "\n" not in "".join(physical) and "\r" not in "".join(physical), "bare line breaks"
    for line in physical:
        assert len(line.encode("utf-8")) <= 75, f"line longer than 75 octets: {line!r}"
    logical: list[str] = []
    for line in physical:
        if line.startswith(" "):
            logical[-1] += line[1:]
        else:
            logical.append(line)
    assert logical[0] == "BEGIN:VCALENDAR" and logical[-1] == "END:VCALENDAR"
    assert "VERSION:2.0" in logical and any(line.startswith("PRODID:") for line in logical)
    events, current = [], None
    for line in logical:
        name, _, value = line.partition(":")
        assert re.fullmatch(r"[A-Z-]+", name), line
        if line == "BEGIN:VEVENT":
            current = {}
        elif line == "END:VEVENT":
            events.append(current)
            current = None
        elif current is not None:
            current[name] = value
    return events


def unescape(value: str) -> str:
    assert not re.search(r"(?<!\\)[;,]", value.replace("\\\\", "")), f"unescaped separator in {value!r}"
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value)


NOW = datetime(2026, 12, 2, 9, 30, tzinfo=UTC)


def test_the_calendar_has_one_event_per_session_with_utc_times_and_stable_uids():
    start = datetime(2026, 12, 10, 18, 0, tzinfo=UTC)
    events = [ics.CalendarEvent("live-session-1@peercert.example", start, start + timedelta(minutes=90),
                                "Practice circle", location="Riverside room 2"),
              ics.CalendarEvent("live-session-2@peercert.example", start + timedelta(days=7),
                                start + timedelta(days=7, minutes=60), "Video check-in",
                                url="https://meet.example.org/abc?x=1;y=2")]
    parsed = parse_ics(ics.calendar(events, name="Live sessions", now=NOW))
    assert [e["UID"] for e in parsed] == ["live-session-1@peercert.example", "live-session-2@peercert.example"]
    assert parsed[0]["DTSTART"] == "20261210T180000Z" and parsed[0]["DTEND"] == "20261210T193000Z"
    assert parsed[0]["DTSTAMP"] == "20261202T093000Z"
    assert parsed[0]["LOCATION"] == "Riverside room 2" and "URL" not in parsed[0]
    assert parsed[1]["URL"] == "https://meet.example.org/abc?x=1;y=2"  # a URI is not TEXT: not escaped


def test_text_is_escaped_and_long_lines_fold_at_75_octets_without_splitting_a_character():
    start = datetime(2026, 12, 10, 18, 0, tzinfo=UTC)
    summary = "Confidentiality; its limits, and you\nSecond line \\ with a backslash " + "é" * 60
    location = "Salle «Rivière», 2e étage; entrée B " + "🙂" * 20
    text = ics.calendar([ics.CalendarEvent("u1@x", start, start + timedelta(hours=1), summary,
                                           location=location)], name="Séances, en direct", now=NOW)
    event = parse_ics(text)[0]
    assert unescape(event["SUMMARY"]) == summary
    assert unescape(event["LOCATION"]) == location
    assert "\\;" in event["SUMMARY"] and "\\," in event["SUMMARY"] and "\\n" in event["SUMMARY"]
    assert any(line.startswith(" ") for line in text.split("\r\n"))  # folding happened


def test_control_characters_never_reach_the_calendar():
    start = datetime(2026, 12, 10, 18, 0, tzinfo=UTC)
    text = ics.calendar([ics.CalendarEvent("u1@x\r\nX-EVIL:1", start, start + timedelta(hours=1),
                                           "Bell\x07 and\x1b escape", url="https://a.example\r\nX-EVIL:2")],
                        name="x", now=NOW)
    event = parse_ics(text)[0]
    assert "X-EVIL" not in event and event["SUMMARY"] == "Bell and escape"


@pytest.mark.parametrize(("line", "chunks"), [("A" * 75, 1), ("A" * 76, 2), ("A" * 149, 2), ("A" * 150, 3)])
def test_folding_counts_the_leading_space(line, chunks):
    folded = ics.fold(line).split("\r\n")
    assert len(folded) == chunks
    assert all(len(part.encode()) <= 75 for part in folded)
    assert "".join(part[1:] if i else part for i, part in enumerate(folded)) == line


# -- the code of ethics -------------------------------------------------------------------------


CODE = {"title": "Code of Ethics", "version": "2.0", "html": "<ol>\r\n<li>I respect choice.</li>  \n</ol>\n"}


def test_the_hash_ignores_line_endings_and_trailing_spaces_but_not_words_or_version():
    same = {**CODE, "html": "<ol>\n<li>I respect choice.</li>\n</ol>"}
    assert ethics_rules.text_sha256(CODE) == ethics_rules.text_sha256(same)
    assert ethics_rules.text_sha256(CODE) != ethics_rules.text_sha256({**CODE, "version": "2.1"})
    assert ethics_rules.text_sha256(CODE) != ethics_rules.text_sha256({**CODE, "html": "<ol><li>I decide.</li></ol>"})
    assert re.fullmatch(r"[0-9a-f]{64}", ethics_rules.text_sha256(CODE))


@pytest.mark.parametrize(("typed", "account", "match"), [
    ("Ana de la Cruz", "Ana de la Cruz", True), ("  ana   DE la cruz ", "Ana de la Cruz", True),
    ("ＡＮＡ", "Ana", True),  # full-width letters (NFKC)
    ("Ana Cruz", "Ana de la Cruz", False), ("", "Ana", False), ("   ", "", False), ("Ana", "Anna", False),
])
def test_the_typed_name_must_match_the_account_name_whatever_the_case_and_spacing(typed, account, match):
    assert ethics_rules.names_match(typed, account) is match

"""An iCalendar file (RFC 5545) of live sessions, written by hand: a few properties need no library.

Pure: no Flask, no database. Each event carries a stable UID (so a calendar updates the event when the
file is downloaded again), DTSTAMP, DTSTART and DTEND in UTC, SUMMARY, and LOCATION or URL. Lines end
with CRLF and are folded at 75 octets (never inside a UTF-8 character); TEXT values escape backslashes,
semicolons, commas and line breaks (RFC 5545 3.3.11).
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

LINE_OCTETS = 75
CRLF = "\r\n"


@dataclass(frozen=True)
class CalendarEvent:
    uid: str
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str = ""
    url: str = ""
    description: str = ""


def escape_text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line breaks escaped; other control characters dropped."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = "".join(ch for ch in value if ch == "\n" or ch == "\t" or ch >= " " and ch != "\x7f")
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def fold(line: str) -> str:
    """Split a content line into chunks of at most 75 octets; each continuation starts with a space."""
    chunks, current, size = [], [], 0
    for character in line:
        octets = len(character.encode("utf-8"))
        limit = LINE_OCTETS if not chunks else LINE_OCTETS - 1  # the leading space counts
        if size + octets > limit:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(character)
        size += octets
    chunks.append("".join(current))
    return (CRLF + " ").join(chunks)


def utc_stamp(moment: datetime) -> str:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _uri(value: str) -> str:
    """A URI value is not escaped, but must stay on its content line."""
    return "".join(ch for ch in value if ch >= " " and ch != "\x7f")


def _event_lines(event: CalendarEvent, stamp: str) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_uri(event.uid)}",
        f"DTSTAMP:{stamp}",
        f"DTSTART:{utc_stamp(event.starts_at)}",
        f"DTEND:{utc_stamp(event.ends_at)}",
        f"SUMMARY:{escape_text(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{escape_text(event.location)}")
    if event.url:
        lines.append(f"URL:{_uri(event.url)}")
    if event.description:
        lines.append(f"DESCRIPTION:{escape_text(event.description)}")
    lines.append("END:VEVENT")
    return lines


def calendar(events: Iterable[CalendarEvent], *, name: str, now: datetime) -> str:
    """The whole VCALENDAR as a string (encode it as UTF-8)."""
    stamp = utc_stamp(now)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//PeerCert//Live sessions//EN", "CALSCALE:GREGORIAN",
             "METHOD:PUBLISH", f"X-WR-CALNAME:{escape_text(name)}"]
    for event in events:
        lines.extend(_event_lines(event, stamp))
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + CRLF for line in lines)

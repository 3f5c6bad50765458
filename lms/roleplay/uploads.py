"""Recorded role-plays: check an uploaded audio or video file and store it outside `static/`.

The name the person chose is never used on disk: a file is kept as `recordings/<random>.<ext>`
under DATA_DIR. A file is accepted only when its name is plain, its extension is allowed AND its
first bytes are those of that format; it is refused when it is larger than the limit. On any
refusal nothing stays on disk.
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from flask_babel import gettext as _

from lms.errors import InvalidUpload
from lms.files import delete_after_commit

RECORDINGS = "recordings"
CHUNK = 1024 * 1024

# extension -> mimetype served back
MIMETYPES = {
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "mp4": "video/mp4",
    "webm": "video/webm",
    "ogg": "audio/ogg",
    "wav": "audio/wav",
}


@dataclass(frozen=True)
class StoredRecording:
    path: str  # relative to DATA_DIR, e.g. "recordings/3f9c...e1.mp3"
    mimetype: str
    size: int


def sniff(head: bytes) -> set[str]:
    """The extensions whose signature matches these first bytes."""
    found = set()
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        found.add("mp3")
    if len(head) >= 12 and head[4:8] == b"ftyp":
        found.update({"m4a", "mp4"})
    if head.startswith(b"\x1a\x45\xdf\xa3") and b"webm" in head[:64]:
        found.add("webm")
    if head.startswith(b"OggS"):
        found.add("ogg")
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        found.add("wav")
    return found


def check_filename(filename: str | None) -> str:
    """The file's allowed extension, or InvalidUpload for a missing, crafted or unsupported name."""
    allowed = ", ".join(sorted(MIMETYPES))
    if not filename or not filename.strip():
        raise InvalidUpload(_("Choose a recording to upload."), field="recording")
    if (
        any(ord(ch) < 32 or ch == "\x7f" for ch in filename)
        or "/" in filename
        or "\\" in filename
        or ".." in filename
        or filename.startswith(".")
        or len(filename) > 200
    ):
        raise InvalidUpload(
            _("That file name is not allowed. Rename the file to a plain name such as roleplay.mp3 and try again."),
            field="recording",
        )
    stem, dot, ext = filename.rpartition(".")
    ext = ext.lower()
    if not dot or not stem or ext not in MIMETYPES:
        raise InvalidUpload(
            _("This type of file is not accepted. Upload an audio or video file (%(types)s).", types=allowed),
            field="recording",
        )
    return ext


def store_recording(filename: str | None, stream: BinaryIO, *, data_dir: str | Path, max_bytes: int) -> StoredRecording:
    """Check and store an upload; raise InvalidUpload (and keep nothing) when it is refused."""
    ext = check_filename(filename)
    folder = Path(data_dir) / RECORDINGS
    folder.mkdir(parents=True, exist_ok=True)
    name = f"{secrets.token_hex(16)}.{ext}"
    final = folder / name
    partial = folder / f".{name}.part"
    size = 0
    head = b""
    try:
        with open(partial, "xb") as out:
            while True:
                chunk = stream.read(CHUNK)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise InvalidUpload(
                        _("This file is too large: recordings can be up to %(size)s MB. "
                          "Shorten or compress it and try again.", size=_megabytes(max_bytes)),
                        field="recording",
                    )
                if len(head) < 64:
                    head += chunk[: 64 - len(head)]
                out.write(chunk)
        if size == 0:
            raise InvalidUpload(_("The file is empty. Choose the recording again."), field="recording")
        if ext not in sniff(head):
            raise InvalidUpload(
                _("This file does not contain %(ext)s audio or video, whatever its name says. "
                  "Upload the recording as it was saved by your recorder.", ext=ext.upper()),
                field="recording",
            )
        os.replace(partial, final)
    finally:
        partial.unlink(missing_ok=True)
    return StoredRecording(path=f"{RECORDINGS}/{name}", mimetype=MIMETYPES[ext], size=size)


def recording_file(data_dir: str | Path, relative: str) -> Path | None:
    """The stored file for `relative`, only if it lies inside the recordings folder and exists."""
    base = (Path(data_dir) / RECORDINGS).resolve()
    candidate = (Path(data_dir) / relative).resolve()
    if candidate.parent != base or not candidate.is_file():
        return None
    return candidate


def delete_recording(data_dir: str | Path, relative: str) -> None:
    """Delete a stored recording now (a file no row names yet: a failed upload's)."""
    path = recording_file(data_dir, relative)
    if path is not None:
        path.unlink(missing_ok=True)


def delete_recording_after_commit(session, data_dir: str | Path, relative: str) -> None:
    """Delete a stored recording once the transaction that forgets it commits."""
    delete_after_commit(session, recording_file(data_dir, relative))


def _megabytes(size: int) -> str:
    value = size / (1024 * 1024)
    return f"{value:.0f}" if value >= 1 else f"{value:.2f}"

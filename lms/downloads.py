"""Sending files: a stored one (a certificate PDF, a few MB of evidence) with ETag and Last-Modified, or one
made for this request (a CSV export, a transcript, a calendar) as an attachment that is never cached."""

import hashlib
import io
from pathlib import Path

from flask import Response, send_file


def send_stored(path: Path, mimetype: str, download_name: str, *, as_attachment: bool = False,
                cache_control: str) -> Response:
    """`path` as a response that a browser can revalidate.

    Read into memory rather than streamed, so no file handle outlives the request.
    """
    data = path.read_bytes()
    response = send_file(
        io.BytesIO(data),
        mimetype=mimetype,
        as_attachment=as_attachment,
        download_name=download_name,
        conditional=True,
        etag=hashlib.sha256(data).hexdigest()[:32],
        last_modified=path.stat().st_mtime,
        max_age=0,
    )
    response.headers["Cache-Control"] = cache_control
    return response


def send_generated(body: str | bytes, mimetype: str, filename: str) -> Response:
    """`body`, made for this request, as a download named `filename`; never cached (it holds personal data)."""
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response

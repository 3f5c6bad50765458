"""Sending a stored file (a certificate PDF, a few MB of evidence) with ETag and Last-Modified."""

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

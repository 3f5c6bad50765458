"""Pages inside a platform's iframe. A session that came through an LTI login carries the origins of that
platform; only its responses allow those origins in `frame-ancestors`, and its session cookie is
`SameSite=None; Secure` on https (a platform posts the launch cross-site). On plain http (a laptop on
localhost) browsers refuse `SameSite=None` without `Secure`: the cookie stays Lax there, so test the tool in
a new window, or behind https."""

from flask import has_request_context, session

FRAME_KEY = "_lti_frame"


def frame_origins() -> list[str]:
    """The platform origins this session may be framed by (empty for every other session). Read without
    marking the session accessed: a page for an anonymous visitor must stay cacheable."""
    if not has_request_context():
        return []
    current = session._get_current_object()
    origins = dict.get(current, FRAME_KEY) if isinstance(current, dict) else None
    return [origin for origin in origins if isinstance(origin, str)] if isinstance(origins, list) else []


def allow_framing(origins: list[str]) -> None:
    session[FRAME_KEY] = list(origins)

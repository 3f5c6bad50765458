"""The lookup rate limits: one budget per API key, or per IP address for anonymous callers, shared by
the JSON API, the public verification pages and the credential downloads (so the pages are no way
around the API's limits)."""

from flask import current_app, g, request

from lms.extensions import limiter
from lms.orgs.api_keys import find_active_key

__all__ = ["ANONYMOUS_LIMIT", "KEYED_LIMIT", "current_api_key", "lookup_limit", "rate_limit", "rate_limit_key"]

ANONYMOUS_LIMIT = "60 per minute"
KEYED_LIMIT = "600 per minute"
SCOPE = "api-v1"  # the name of the shared budget in the limiter's storage

_UNRESOLVED = object()


def authorization_header() -> str:
    # The WSGI environ directly: most callers send no Authorization header, and looking an absent
    # header up through request.headers raises and catches a KeyError.
    return request.environ.get("HTTP_AUTHORIZATION", "")


def current_api_key():
    """The API key presented with this request (resolved once), or None for anonymous use."""
    key = g.get("api_key", _UNRESOLVED)
    if key is _UNRESOLVED:
        key = None
        header = authorization_header()
        if header:
            scheme, _, token = header.strip().partition(" ")
            key = find_active_key(token.strip()) if scheme.lower() == "bearer" else None
        g.api_key = key
    return key


def rate_limit_key() -> str:
    key = current_api_key()
    if key is not None:
        return f"api-key:{key.id}"
    return f"ip:{request.remote_addr or 'unknown'}"


def rate_limit() -> str:
    config = current_app.config
    if current_api_key() is not None:
        return config.get("API_RATE_LIMIT_KEYED", KEYED_LIMIT)
    return config.get("API_RATE_LIMIT_ANONYMOUS", ANONYMOUS_LIMIT)


def lookup_limit():
    """A decorator (for a view or a blueprint) that counts its requests against the shared budget."""
    return limiter.shared_limit(rate_limit, scope=SCOPE, key_func=rate_limit_key)

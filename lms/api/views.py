"""The public JSON API (/api/v1): certificate verification, one or many at a time.

No cookies, no CSRF: anonymous callers are limited per IP address; organizations send
`Authorization: Bearer <key>` and are limited per key, more generously.
"""

from flask import Blueprint, current_app, g, jsonify, request

from lms.api import serializers
from lms.api.errors import ApiError, register
from lms.api.openapi import NUMBER_SHAPE, openapi_document
from lms.api.services import find_active_key, touch_key
from lms.auth.permissions import public
from lms.certificates import services
from lms.extensions import csrf, db, limiter
from lms.inputs import InvalidJson, read_json

bp = Blueprint("api", __name__)
csrf.exempt(bp)
register(bp)

ANONYMOUS_LIMIT = "60 per minute"
KEYED_LIMIT = "600 per minute"
MAX_BODY_BYTES = 256 * 1024  # 1,000 numbers of 80 characters, quoted, fit easily
MAX_NUMBER_LENGTH = 80  # as the OpenAPI document says (`maxLength`)


_UNRESOLVED = object()


def _authorization() -> str:
    # The WSGI environ directly: most callers send no Authorization header, and looking an absent
    # header up through request.headers raises and catches a KeyError.
    return request.environ.get("HTTP_AUTHORIZATION", "")


def current_api_key():
    """The API key presented with this request (resolved once), or None for anonymous use."""
    key = g.get("api_key", _UNRESOLVED)
    if key is _UNRESOLVED:
        key = None
        header = _authorization()
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


limiter.shared_limit(rate_limit, scope="api-v1", key_func=rate_limit_key)(bp)


@bp.before_request
def authenticate():
    if _authorization() and current_api_key() is None:  # a key was presented, and it is not valid
        raise ApiError(401, "invalid_api_key", "The API key is not valid or has been revoked.",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def _log(lookups, method: str) -> None:
    key = g.get("api_key")
    services.record_lookups(lookups, method=method, ip=request.remote_addr, api_key_id=key.id if key else None)
    if key is not None:
        touch_key(key)


def _commit() -> None:
    """Commit what the request wrote, if anything. An anonymous lookup reads on a connection of its
    own and its log row goes to the verification log's buffer: it never opens a session, and does not
    create one just to commit nothing."""
    if db.session.registry.has():
        db.session.commit()


@bp.get("/certificates/<number>")
@public
def certificate(number: str):
    [lookup] = services.lookup_numbers([number])
    suggestions = services.issued_suggestions(number) if lookup.malformed else []
    payload = serializers.certificate(lookup.certificate, lookup.status) if lookup.found else None
    _log([(lookup.number or number, lookup.found)], "api")
    _commit()
    if payload is not None:
        return jsonify(payload)
    if not NUMBER_SHAPE.fullmatch(number.strip()):
        raise ApiError(400, "malformed_number", "This is not a certificate number (see the pattern in the API "
                       "description).", suggestions=suggestions)
    if lookup.malformed:  # the right shape, but the check character caught a typo
        raise ApiError(404, "not_found", "No certificate has this number: its check character does not match, so "
                       "a character is probably mistyped.", suggestions=suggestions)
    raise ApiError(404, "not_found", "No certificate has this number.", suggestions=[])


@bp.post("/verifications")
@public
def verifications():
    if request.content_length is not None and request.content_length > MAX_BODY_BYTES:
        raise ApiError(413, "body_too_large", f"The body is larger than {MAX_BODY_BYTES // 1024} KB.")
    if not request.is_json:
        raise ApiError(415, "unsupported_media_type", "Send the body as application/json.")
    try:
        body = read_json(max_bytes=MAX_BODY_BYTES, text=False)  # each number is answered, hostile or not
    except InvalidJson as error:
        example = ' Send {"numbers": ["PSS-..."]}.' if error.code == "invalid_json" else ""
        raise ApiError(error.status_code, error.code, error.message + example) from None
    numbers = body.get("numbers") if isinstance(body, dict) else None
    if not isinstance(numbers, list) or not all(isinstance(n, str) for n in numbers):
        raise ApiError(422, "invalid_request", "`numbers` must be a list of strings.")
    if not numbers:
        raise ApiError(422, "invalid_request", "`numbers` is empty: send at least one number.")
    if any(len(number) > MAX_NUMBER_LENGTH for number in numbers):
        raise ApiError(422, "invalid_request",
                       f"Each entry of `numbers` has at most {MAX_NUMBER_LENGTH} characters.")
    if len(numbers) > services.MAX_BULK_NUMBERS:
        raise ApiError(413, "too_many_numbers",
                       f"Send at most {services.MAX_BULK_NUMBERS:,} numbers at a time (this request has "
                       f"{len(numbers):,}).")
    lookups = services.lookup_numbers(numbers)
    payload = serializers.verifications(lookups)  # before the commit expires the loaded rows
    _log([(lookup.number or lookup.text, lookup.found) for lookup in lookups], "bulk")
    _commit()
    return jsonify(payload)


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document(services.base_url() + "/api/v1"))

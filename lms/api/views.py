"""The public JSON API (/api/v1): certificate verification, one or many at a time.

No cookies, no CSRF: anonymous callers are limited per IP address; organizations send
`Authorization: Bearer <key>` and are limited per key, more generously.
"""

from flask import Blueprint, g, jsonify, request

from lms.api import serializers
from lms.api.errors import ApiError, register
from lms.api.limits import authorization_header, current_api_key, lookup_limit
from lms.api.openapi import NUMBER_SHAPE, openapi_document
from lms.auth.permissions import public
from lms.certificates import verification
from lms.certificates.settings import base_url
from lms.extensions import csrf, db
from lms.inputs import InvalidJson, read_json
from lms.orgs.api_keys import touch_key

bp = Blueprint("api", __name__)
csrf.exempt(bp)
register(bp)

MAX_BODY_BYTES = 256 * 1024  # 1,000 numbers of 80 characters, quoted, fit easily
MAX_NUMBER_LENGTH = 80  # as the OpenAPI document says (`maxLength`)


lookup_limit()(bp)


@bp.before_request
def authenticate():
    if authorization_header() and current_api_key() is None:  # a key was presented, and it is not valid
        raise ApiError(401, "invalid_api_key", "The API key is not valid or has been revoked.",
                       headers={"WWW-Authenticate": 'Bearer error="invalid_token"'})


def _log(lookups, method: str) -> None:
    key = g.get("api_key")
    verification.record_lookups(lookups, method=method, ip=request.remote_addr, api_key_id=key.id if key else None)
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
    [lookup] = verification.lookup_numbers([number])
    suggestions = verification.issued_suggestions(number) if lookup.malformed else []
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
    if len(numbers) > verification.MAX_BULK_NUMBERS:
        raise ApiError(413, "too_many_numbers",
                       f"Send at most {verification.MAX_BULK_NUMBERS:,} numbers at a time (this request has "
                       f"{len(numbers):,}).")
    lookups = verification.lookup_numbers(numbers)
    payload = serializers.verifications(lookups)  # before the commit expires the loaded rows
    _log([(lookup.number or lookup.text, lookup.found) for lookup in lookups], "bulk")
    _commit()
    return jsonify(payload)


@bp.get("/openapi.json")
@public
def openapi():
    return jsonify(openapi_document(base_url() + "/api/v1"))

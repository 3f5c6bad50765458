"""The OpenAPI 3.1 description of /api/v1 (served at /api/v1/openapi.json)."""

import re

from lms.certificates.verification import MAX_BULK_NUMBERS
from lms.inputs import MAX_JSON_DEPTH

NUMBER_EXAMPLE = "PSS-7K3M-9QXD-4HTR-6"
# The shape of a number as people type it: an optional prefix, then 13 letters or digits (12 random
# characters and a check character), with spaces, dots, dashes or underscores anywhere between.
# A string of this shape whose check character does not match is a typo: 404 with suggestions.
# Anything else is not a number at all: 400. (JSON Schema and Python read this pattern alike.)
NUMBER_PATTERN = r"^(?:[A-Za-z0-9]{1,10}[ ._-]*)?(?:[A-Za-z0-9][ ._-]*){12}[A-Za-z0-9]$"
NUMBER_SHAPE = re.compile(NUMBER_PATTERN)


def _error(description: str, example_error: str, example_message: str) -> dict:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {"$ref": "#/components/schemas/Error"},
                "example": {"error": example_error, "message": example_message},
            }
        },
    }


def _rate_limited() -> dict:
    response = _error(
        "Too many requests. Anonymous use is limited per IP address; an API key has a higher limit. "
        "Wait for the number of seconds in `Retry-After`.",
        "too_many_requests",
        "60 per 1 minute",
    )
    response["headers"] = {"Retry-After": {"schema": {"type": "integer"}, "description": "Seconds to wait."}}
    return response


def _common_errors() -> dict:
    return {
        "401": _error(
            "The `Authorization` header does not hold a valid, unrevoked API key. Leave the header out to use "
            "the API anonymously (with lower limits).",
            "invalid_api_key",
            "The API key is not valid or has been revoked.",
        ),
        "405": _error("The method is not allowed on this path.", "method_not_allowed",
                      "The method is not allowed for the requested URL."),
        "429": _rate_limited(),
        "500": _error("An unexpected error on our side.", "internal_error", "Something went wrong on our side."),
    }


def openapi_document(server_url: str, version: str = "1.0.0") -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "PeerCert certificate verification API",
            "version": version,
            "summary": "Check whether a peer support certificate is genuine and current.",
            "description": (
                "Look up one certificate by its number, or up to "
                f"{MAX_BULK_NUMBERS:,} numbers at once. Numbers are read the way people type them: case, spaces "
                "and dashes do not matter, the prefix may be left out, and O/I/L are read as 0/1/1. A number "
                "whose check character is wrong holds a typo: it is not found, and the answer suggests "
                "issued numbers one typo away.\n\nAnonymous use is rate limited per IP address (one budget shared with "
                "the verification pages and the certificate downloads). Organizations get "
                "API keys (from their administrator, on the API keys page) with higher limits: send "
                "`Authorization: Bearer <key>`. Every lookup is logged."
            ),
        },
        "servers": [{"url": server_url}],
        "components": {
            "securitySchemes": {
                "apiKey": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An organization's API key, sent as `Authorization: Bearer pck_...`.",
                }
            },
            "schemas": {
                "Certificate": {
                    "type": "object",
                    "required": ["number", "status", "holder_name", "course", "course_version", "hours", "issued_on",
                                 "expires_on", "revoked_on", "issuer", "verification_url"],
                    "additionalProperties": False,
                    "properties": {
                        "number": {"type": "string", "examples": [NUMBER_EXAMPLE]},
                        "status": {"type": "string", "enum": ["valid", "expired", "revoked"],
                                   "description": "Today's status: revoked wins over expired."},
                        "holder_name": {"type": "string"},
                        "course": {"type": "string"},
                        "course_version": {"type": "string"},
                        "hours": {"type": "number", "description": "Hours of instruction."},
                        "issued_on": {"type": "string", "format": "date"},
                        "expires_on": {"type": "string", "format": "date"},
                        "revoked_on": {"type": ["string", "null"], "format": "date"},
                        "issuer": {"type": "string"},
                        "verification_url": {"type": "string", "format": "uri",
                                             "description": "The public verification page."},
                    },
                },
                "VerificationRequest": {
                    "type": "object",
                    "required": ["numbers"],
                    "properties": {
                        "numbers": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_BULK_NUMBERS,
                            "items": {"type": "string", "maxLength": 80},
                        }
                    },
                },
                "VerificationResult": {
                    "type": "object",
                    "required": ["input", "number", "found", "certificate", "error"],
                    "additionalProperties": False,
                    "properties": {
                        "input": {"type": "string", "description": "The number as it was sent."},
                        "number": {"type": ["string", "null"],
                                   "description": "The canonical number, or null when the input is malformed."},
                        "found": {"type": "boolean"},
                        "certificate": {"oneOf": [{"$ref": "#/components/schemas/Certificate"}, {"type": "null"}]},
                        "error": {"type": ["string", "null"], "enum": ["not_found", "malformed_number", None]},
                    },
                },
                "VerificationResponse": {
                    "type": "object",
                    "required": ["count", "found", "results"],
                    "additionalProperties": False,
                    "properties": {
                        "count": {"type": "integer", "minimum": 0},
                        "found": {"type": "integer", "minimum": 0},
                        "results": {"type": "array", "items": {"$ref": "#/components/schemas/VerificationResult"},
                                    "description": "One result per number sent, in the same order."},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error", "message"],
                    "properties": {
                        "error": {"type": "string", "description": "A stable, machine-readable code."},
                        "message": {"type": "string", "description": "What went wrong, for people."},
                        "suggestions": {"type": "array", "items": {"type": "string"},
                                        "description": "Issued numbers one typo away from the one sent."},
                    },
                },
            },
        },
        "security": [{}, {"apiKey": []}],
        "paths": {
            "/certificates/{number}": {
                "get": {
                    "operationId": "getCertificate",
                    "summary": "Verify one certificate",
                    "parameters": [{
                        "name": "number",
                        "in": "path",
                        "required": True,
                        "description": "The certificate number, e.g. `PSS-7K3M-9QXD-4HTR-6`. Spelling is forgiving: "
                                       "any case, the prefix may be left out, spaces or dashes anywhere.",
                        "schema": {"type": "string", "pattern": NUMBER_PATTERN, "maxLength": 80,
                                   "examples": [NUMBER_EXAMPLE]},
                    }],
                    "responses": {
                        "200": {
                            "description": "The certificate and its status today.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Certificate"}}},
                        },
                        "400": _error("This is not shaped like a certificate number (see the parameter's pattern).",
                                      "malformed_number", "This is not a certificate number."),
                        "404": _error("No certificate has this number (or the path does not exist). When the check "
                                      "character shows a typo, `suggestions` lists issued numbers one typo away.",
                                      "not_found", "No certificate has this number."),
                        **_common_errors(),
                    },
                }
            },
            "/verifications": {
                "post": {
                    "operationId": "verifyCertificates",
                    "summary": f"Verify up to {MAX_BULK_NUMBERS:,} certificates at once",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {
                            "schema": {"$ref": "#/components/schemas/VerificationRequest"},
                            "example": {"numbers": [NUMBER_EXAMPLE, "pss 7k3m 9qxd 4htr 6"]},
                        }},
                    },
                    "responses": {
                        "200": {
                            "description": "One result per number, found or not, in the order sent.",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/VerificationResponse"}}},
                        },
                        "400": _error("The body is not a JSON document: not JSON, or nested more than "
                                      f"{MAX_JSON_DEPTH} levels deep.", "invalid_json",
                                      'Send a JSON object such as {"numbers": ["PSS-..."]}.'),
                        "404": _error("The path does not exist.", "not_found", "The requested URL was not found."),
                        "413": _error(f"More than {MAX_BULK_NUMBERS:,} numbers (`too_many_numbers`), or a body that is "
                                      "too large (`body_too_large`).",
                                      "too_many_numbers", f"Send at most {MAX_BULK_NUMBERS:,} numbers at a time."),
                        "415": _error("The body is not sent as `application/json`.", "unsupported_media_type",
                                      "Send the body as application/json."),
                        "422": _error("The JSON does not have the expected shape (`numbers`: a non-empty list of "
                                      "strings).", "invalid_request", "`numbers` must be a list of strings."),
                        **_common_errors(),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "getOpenApi",
                    "summary": "This document",
                    "responses": {
                        "200": {"description": "The OpenAPI 3.1 document.",
                                "content": {"application/json": {"schema": {"type": "object"}}}},
                        "404": _error("The path does not exist.", "not_found", "The requested URL was not found."),
                        **_common_errors(),
                    },
                }
            },
        },
    }

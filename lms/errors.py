"""Domain errors that services raise, and the app-wide error pages (HTML, or JSON under /api)."""

from flask import Flask, jsonify, render_template, request
from werkzeug.exceptions import HTTPException


class DomainError(Exception):
    """A rule refused an action; `message` is written for the person who tried it.

    The one refusal protocol: services raise a subclass declared here, with a message already passed
    through gettext (`flask_babel.gettext`), and `field` naming the form field when the rule knows it;
    views catch `DomainError` and call `lms.forms.show_refusal(form, error)`. No service reports a
    refusal by returning None, False or a list of problems.
    """

    status_code = 400

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotAllowed(DomainError):
    status_code = 403


class NotEligible(DomainError):
    status_code = 409


class Conflict(DomainError):
    """Someone else changed the same thing first (a grade, a quiz attempt)."""

    status_code = 409


class AlreadyGraded(Conflict):
    pass


class CertificateRevoked(DomainError):
    status_code = 409


class InvalidUpload(DomainError):
    status_code = 400


class InvalidInput(DomainError):
    """The input breaks a rule (a value out of range, a reason missing, a file that is not a CSV)."""

    status_code = 400


class NotFound(DomainError):
    status_code = 404


class CoursesMissing(DomainError):
    """Something needs the shipped courses in the database (the demo): `flask setup` loads them."""

    status_code = 409


class ErasureRefused(DomainError):
    """A person's data cannot be erased now (already erased, oneself, the last administrator)."""

    status_code = 409


class AccountChangeRefused(DomainError):
    """An account cannot take this role or organization (erased, the last administrator, no organization)."""

    status_code = 409


class TooSoon(DomainError):
    """The action opens later (another attempt after the wait, a sitting not yet open)."""

    status_code = 409


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path.startswith("/.well-known/")


def _keep_protocol_headers(error: HTTPException, response) -> None:
    """Headers the protocol requires with the error (Allow on 405, WWW-Authenticate on 401, ...)."""
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers.setdefault(name, value)


def register_error_handlers(app: Flask) -> None:
    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        status = error.code or 500
        if wants_json():
            response = jsonify(error=error.name.lower().replace(" ", "_"), message=error.description)
            response.status_code = status
            if status == 429 and error.response is not None and error.response.headers.get("Retry-After"):
                response.headers["Retry-After"] = error.response.headers["Retry-After"]
            _keep_protocol_headers(error, response)
            return response
        template = f"errors/{status}.html" if status in {400, 403, 404, 413, 429} else "errors/generic.html"
        response = app.make_response((render_template(template, error=error, status=status), status))
        _keep_protocol_headers(error, response)
        return response

    @app.errorhandler(DomainError)
    def domain_error(error: DomainError):
        if wants_json():
            return jsonify(error=type(error).__name__, message=error.message), error.status_code
        return render_template("errors/generic.html", error=error, status=error.status_code), error.status_code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        # Never show a stack trace: log it, answer politely.
        app.logger.exception("Unhandled error on %s %s", request.method, request.path)
        from lms.extensions import db

        db.session.rollback()
        if wants_json():
            return jsonify(error="internal_error", message="Something went wrong on our side."), 500
        return render_template("errors/500.html", status=500), 500


class TooLarge(InvalidUpload):
    """An upload larger than anything the rule accepts."""

    status_code = 413


class LaunchRefused(DomainError):
    """An LTI login or launch that cannot be trusted or used (bad signature, unknown platform or deployment,
    expired or reused nonce, missing claims). `reason` is a short code for the audit log."""

    def __init__(self, message: str, *, reason: str, status_code: int = 400):
        super().__init__(message)
        self.reason = reason
        self.status_code = status_code

"""JSON errors for /api/v1: `{"error": code, "message": text}` plus the HTTP status (and extra fields)."""

from flask import jsonify
from werkzeug.exceptions import HTTPException


class ApiError(HTTPException):
    """An API refusal with a machine-readable `error` code and a message written for people."""

    def __init__(self, status: int, error: str, message: str, *, headers: dict | None = None, **extra):
        super().__init__(description=message)
        self.code = status
        self.error = error
        self.extra = extra
        self.headers = headers or {}

    def get_response(self, environ=None, scope=None):
        response = jsonify(error=self.error, message=self.description, **self.extra)
        response.status_code = self.code
        for name, value in self.headers.items():
            response.headers[name] = value
        return response


def register(bp) -> None:
    @bp.errorhandler(ApiError)
    def api_error(error: ApiError):
        return error.get_response()

"""Every API error has one shape: `{"detail": "...", "errors": [{"field", "message"}]}`."""

import math

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError


class FieldError(Schema):
    field: str | None
    message: str


class Error(Schema):
    detail: str
    errors: list[FieldError]


# The error statuses every operation may answer with.
ERRORS = {400: Error, 401: Error, 403: Error, 404: Error, 422: Error, 429: Error}


def _field(loc: tuple | list) -> str | None:
    """The field a validation error is about: the body's own field names, a query or path
    parameter's name."""
    parts = [str(part) for part in loc]
    if parts and parts[0] == "body":
        parts = parts[2:] or parts[1:]
    elif parts and parts[0] in ("query", "path", "header", "cookie", "form"):
        parts = parts[1:]
    return ".".join(parts) or None


def django_errors(error: DjangoValidationError) -> list[dict]:
    """A Django validation error (a form's or a service's) as field errors."""
    if hasattr(error, "error_dict"):
        return [
            {"field": None if name == "__all__" else name, "message": message}
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    return [{"field": None, "message": message} for message in error.messages]


def install(api) -> None:
    """Register the handlers that give every error the one shape."""

    def respond(request, status: int, detail: str, errors: list | None = None):
        return api.create_response(
            request, {"detail": detail, "errors": errors or []}, status=status
        )

    @api.exception_handler(NinjaValidationError)
    def invalid(request, exc):
        errors = [
            {"field": _field(error.get("loc", ())), "message": str(error.get("msg", ""))}
            for error in exc.errors
        ]
        return respond(request, 422, _("The request is not valid."), errors)

    @api.exception_handler(DjangoValidationError)
    def refused(request, exc):
        errors = django_errors(exc)
        detail = errors[0]["message"] if len(errors) == 1 else _("The request was refused.")
        return respond(request, 400, detail, errors)

    @api.exception_handler(Http404)
    def not_found(request, exc):
        return respond(request, 404, _("Not found."))

    @api.exception_handler(PermissionDenied)
    def forbidden(request, exc):
        return respond(request, 403, _("Your roles do not allow this."))

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        messages = {
            401: _("A valid API token is needed: Authorization: Bearer <token>."),
            429: _("Too many requests with this token; wait a moment."),
        }
        response = respond(request, exc.status_code, messages.get(exc.status_code, str(exc)))
        wait = getattr(exc, "wait", None)
        if wait:
            response["Retry-After"] = str(math.ceil(wait))
        return response

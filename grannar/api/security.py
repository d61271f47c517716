"""Who may call the API: bearer tokens (checked by `TokenMiddleware`), role checks, and a
request rate per token."""

from django.conf import settings
from django.core.exceptions import PermissionDenied
from ninja.security import HttpBearer
from ninja.throttling import SimpleRateThrottle

from grannar.people.models import User


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`: a personal API token (see `grannar.api.tokens`)."""

    openapi_description = (
        "A personal API token, made on the account page or with `grannar api-token create`."
    )

    def __call__(self, request):
        return getattr(request, "api_token", None)

    def authenticate(self, request, token):  # the middleware has checked the token already
        return getattr(request, "api_token", None)


class TokenThrottle(SimpleRateThrottle):
    """At most `GRANNAR_API_RATE` requests (e.g. `600/min`) per token."""

    scope = "token"

    def __init__(self):
        super().__init__(rate=settings.GRANNAR_API_RATE)

    def allow_request(self, request) -> bool:
        # Read per request, so that the setting can change without a restart of the module.
        self.rate = settings.GRANNAR_API_RATE
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request)

    def get_cache_key(self, request) -> str | None:
        token = getattr(request, "api_token", None)
        return None if token is None else f"grannar_api_throttle_{token.digest}"


def check_role(user: User, *roles: str) -> None:
    """403 unless `user` holds one of `roles` (or is a superuser)."""
    if not (user.is_superuser or user.has_role(*roles)):
        raise PermissionDenied

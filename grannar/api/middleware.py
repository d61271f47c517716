"""Requests to the API act as the owner of their bearer token, never as a browser session."""

from django.conf import settings
from django.contrib.auth.models import AnonymousUser

from grannar.api.tokens import token_user


def _verified() -> bool:
    return True


class TokenMiddleware:
    """For paths under the API: the user is the owner of a valid `Authorization: Bearer`
    token, otherwise anonymous (a session cookie does not count, so no CSRF is needed).

    Sits after django-otp's middleware: a token is made by a user who passed the second factor
    (or by an operator on the command line), so it stands for both factors; the scope
    middleware then narrows the request to the owner's municipalities.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info.startswith(settings.GRANNAR_API_PATH):
            request.api_token = None
            request.user = AnonymousUser()
            scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
            if scheme.lower() == "bearer" and secret.strip():
                found = token_user(secret.strip())
                if found is not None:
                    request.api_token, user = found
                    user.is_verified = _verified
                    request.user = user
        return self.get_response(request)

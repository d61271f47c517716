import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.http import HttpResponseRedirect
from django.urls import Resolver404, resolve, reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scope

# When a session was last written, in whole seconds since the epoch.
SESSION_RENEWED_KEY = "_renewed"


class SessionMiddleware(DjangoSessionMiddleware):
    """Django's session middleware that renews an idle session's expiry at most once every
    `GRANNAR_SESSION_RENEW_SECONDS` instead of writing the session on every request.

    Sessions still end `SESSION_COOKIE_AGE` after the last request (up to the renewal interval
    earlier); a request that changes nothing in the session, such as a registration, then
    writes nothing for it.
    """

    def process_response(self, request, response):
        session = getattr(request, "session", None)
        # A server error (5xx, such as the database being unavailable) saves nothing: Django
        # skips the save then, and the session is not even read again here.
        if response.status_code >= 500:
            session = None
        if session is not None and session.accessed and not session.is_empty():
            now = int(time.time())
            renewed = session.get(SESSION_RENEWED_KEY, 0)
            if session.modified or now - renewed >= settings.GRANNAR_SESSION_RENEW_SECONDS:
                session[SESSION_RENEWED_KEY] = now
        return super().process_response(request, response)


class ScopeMiddleware:
    """Run each request inside the municipality scope of its user (django-scopes).

    A safety net under the explicit filters in selectors: a query on a scoped model that a
    selector forgot to narrow still cannot reach another municipality's rows.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        municipalities = user.municipality_scope() if user.is_authenticated else []
        with scope(municipality=municipalities):
            return self.get_response(request)


class LanguageMiddleware:
    """Swedish unless the user has chosen English with the language switch.

    Unlike Django's LocaleMiddleware this does not follow the browser's Accept-Language: staff
    of Swedish municipalities often have English browsers but work in Swedish.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        code = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if code not in dict(settings.LANGUAGES):
            code = settings.LANGUAGE_CODE
        translation.activate(code)
        request.LANGUAGE_CODE = code
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", code)
        patch_vary_headers(response, ["Cookie"])
        return response


# Pages a signed-in user may open before the second factor: signing in and out (single sign-on
# too), enrolment, language, and the pages every visitor may read.
TWO_FACTOR_EXEMPT = {
    "login",
    "logout",
    "set_language",
    "healthz",
    "account:two_factor",
    "account:two_factor_setup",
    "account:sso",
    "account:sso_callback",
    "site:page",
    "site:accessibility_report",
}


class TwoFactorMiddleware:
    """Send users whose roles require a second factor to verification or enrolment."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            user.is_authenticated
            and user.requires_two_factor
            and not user.is_verified()
            and not request.path_info.startswith(settings.STATIC_URL)
        ):
            try:
                name = resolve(request.path_info).view_name
            except Resolver404:
                name = ""
            if name not in TWO_FACTOR_EXEMPT:
                target = "account:two_factor"
                if not TOTPDevice.objects.filter(user=user, confirmed=True).exists():
                    target = "account:two_factor_setup"
                url = f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}"
                return HttpResponseRedirect(url)
        return self.get_response(request)

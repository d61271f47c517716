"""Signing in: the login page, single sign-on, and the second factor (verification,
enrolment and recovery codes)."""

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods
from django.views.generic import View
from mozilla_django_oidc.views import OIDCAuthenticationRequestView

from grannar.core.redirects import next_url
from grannar.people.forms import LoginForm, TokenForm
from grannar.people.sso import (
    NEXT_KEY,
    SsoRefused,
    provider_endpoints,
    sso_enabled,
    sso_identify,
    sso_provider_name,
    sso_refusal_record,
    sso_sign_in,
)
from grannar.people.two_factor import (
    recovery_codes_left,
    recovery_codes_regenerate,
    totp_device,
    totp_enrolment_confirm,
    totp_enrolment_device,
    two_factor_verify,
)

_NEW_CODES = "grannar_new_recovery_codes"


def _next_url(request) -> str:
    return next_url(request, "/")


class LoginView(auth_views.LoginView):
    """E-mail and password, and the single sign-on button when a provider is configured."""

    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["sso_name"] = sso_provider_name() if sso_enabled() else ""
        return context


class SsoStartView(OIDCAuthenticationRequestView):
    """Send the browser to the sign-in service; the library keeps state, nonce and PKCE
    verifier in the session, and `next` when it points into this site."""

    def __init__(self, **kwargs):
        # The library reads a fixed endpoint from the settings here; Grannar discovers it.
        View.__init__(self, **kwargs)
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID

    def get(self, request):
        if not sso_enabled():
            raise Http404
        try:
            self.OIDC_OP_AUTH_ENDPOINT = provider_endpoints().authorization
        except SsoRefused as refusal:
            return _sso_refused(request, refusal)
        return super().get(request)


@require_GET
def sso_callback_view(request):
    """Where the sign-in service sends the browser back."""
    if not sso_enabled():
        raise Http404
    try:
        identity = sso_identify(request=request)
    except SsoRefused as refusal:
        return _sso_refused(request, refusal)
    target = request.session.pop(NEXT_KEY, None) or resolve_url(settings.LOGIN_REDIRECT_URL)
    sso_sign_in(request=request, identity=identity)
    return redirect(target)


def _sso_refused(request, refusal: SsoRefused):
    sso_refusal_record(refusal=refusal)
    messages.error(request, refusal.message)
    return redirect("login")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_view(request):
    if request.user.is_verified():
        return redirect(_next_url(request))
    if totp_device(request.user) is None:
        return redirect("account:two_factor_setup")
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if two_factor_verify(request=request, token=form.cleaned_data["token"]):
            return redirect(_next_url(request))
        form.add_error("token", _("The code is wrong or too old. Try the newest code."))
    return render(request, "account/two_factor.html", {"form": form, "next": _next_url(request)})


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup_view(request):
    user = request.user
    if totp_device(user) is not None and not user.is_verified():
        # Replacing a device needs the current one first.
        return redirect("account:two_factor")
    device = totp_enrolment_device(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = totp_enrolment_confirm(request=request, token=form.cleaned_data["token"])
        if codes is not None:
            request.session[_NEW_CODES] = codes
            return redirect("account:recovery_codes")
        form.add_error("token", _("The code does not match. Check the time on your phone."))
    secret = _spaced(device.config_url.split("secret=")[1].split("&")[0])
    qr = segno.make(device.config_url, error="m").svg_data_uri(scale=5, border=2)
    return render(
        request, "account/two_factor_setup.html", {"form": form, "qr": qr, "secret": secret}
    )


def _spaced(secret: str) -> str:
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


@login_required
@require_http_methods(["GET", "POST"])
def recovery_codes_view(request):
    codes = request.session.pop(_NEW_CODES, None)
    if request.method == "POST":
        codes = recovery_codes_regenerate(user=request.user)
        messages.success(
            request, _("New recovery codes have been made; the old ones no longer work.")
        )
    return render(
        request,
        "account/recovery_codes.html",
        {"codes": codes, "left": recovery_codes_left(request.user)},
    )

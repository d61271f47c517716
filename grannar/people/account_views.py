"""Signing in with a second factor: verification, enrolment and recovery codes."""

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from grannar.core.redirects import next_url
from grannar.people.forms import TokenForm
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

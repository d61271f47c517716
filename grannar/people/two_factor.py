"""Two-factor authentication: TOTP enrolment, recovery codes and verification (django-otp)."""

import secrets
import time

import django_otp
from django.db import transaction
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from grannar.core.audit import log_action
from grannar.people.models import User

RECOVERY_CODES = 10
# Characters that cannot be mistaken for one another when read from paper.
_CODE_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"


def totp_device(user: User) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def totp_enrolment_device(user: User) -> TOTPDevice:
    """The unconfirmed device a user is enrolling; made once so a reload keeps the secret."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="app", confirmed=False)


def _new_recovery_codes(user: User) -> list[str]:
    device, _ = StaticDevice.objects.get_or_create(user=user, name="recovery")
    device.token_set.all().delete()
    codes = [
        "".join(secrets.choice(_CODE_ALPHABET) for _ in range(10)) for _ in range(RECOVERY_CODES)
    ]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def totp_enrolment_confirm(*, request, token: str) -> list[str] | None:
    """Confirm the enrolling device with a code from the app; return new recovery codes.

    The code proves the second factor, so the session counts as verified from here on.
    """
    user = request.user
    with transaction.atomic():
        device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).first()
        if device is None or not device.verify_token(_digits(token)):
            return None
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        codes = _new_recovery_codes(user)
        log_action(action="people.two_factor.enrolled", actor=user, target=user)
    django_otp.login(request, device)
    return codes


def recovery_codes_regenerate(*, user: User) -> list[str]:
    """Replace a user's recovery codes; the old ones stop working."""
    with transaction.atomic():
        codes = _new_recovery_codes(user)
        log_action(action="people.two_factor.recovery_codes_renewed", actor=user, target=user)
    return codes


def recovery_codes_left(user: User) -> int:
    return StaticToken.objects.filter(device__user=user, device__name="recovery").count()


def _digits(token: str) -> str:
    return "".join(char for char in (token or "") if not char.isspace())


def two_factor_verify(*, request, token: str) -> bool:
    """Check a code from the app or a recovery code; on success mark the session verified."""
    user = request.user
    token = _digits(token).lower()
    candidates = [d for d in (totp_device(user),) if d is not None]
    candidates += list(StaticDevice.objects.filter(user=user, name="recovery"))
    for device in candidates:
        if device.verify_token(token):
            django_otp.login(request, device)
            kind = "recovery_code" if isinstance(device, StaticDevice) else "app"
            log_action(
                action="people.two_factor.verified", actor=user, target=user, data={"with": kind}
            )
            return True
    log_action(action="people.two_factor.failed", actor=user, target=user)
    return False


def totp_device_set(*, user: User, key: str) -> TOTPDevice:
    """Give a user a confirmed device with a known key (demo accounts only)."""
    TOTPDevice.objects.filter(user=user).delete()
    return TOTPDevice.objects.create(user=user, name="demo", key=key, confirmed=True)


def totp_code(device: TOTPDevice, *, at: float | None = None) -> str:
    """The code the authenticator app shows now for `device` (tests and the demo)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = at if at is not None else time.time()
    return f"{totp.token():0{device.digits}d}"

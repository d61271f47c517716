"""Sign-in events in the audit log. A failed attempt records no name: it may be a typo."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from grannar.core.audit import log_action


@receiver(user_logged_in)
def _signed_in(sender, request, user, **kwargs):
    log_action(action="core.auth.signed_in", actor=user, target=user)


@receiver(user_logged_out)
def _signed_out(sender, request, user, **kwargs):
    if user is not None:
        log_action(action="core.auth.signed_out", actor=user, target=user)


@receiver(user_login_failed)
def _sign_in_failed(sender, credentials, request=None, **kwargs):
    log_action(action="core.auth.sign_in_failed")

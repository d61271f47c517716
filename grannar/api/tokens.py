"""Personal API tokens: made, listed, revoked (each audited) and looked up by their secret."""

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grannar.api.models import ApiToken
from grannar.core.audit import log_action
from grannar.people.models import User

PREFIX = "grn_"
# A token shows this many of its first characters in lists (the fixed prefix included).
SHOWN = 10
MAX_DAYS = 365
# Last use is written at most this often per token, so that a busy client does not write on
# every request.
LAST_USE_EVERY = dt.timedelta(minutes=1)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def check_days(days: int) -> None:
    if not 1 <= days <= MAX_DAYS:
        raise ValidationError(
            ngettext(
                "Days: a token lives from 1 to %(max)s day.",
                "Days: a token lives from 1 to %(max)s days.",
                MAX_DAYS,
            )
            % {"max": MAX_DAYS},
            code="days",
        )


def token_create(*, user: User, name: str, days: int, by: User | None) -> tuple[ApiToken, str]:
    """Make a token for `user` that expires in `days` days; return it and its secret, which
    is shown only now."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Name: say what the token is for."), code="name")
    if len(name) > 100 or "\x00" in name:
        raise ValidationError(_("Name: at most 100 characters."), code="name")
    check_days(days)
    secret = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            name=name,
            prefix=secret[:SHOWN],
            digest=_digest(secret),
            expires=timezone.now() + dt.timedelta(days=days),
        )
        log_action(
            action="api.token.created",
            actor=by,
            target=token,
            data={"user": user.pk, "days": days},
        )
    return token, secret


def token_revoke(*, token: ApiToken, by: User | None) -> ApiToken:
    """Stop `token` from working; revoking it again changes nothing."""
    with transaction.atomic():
        current = ApiToken.objects.select_for_update().get(pk=token.pk)
        if current.revoked is None:
            current.revoked = timezone.now()
            current.save(update_fields=["revoked"])
            log_action(
                action="api.token.revoked", actor=by, target=current, data={"user": current.user_id}
            )
    return current


def token_list(*, user: User) -> QuerySet:
    """`user`'s tokens, newest first, revoked and expired ones included."""
    return ApiToken.objects.filter(user=user)


def access_token(*, user: User, pk: int) -> ApiToken:
    """One of `user`'s own tokens; otherwise 404."""
    token = token_list(user=user).filter(pk=pk).first()
    if token is None:
        raise Http404
    return token


def token_user(secret: str, *, now: dt.datetime | None = None) -> tuple[ApiToken, User] | None:
    """The token and active user that `secret` opens, or None (unknown, expired, revoked,
    malformed or a deactivated account). Notes the use."""
    if not secret.startswith(PREFIX) or len(secret) > 100:
        return None
    now = now or timezone.now()
    token = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(secret), revoked__isnull=True, expires__gt=now)
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.last_used is None or now - token.last_used >= LAST_USE_EVERY:
        ApiToken.objects.filter(pk=token.pk).update(last_used=now)
        token.last_used = now
    return token, token.user


def default_days() -> int:
    return settings.GRANNAR_API_TOKEN_DAYS

"""Single sign-on with OpenID Connect: discovery, the checks on the provider's answer, and
finding the account it names.

mozilla-django-oidc does the protocol: the authorisation request with state, nonce and PKCE,
the code exchange, and the signature check against the provider's published keys. Grannar adds
what the library leaves out: endpoint discovery, the audience and issuer checks, and its own
account rules. An account is found by verified e-mail and never created here, so a sign-in
grants no role; a provider's multi-factor assertion may stand in for Grannar's second factor.
"""

import logging
import time
from dataclasses import dataclass

import django_otp
import jwt
import requests
from django.conf import settings
from django.contrib import auth
from django.core import checks
from django.core.exceptions import SuspiciousOperation
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from grannar.core.audit import log_action
from grannar.people.models import ProviderDevice, User, normalize_email

logger = logging.getLogger(__name__)

# Where mozilla-django-oidc keeps each started sign-in's state, nonce and PKCE verifier, and
# the page to go to afterwards.
STATES_KEY = "oidc_states"
NEXT_KEY = "oidc_login_next"
# The session itself is an ordinary one: after sign-in the user is loaded by id like any other.
SESSION_BACKEND = "grannar.people.backends.UserBackend"
DISCOVERY_SECONDS = 60 * 60

_CANNOT_VERIFY = _(
    "The answer from the sign-in service could not be checked, so you were not signed in."
)
REFUSALS = {
    "unavailable": _(
        "The sign-in service does not answer right now. Try again later, or sign in with "
        "your password."
    ),
    "cancelled": _("The sign-in was cancelled at the sign-in service. You are not signed in."),
    "state": _(
        "The sign-in took too long or was started in another window. Start it again from this page."
    ),
    "token": _CANNOT_VERIFY,
    "audience": _CANNOT_VERIFY,
    "unverified_email": _(
        "The sign-in service has not confirmed your e-mail address, so it cannot be used to "
        "sign in to Grannar."
    ),
    "unknown_email": _(
        "No account in Grannar has the e-mail address the sign-in service gave. Ask your "
        "municipality's coordinator for an account."
    ),
    "inactive": _("This account is not active."),
}


class SsoRefused(Exception):
    """A sign-in that does not go through; `reason` is its code in the audit log."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason

    @property
    def message(self) -> str:
        return str(REFUSALS[self.reason])


def sso_enabled() -> bool:
    return bool(
        settings.GRANNAR_OIDC_ISSUER
        and settings.OIDC_RP_CLIENT_ID
        and settings.OIDC_RP_CLIENT_SECRET
    )


_SETTINGS = {
    "GRANNAR_OIDC_ISSUER": "GRANNAR_OIDC_ISSUER",
    "GRANNAR_OIDC_CLIENT_ID": "OIDC_RP_CLIENT_ID",
    "GRANNAR_OIDC_CLIENT_SECRET": "OIDC_RP_CLIENT_SECRET",
}


def sso_settings_check(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """A system check: single sign-on half configured is off, which should not go unnoticed."""
    missing = [env for env, name in _SETTINGS.items() if not getattr(settings, name)]
    if 0 < len(missing) < len(_SETTINGS):
        return [
            checks.Warning(
                f"Single sign-on is off: {', '.join(missing)} missing.",
                hint="Set all three GRANNAR_OIDC_* variables, or none.",
                id="people.W001",
            )
        ]
    return []


def sso_provider_name() -> str:
    """What the login page's button calls the sign-in service."""
    return settings.GRANNAR_OIDC_NAME or str(_("your organisation's account"))


@dataclass(frozen=True)
class ProviderEndpoints:
    issuer: str
    authorization: str
    token: str
    userinfo: str
    jwks: str


_discovered: dict[str, tuple[float, ProviderEndpoints]] = {}


def provider_endpoints() -> ProviderEndpoints:
    """The configured issuer's endpoints from its discovery document, kept for an hour."""
    issuer = settings.GRANNAR_OIDC_ISSUER
    cached = _discovered.get(issuer)
    if cached and time.monotonic() - cached[0] < DISCOVERY_SECONDS:
        return cached[1]
    url = issuer.rstrip("/") + "/.well-known/openid-configuration"
    try:
        response = requests.get(url, timeout=settings.OIDC_TIMEOUT)
        response.raise_for_status()
        document = response.json()
        endpoints = ProviderEndpoints(
            issuer=document["issuer"],
            authorization=document["authorization_endpoint"],
            token=document["token_endpoint"],
            userinfo=document["userinfo_endpoint"],
            jwks=document["jwks_uri"],
        )
    except (requests.RequestException, ValueError, KeyError, TypeError) as error:
        logger.warning("OpenID Connect discovery failed at %s: %s", url, error)
        raise SsoRefused("unavailable") from error
    if endpoints.issuer.rstrip("/") != issuer.rstrip("/"):
        logger.warning("OpenID Connect discovery at %s names another issuer", url)
        raise SsoRefused("unavailable")
    _discovered[issuer] = (time.monotonic(), endpoints)
    return endpoints


def provider_asserted_mfa(claims: dict) -> bool:
    """Whether the ID token says the person used several factors (`amr` or `acr`)."""
    if not settings.GRANNAR_OIDC_TRUST_MFA:
        return False
    accepted = set(settings.GRANNAR_OIDC_MFA_VALUES)
    amr = claims.get("amr") or []
    if isinstance(amr, str):
        amr = [amr]
    acr = claims.get("acr")
    return any(isinstance(value, str) and value in accepted for value in [*amr, acr])


class SsoBackend(OIDCAuthenticationBackend):
    """The library's code exchange and signature check, with Grannar's checks on top.

    Not in AUTHENTICATION_BACKENDS: only the callback view uses it, so a password sign-in
    never reaches the provider.
    """

    def __init__(self, endpoints: ProviderEndpoints):
        self.endpoints = endpoints
        self.OIDC_OP_TOKEN_ENDPOINT = endpoints.token
        self.OIDC_OP_USER_ENDPOINT = endpoints.userinfo
        self.OIDC_OP_JWKS_ENDPOINT = endpoints.jwks
        self.OIDC_RP_CLIENT_ID = settings.OIDC_RP_CLIENT_ID
        self.OIDC_RP_CLIENT_SECRET = settings.OIDC_RP_CLIENT_SECRET
        self.OIDC_RP_SIGN_ALGO = settings.OIDC_RP_SIGN_ALGO
        self.OIDC_RP_IDP_SIGN_KEY = None
        self.UserModel = User
        self.id_claims: dict = {}

    def _verify_jws(self, payload, key):
        # The library checks the signature and expiry but not audience or issuer.
        try:
            algorithm = jwt.get_unverified_header(payload).get("alg")
            if algorithm != self.OIDC_RP_SIGN_ALGO:
                raise SsoRefused("token")
            claims = jwt.decode(
                payload,
                key,
                algorithms=[self.OIDC_RP_SIGN_ALGO],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=self.endpoints.issuer,
                leeway=60,
                options={"require": ["exp", "iat", "aud", "iss", "sub"]},
            )
        except jwt.InvalidAudienceError as error:
            raise SsoRefused("audience") from error
        except jwt.PyJWTError as error:
            raise SsoRefused("token") from error
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self.OIDC_RP_CLIENT_ID:
            raise SsoRefused("audience")
        return claims

    def get_or_create_user(self, access_token, id_token, payload):
        """The active account whose e-mail the provider has verified; never a new one."""
        userinfo = self.get_userinfo(access_token, id_token, payload)
        if userinfo.get("sub") != payload.get("sub"):
            raise SsoRefused("token")
        claims = {**payload, **userinfo}
        email = normalize_email(claims.get("email"))
        if not email:
            raise SsoRefused("unknown_email")
        if claims.get("email_verified") not in (True, "true"):
            raise SsoRefused("unverified_email")
        user = User.objects.filter(email=email).first()
        if user is None:
            raise SsoRefused("unknown_email")
        if not user.is_active:
            raise SsoRefused("inactive")
        self.id_claims = payload
        return user


@dataclass(frozen=True)
class SsoIdentity:
    user: User
    mfa: bool


def sso_identify(*, request: HttpRequest) -> SsoIdentity:
    """Check the provider's answer that the browser brought back and find its account.

    Raises SsoRefused. The started sign-in is used up either way, so an answer cannot be
    replayed.
    """
    states = request.session.get(STATES_KEY) or {}
    started = states.pop(request.GET.get("state", ""), None)
    if started is not None:
        request.session[STATES_KEY] = states
    if request.GET.get("error"):
        raise SsoRefused("cancelled")
    if started is None or not request.GET.get("code"):
        raise SsoRefused("state")
    if time.time() - started["added_on"] > settings.GRANNAR_OIDC_STATE_SECONDS:
        raise SsoRefused("state")
    endpoints = provider_endpoints()
    # RFC 9207: a provider that names itself in the answer must name the one asked.
    if request.GET.get("iss", endpoints.issuer) != endpoints.issuer:
        raise SsoRefused("token")
    backend = SsoBackend(endpoints)
    try:
        user = backend.authenticate(
            request, nonce=started["nonce"], code_verifier=started.get("code_verifier")
        )
    except requests.HTTPError as error:
        logger.warning("OpenID Connect token request refused: %s", error.response.status_code)
        raise SsoRefused("token") from error
    except requests.RequestException as error:
        logger.warning("OpenID Connect provider did not answer: %s", type(error).__name__)
        raise SsoRefused("unavailable") from error
    except (SuspiciousOperation, ValueError, KeyError, TypeError) as error:
        logger.warning("OpenID Connect answer refused: %s", type(error).__name__)
        raise SsoRefused("token") from error
    if user is None:
        raise SsoRefused("token")
    return SsoIdentity(user=user, mfa=provider_asserted_mfa(backend.id_claims))


def sso_sign_in(*, request: HttpRequest, identity: SsoIdentity) -> None:
    """Sign the person in. With the provider's multi-factor assertion the session counts as
    verified for the second factor; without it a staff role still asks for Grannar's own."""
    user = identity.user
    with transaction.atomic():
        auth.login(request, user, backend=SESSION_BACKEND)
        if identity.mfa:
            device = ProviderDevice.objects.filter(user=user).first()
            if device is None:
                device = ProviderDevice.objects.create(user=user, name="provider")
            django_otp.login(request, device)
        log_action(
            action="people.sso.signed_in", actor=user, target=user, data={"mfa": identity.mfa}
        )


def sso_refusal_record(*, refusal: SsoRefused) -> None:
    """Log a refused single sign-on; like a failed password, it names nobody."""
    log_action(action="people.sso.refused", data={"reason": refusal.reason})

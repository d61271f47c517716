"""Taking a person's identity away while their counted facts stay (the people part of erasure).

What the person is counted by stays on the record: municipality, workplace (a register unit),
staff category, gender, birth year and support-resource flag. Name, e-mail address, phone,
personnummer and the workplace as free text go; the record is known by a random pseudonym.
"""

import secrets

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.hashers import make_password
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from grannar.people.models import ErasureRequest, Person, RoleAssignment, User, normalize_email

# A reserved top-level domain (RFC 2606): an erased address can never reach anyone.
ERASED_DOMAIN = "erased.invalid"


def new_pseudonym() -> str:
    """A random name for an erased record; nothing about the person goes into it."""
    return f"anon-{secrets.token_hex(6)}"


def erased_email(pseudonym: str) -> str:
    return f"{pseudonym}@{ERASED_DOMAIN}"


def person_identity_remove(*, person: Person, pseudonym: str) -> list[str]:
    """Replace the person's identifying fields by the pseudonym; return what identified them
    (e-mail, names) so the caller can take it out of other tables too. Writes no audit entry:
    the erasure service does, naming no personal data."""
    identity = [person.email, person.full_name, person.first_name, person.last_name]
    # A queryset update: the counted fields are untouched, so no figure is told of a change.
    Person.objects.filter(pk=person.pk).update(
        email=erased_email(pseudonym),
        first_name="",
        last_name=pseudonym,
        phone="",
        workplace_name="",
        personnummer_encrypted="",
        erased=timezone.now(),
    )
    user = User.objects.filter(person=person).first()
    if user is not None:
        identity.append(user.email)
        account_close(user=user, pseudonym=pseudonym)
    emails = {normalize_email(value) for value in identity if "@" in value}
    for email in emails:
        _sign_in_records_forget(email)
        task_results_forget(text=email)
    _requests_scrub(person=person, identity=identity, pseudonym=pseudonym)
    person.refresh_from_db()
    return [value for value in dict.fromkeys(identity) if value.strip()]


def account_close(*, user: User, pseudonym: str | None = None) -> None:
    """Close an account for good: address replaced by a pseudonym, no password, no roles, no
    second factor, inactive. Audit entries it made keep pointing at it, now nameless."""
    pseudonym = pseudonym or new_pseudonym()
    _sign_in_records_forget(user.email)
    task_results_forget(text=user.email)
    RoleAssignment.objects.filter(user=user).delete()
    TOTPDevice.objects.filter(user=user).delete()
    StaticDevice.objects.filter(user=user).delete()
    User.objects.filter(pk=user.pk).update(
        email=erased_email(pseudonym),
        password=make_password(None),
        is_active=False,
        is_superuser=False,
    )


def _sign_in_records_forget(email: str) -> None:
    """Lockout records name the account they were for."""
    for model in (AccessAttempt, AccessLog, AccessFailureLog):
        model.objects.filter(username__iexact=email).delete()


def task_results_forget(*, text: str) -> int:
    """Drop queued and finished jobs of the database task backend whose arguments mention
    `text` (an e-mail to the person, with their name in it): it is not sent, not kept."""
    matching = DBTaskResult.objects.annotate(arguments=Cast("args_kwargs", TextField())).filter(
        arguments__icontains=text
    )
    return DBTaskResult.objects.filter(pk__in=list(matching.values_list("pk", flat=True))).delete()[
        0
    ]


def _requests_scrub(*, person: Person, identity: list[str], pseudonym: str) -> None:
    """A request's reason may name the person; after the erasure it names the pseudonym."""
    for request in ErasureRequest.objects.filter(person=person):
        fields = {}
        for name in ("reason", "legal_ground", "refusal"):
            text = getattr(request, name)
            for value in sorted(identity, key=len, reverse=True):
                if value.strip():
                    text = _replace_casefold(text, value, pseudonym)
            if text != getattr(request, name):
                fields[name] = text
        if fields:
            ErasureRequest.objects.filter(pk=request.pk).update(**fields)


def _replace_casefold(text: str, old: str, new: str) -> str:
    lowered, target = text.lower(), old.lower()
    out, start = [], 0
    while (found := lowered.find(target, start)) >= 0:
        out.append(text[start:found])
        out.append(new)
        start = found + len(old)
    out.append(text[start:])
    return "".join(out)

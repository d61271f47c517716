"""Erasure as anonymisation (art. 17): a person's identity goes from every table, the facts they
are counted by stay under a random pseudonym, so every figure and report stays the same.

Refused while the funder's evidence of the person is still under a retention rule, unless the
admin records the legal ground that overrides it.
"""

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from grannar.core.audit import log_action
from grannar.evaluation import retention as evaluation_retention
from grannar.people import erasure as people_erasure
from grannar.people.models import ErasureRequest, Person, Role, User, normalize_email
from grannar.people.signals import person_erased
from grannar.programmes.models import Programme
from grannar.programmes.retention import FUNDER_EVIDENCE, LABELS, Rule, rule
from grannar.training import retention as training_retention

REASON_MAX = 2000


class ErasureError(Exception):
    """An erasure or request the rules do not allow; the message says why."""


@dataclass(frozen=True)
class Hold:
    """A retention rule that still keeps the funder's evidence of a person."""

    programme: Programme
    rule: Rule
    until: dt.date

    def describe(self) -> str:
        return _("%(programme)s: %(data)s, kept until %(until)s by retention rule %(decision)s") % {
            "programme": self.programme.name,
            "data": LABELS[self.rule.data],
            "until": self.until.isoformat(),
            "decision": self.rule.decision,
        }


class ErasureRefused(ErasureError):
    """The person's data is still under retention for the funder."""

    def __init__(self, holds: list[Hold]):
        self.holds = holds
        lines = "\n".join(f"  {hold.describe()}" for hold in holds)
        super().__init__(
            _(
                "Not erased: the funder's evidence of this person is still under retention. "
                "Record the legal ground to erase all the same."
            )
            + "\n"
            + lines
        )


def erasure_holds(*, person: Person, today: dt.date | None = None) -> list[Hold]:
    """The retention rules that still keep the funder's evidence of `person` on `today`."""
    today = today or timezone.localdate()
    holds = []
    programme_ids = training_retention.attended_programme_ids(person=person)
    for programme in Programme.objects.filter(pk__in=programme_ids).order_by("ends", "code"):
        for data in FUNDER_EVIDENCE:
            found = rule(programme, data)
            if found is not None and not found.due(programme.ends, today):
                holds.append(Hold(programme, found, found.keep_until(programme.ends)))
    return holds


def access_erasable_person(*, user: User, email: str) -> Person:
    """The person with this e-mail whom `user` may ask to erase: an admin anyone, a
    coordinator only the staff of their own municipalities; otherwise ErasureError, with no
    hint of whether the person exists."""
    person = Person.objects.filter(email=normalize_email(email), erased__isnull=True).first()
    allowed = person is not None and (
        user.is_superuser
        or user.has_role(Role.ADMIN)
        or person.municipality_id in user.coordinated_municipality_ids
    )
    if not allowed:
        raise ErasureError(_("No one with that e-mail address is among the people you manage."))
    return person


def _check_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ErasureError(_("Give the reason for the erasure."))
    if len(reason) > REASON_MAX:
        raise ErasureError(_("At most %(max)s characters.") % {"max": REASON_MAX})
    return reason


def erasure_request(*, person: Person, by: User, reason: str) -> ErasureRequest:
    """A coordinator (or an admin) asks for a person to be erased; an admin decides."""
    reason = _check_reason(reason)
    with transaction.atomic():
        if ErasureRequest.objects.filter(
            person=person, status=ErasureRequest.Status.REQUESTED
        ).exists():
            raise ErasureError(_("An erasure of this person has already been requested."))
        request = ErasureRequest.objects.create(
            person=person, municipality_id=person.municipality_id, reason=reason, requested_by=by
        )
        log_action(
            action="people.erasure.requested",
            actor=by,
            target=request,
            municipality_id=person.municipality_id,
        )
    return request


def erasure_refuse(*, request: ErasureRequest, by: User, refusal: str) -> ErasureRequest:
    """An admin refuses a request, saying why."""
    refusal = (refusal or "").strip()
    if not refusal:
        raise ErasureError(_("Say why the erasure is refused."))
    with transaction.atomic():
        request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != ErasureRequest.Status.REQUESTED:
            raise ErasureError(_("This request has already been decided."))
        request.status = ErasureRequest.Status.REFUSED
        request.refusal = refusal[:REASON_MAX]
        request.decided_by = by
        request.decided = timezone.now()
        request.save(update_fields=["status", "refusal", "decided_by", "decided"])
        log_action(
            action="people.erasure.refused",
            actor=by,
            target=request,
            municipality_id=request.municipality_id,
        )
    return request


def person_erase(
    *,
    person: Person,
    by: User | None,
    reason: str = "",
    legal_ground: str = "",
    request: ErasureRequest | None = None,
    today: dt.date | None = None,
) -> ErasureRequest:
    """Erase `person`: refused (ErasureRefused, naming each rule and its end date) while the
    funder's evidence is under retention and no legal ground is given. The request (made
    here when there is none) records the reason and the legal ground; the audit entry names
    neither the person nor them."""
    legal_ground = (legal_ground or "").strip()[:REASON_MAX]
    if request is None:
        reason = _check_reason(reason)
    if person.erased is not None:
        raise ErasureError(_("This person has already been erased."))
    holds = erasure_holds(person=person, today=today)
    if holds and not legal_ground:
        raise ErasureRefused(holds)
    with transaction.atomic():
        if request is None:
            request = ErasureRequest(
                person=person,
                municipality_id=person.municipality_id,
                reason=reason,
                requested_by=by,
            )
        else:
            request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
            if request.status != ErasureRequest.Status.REQUESTED:
                raise ErasureError(_("This request has already been decided."))
        request.status = ErasureRequest.Status.ERASED
        request.legal_ground = legal_ground
        request.decided_by = by
        request.decided = timezone.now()
        request.save()
        # Other requests for the same person are answered by this erasure too.
        ErasureRequest.objects.filter(
            person=person, status=ErasureRequest.Status.REQUESTED
        ).exclude(pk=request.pk).update(
            status=ErasureRequest.Status.ERASED, decided_by=by, decided=request.decided
        )
        pseudonym = identity_remove(person=person)
        log_action(
            action="people.person.erased",
            actor=by,
            target=person,
            municipality_id=person.municipality_id,
            data={
                "pseudonym": pseudonym,
                "request": request.pk,
                "legal_ground": bool(legal_ground),
                "held_by": [f"{hold.rule.data} {hold.rule.decision}" for hold in holds],
            },
        )
    return request


def identity_remove(*, person: Person, files: training_retention.ImportFiles | None = None) -> str:
    """Take the person's identity out of every table (inside the caller's transaction) and
    return the pseudonym the record now carries. Shared by erasure and the retention run,
    which reads the stored import files once for all (`files`)."""
    pseudonym = people_erasure.new_pseudonym()
    identity = people_erasure.person_identity_remove(person=person, pseudonym=pseudonym)
    training_retention.person_traces_remove(person=person, identity=identity, files=files)
    evaluation_retention.person_free_text_clear(person=person)
    person_erased.send(sender=Person, person_id=person.pk, identity=identity)
    return pseudonym

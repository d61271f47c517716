"""Reads for surveys: lists with their counts, and whom to invite."""

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from grannar.evaluation.models import Invitation, Response, Survey
from grannar.people.models import Person
from grannar.training.models import Registration


class InviteeError(Exception):
    """Whom to invite cannot be worked out; the message says why."""


def _count_of(model, field: str = "survey") -> Coalesce:
    """A correlated count of `model` rows per survey, so that two counts never multiply."""
    rows = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), 0)


def survey_list(*, programmes) -> QuerySet:
    """The programmes' surveys with invitations and responses counted, in one query."""
    return (
        Survey.objects.filter(programme__in=programmes)
        .select_related("programme", "course")
        .annotate(invited=_count_of(Invitation), answered=_count_of(Response))
        .order_by("programme__name", "series", "id")
    )


def survey_counts(survey: Survey) -> dict:
    invitations = Invitation.objects.filter(survey=survey)
    return {
        "invited": invitations.count(),
        "used": invitations.filter(used=True).count(),
        "responses": survey.responses.count(),
    }


def invitees(*, survey: Survey, who: str, emails: str = "") -> list[Person]:
    """Everyone who attended the survey's course (or programme), or the people with `emails`."""
    if who == "attended":
        attended = Q(
            registrations__status=Registration.Status.ATTENDED,
            registrations__session__course__programme=survey.programme,
        )
        if survey.course_id:
            attended &= Q(registrations__session__course=survey.course_id)
        return list(Person.objects.filter(attended).distinct().order_by("id"))
    wanted = [line.strip().lower() for line in emails.splitlines() if line.strip()]
    found = {p.email.lower(): p for p in Person.objects.filter(email__in=wanted)}
    missing = [email for email in wanted if email not in found]
    if missing:
        raise InviteeError(
            _("No person has these e-mail addresses: %(emails)s") % {"emails": ", ".join(missing)}
        )
    return list(found.values())

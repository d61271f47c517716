"""Collaboration data at the end of its life: what a retention rule disposes of."""

from django.db.models import QuerySet

from grannar.collaboration.models import Engagement, GroupMember, Outcome
from grannar.programmes.models import Programme


def outcomes(*, programme: Programme) -> QuerySet[Outcome]:
    return Outcome.objects.filter(programme=programme)


def outcomes_delete(*, ids: list[int]) -> int:
    """Dispose of support resources' outcomes; the outcome figures are counted from them, so
    after the disposal the programme reports none."""
    return Outcome.objects.filter(pk__in=ids).delete()[0]


def other_programme_person_ids(*, programmes: list[Programme]) -> set[int]:
    """People in a pilot workshop, an engagement or an outcome of a programme outside
    `programmes`, whose identity that programme still needs."""
    members = GroupMember.objects.exclude(workshop__programme__in=programmes)
    engaged = Engagement.objects.exclude(session__course__programme__in=programmes).exclude(
        meeting__workshop__programme__in=programmes
    )
    outcomes = Outcome.objects.exclude(programme__in=programmes)
    return (
        set(members.values_list("person_id", flat=True))
        | set(engaged.values_list("person_id", flat=True))
        | set(outcomes.values_list("person_id", flat=True))
    )

"""Collaboration records written directly with the ORM, to test the counting rules on exact
data whatever the services allow."""

import datetime as dt
import itertools
from decimal import Decimal

from django.utils import timezone

from grannar.collaboration.models import (
    CompetencePlan,
    Engagement,
    GroupMember,
    Meeting,
    Outcome,
    PilotWorkshop,
    Routine,
)
from grannar.programmes.models import Sector
from tests.factories import make_person

_n = itertools.count(1)
EARLY = timezone.make_aware(dt.datetime(2024, 1, 2, 9))


def workshop(programme, municipality, *, sectors=()) -> PilotWorkshop:
    """A workshop with one group member per sector code in `sectors` (repeats allowed)."""
    made = PilotWorkshop.objects.create(
        programme=programme, municipality=municipality, focus="Samverkan kring skolstart"
    )
    for code in sectors:
        GroupMember.objects.create(
            workshop=made,
            person=make_person(municipality=municipality),
            sector=Sector.objects.get(code=code),
        )
    return made


def routine(workshop: PilotWorkshop, status: str = Routine.Status.DRAFT, **dates) -> Routine:
    """A routine in `status` with the given step dates, written in January 2024 unless
    `created` says otherwise (None: now)."""
    created = dates.pop("created", EARLY)
    made = Routine.objects.create(
        workshop=workshop, title=f"Rutin {next(_n)}", problem="Överlämning", status=status, **dates
    )
    if created is not None:
        Routine.objects.filter(pk=made.pk).update(created=created)
    return made


def meeting(workshop: PilotWorkshop, on: dt.date) -> Meeting:
    return Meeting.objects.create(workshop=workshop, date=on)


def engage(person, *, hours: str, session=None, meeting=None) -> Engagement:
    return Engagement.objects.create(
        person=person,
        session=session,
        meeting=meeting,
        role=Engagement.Role.EXPERIENCE_EXPERT,
        hours=Decimal(hours),
    )


def outcome(person, programme, moment: str, result: str, on: dt.date) -> Outcome:
    return Outcome.objects.create(
        person=person, programme=programme, moment=moment, result=result, recorded_on=on
    )


def plan(programme, workplace, status: str, adopted_on: dt.date | None = None) -> CompetencePlan:
    return CompetencePlan.objects.create(
        programme=programme,
        workplace=workplace,
        period_start=dt.date(2024, 1, 1),
        period_end=dt.date(2026, 12, 31),
        status=status,
        adopted_on=adopted_on,
    )

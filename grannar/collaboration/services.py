"""Writes of the collaboration app: each validates, changes and records an audit entry in one
transaction. A refusal is a `ValidationError` with a Swedish message that says what is wrong."""

import calendar
import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grannar.collaboration.models import (
    GroupMember,
    Meeting,
    PilotWorkshop,
    Routine,
)
from grannar.collaboration.notifications import schedule_routine_reminder
from grannar.core.audit import log_action
from grannar.people.models import Person, User
from grannar.programmes.models import Municipality, Programme, Sector, SubGoal


def add_months(day: dt.date, months: int) -> dt.date:
    """`day` moved `months` ahead, on the month's last day where the day does not exist."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def _log(action: str, by: User | None, target, municipality_id: int, **data) -> None:
    log_action(
        action=action,
        actor=by,
        target=target,
        municipality_id=municipality_id,
        data={
            key: value.isoformat() if isinstance(value, dt.date) else value
            for key, value in data.items()
        },
    )


def _check_subgoals(programme: Programme, subgoals: Iterable[SubGoal]) -> list[SubGoal]:
    subgoals = list(subgoals)
    if any(subgoal.programme_id != programme.pk for subgoal in subgoals):
        raise ValidationError(_("Sub-goals: choose only sub-goals of the programme."))
    return subgoals


@transaction.atomic
def workshop_create(
    *,
    programme: Programme,
    municipality: Municipality,
    focus: str,
    subgoals: Iterable[SubGoal] = (),
    by: User | None,
) -> PilotWorkshop:
    """Start the municipality's pilot workshop in the programme (one per municipality)."""
    if not programme.memberships.filter(municipality=municipality, participates=True).exists():
        raise ValidationError(
            _("%(municipality)s does not take part in %(programme)s.")
            % {"municipality": municipality.name, "programme": programme.name}
        )
    if PilotWorkshop.objects.filter(programme=programme, municipality=municipality).exists():
        raise ValidationError(
            _("%(municipality)s already has a pilot workshop in %(programme)s.")
            % {"municipality": municipality.name, "programme": programme.name}
        )
    if not focus.strip():
        raise ValidationError(_("Focus: describe the area the municipality develops."))
    subgoals = _check_subgoals(programme, subgoals)
    workshop = PilotWorkshop.objects.create(
        programme=programme, municipality=municipality, focus=focus.strip()
    )
    workshop.subgoals.set(subgoals)
    _log("collaboration.workshop.created", by, workshop, municipality.pk)
    return workshop


@transaction.atomic
def workshop_update(
    *, workshop: PilotWorkshop, focus: str, subgoals: Iterable[SubGoal], by: User | None
) -> PilotWorkshop:
    """Change the workshop's focus and the sub-goals it serves."""
    if not focus.strip():
        raise ValidationError(_("Focus: describe the area the municipality develops."))
    subgoals = _check_subgoals(workshop.programme, subgoals)
    workshop.focus = focus.strip()
    workshop.save(update_fields=["focus", "changed"])
    workshop.subgoals.set(subgoals)
    _log("collaboration.workshop.changed", by, workshop, workshop.municipality_id)
    return workshop


@transaction.atomic
def member_add(
    *, workshop: PilotWorkshop, person: Person, sector: Sector, role: str, by: User | None
) -> GroupMember:
    """Add a person of the workshop's municipality to its project group, for one sector."""
    if person.municipality_id != workshop.municipality_id:
        raise ValidationError(
            _("Person: %(name)s does not belong to %(municipality)s.")
            % {"name": person.full_name, "municipality": workshop.municipality.name}
        )
    if role not in GroupMember.Role.values:
        raise ValidationError(_("Role: choose lead or member."))
    if GroupMember.objects.filter(workshop=workshop, person=person).exists():
        raise ValidationError(
            _("Person: %(name)s is already in the group.") % {"name": person.full_name}
        )
    member = GroupMember.objects.create(workshop=workshop, person=person, sector=sector, role=role)
    _log(
        "collaboration.member.added",
        by,
        member,
        workshop.municipality_id,
        sector=sector.code,
        role=role,
    )
    return member


@transaction.atomic
def member_remove(*, member: GroupMember, by: User | None) -> None:
    """Take a member out of the group; routines they owned keep no owner until one is chosen."""
    workshop = member.workshop
    _log("collaboration.member.removed", by, member, workshop.municipality_id)
    member.delete()


@transaction.atomic
def meeting_record(
    *,
    workshop: PilotWorkshop,
    date: dt.date,
    attendees: Iterable[GroupMember],
    notes: str = "",
    decisions: str = "",
    by: User | None,
) -> Meeting:
    """Record a meeting of the group: the day, who of the group came, notes and decisions."""
    attendees = list(attendees)
    if any(member.workshop_id != workshop.pk for member in attendees):
        raise ValidationError(_("Present: choose only members of the group."))
    if date > dt.date.today():
        raise ValidationError(_("Date: a meeting is recorded after it has taken place."))
    meeting = Meeting.objects.create(
        workshop=workshop, date=date, notes=notes.strip(), decisions=decisions.strip()
    )
    meeting.attendees.set(attendees)
    _log(
        "collaboration.meeting.recorded",
        by,
        meeting,
        workshop.municipality_id,
        date=date,
        present=len(attendees),
    )
    return meeting


def _check_routine_fields(
    workshop: PilotWorkshop, title: str, problem: str, sectors: list, owner: GroupMember | None
) -> None:
    if not title.strip():
        raise ValidationError(_("Title: give the routine a title."))
    if not problem.strip():
        raise ValidationError(_("Problem: describe the problem the routine solves."))
    if len(set(sectors)) < 2:
        raise ValidationError(_("Sectors: a routine binds two or more sectors."))
    if owner is not None and owner.workshop_id != workshop.pk:
        raise ValidationError(_("Owner: choose a member of the group."))


@transaction.atomic
def routine_create(
    *,
    workshop: PilotWorkshop,
    title: str,
    problem: str,
    sectors: Iterable[Sector],
    owner: GroupMember | None,
    by: User | None,
) -> Routine:
    """Write down a routine as a draft."""
    sectors = list(sectors)
    _check_routine_fields(workshop, title, problem, sectors, owner)
    routine = Routine.objects.create(
        workshop=workshop, title=title.strip(), problem=problem.strip(), owner=owner
    )
    routine.sectors.set(sectors)
    _log("collaboration.routine.created", by, routine, workshop.municipality_id)
    return routine


@transaction.atomic
def routine_update(
    *,
    routine: Routine,
    title: str,
    problem: str,
    sectors: Iterable[Sector],
    owner: GroupMember | None,
    by: User | None,
) -> Routine:
    """Change what a routine says; a retired routine stays as it was."""
    if routine.status == Routine.Status.RETIRED:
        raise ValidationError(_("The routine is retired and can no longer be changed."))
    sectors = list(sectors)
    _check_routine_fields(routine.workshop, title, problem, sectors, owner)
    routine.title, routine.problem, routine.owner = title.strip(), problem.strip(), owner
    routine.save(update_fields=["title", "problem", "owner", "changed"])
    routine.sectors.set(sectors)
    _log("collaboration.routine.changed", by, routine, routine.workshop.municipality_id)
    return routine


def _locked(routine: Routine) -> Routine:
    return (
        Routine.objects.select_for_update(of=("self",))
        .select_related("workshop__programme", "workshop__municipality")
        .get(pk=routine.pk)
    )


def _refuse_step(routine: Routine, step: str, rule: str) -> None:
    raise ValidationError(
        _("The routine is “%(status)s” and cannot %(step)s now: %(rule)s")
        % {"status": routine.get_status_display(), "step": step, "rule": rule}
    )


def _check_date(date: dt.date, earliest: dt.date | None) -> None:
    if date > dt.date.today():
        raise ValidationError(_("Date: the date cannot be in the future."))
    if earliest is not None and date < earliest:
        raise ValidationError(
            _("Date: the date cannot be before %(date)s, the routine's previous step.")
            % {"date": earliest.isoformat()}
        )


@transaction.atomic
def routine_start_testing(*, routine: Routine, date: dt.date, by: User | None) -> Routine:
    """draft → testing, from `date`."""
    routine = _locked(routine)
    if routine.status != Routine.Status.DRAFT:
        _refuse_step(routine, _("start testing"), _("only a draft is taken into testing."))
    _check_date(date, None)
    routine.status, routine.testing_from = Routine.Status.TESTING, date
    routine.save(update_fields=["status", "testing_from", "changed"])
    _log("collaboration.routine.testing", by, routine, routine.workshop.municipality_id, date=date)
    return routine


@transaction.atomic
def routine_adopt(
    *, routine: Routine, decided_by: str, reference: str, date: dt.date, by: User | None
) -> Routine:
    """testing → adopted: who decided, the decision's reference and the day; the follow-up falls
    due the programme's `follow_up_months` later and the owner is reminded on that day."""
    routine = _locked(routine)
    if routine.status != Routine.Status.TESTING:
        _refuse_step(routine, _("be adopted"), _("a routine is adopted after it has been tested."))
    if not decided_by.strip():
        raise ValidationError(_("Decided by: say who decided to adopt the routine."))
    if not reference.strip():
        raise ValidationError(_("Reference: give the decision's reference, e.g. the minutes."))
    _check_date(date, routine.testing_from)
    routine.status = Routine.Status.ADOPTED
    routine.adopted_on = date
    routine.decided_by = decided_by.strip()
    routine.decision_reference = reference.strip()
    routine.follow_up_due = add_months(date, routine.workshop.programme.follow_up_months)
    routine.reminded = None
    routine.save(
        update_fields=[
            "status",
            "adopted_on",
            "decided_by",
            "decision_reference",
            "follow_up_due",
            "reminded",
            "changed",
        ]
    )
    _log(
        "collaboration.routine.adopted",
        by,
        routine,
        routine.workshop.municipality_id,
        date=date,
        follow_up_due=routine.follow_up_due,
    )
    schedule_routine_reminder(routine)
    return routine


@transaction.atomic
def routine_follow_up(
    *, routine: Routine, in_use: str, note: str, date: dt.date, by: User | None
) -> Routine:
    """adopted → followed_up: whether the routine is still in use, with a note."""
    routine = _locked(routine)
    if routine.status != Routine.Status.ADOPTED:
        _refuse_step(routine, _("be followed up"), _("only an adopted routine is followed up."))
    if in_use not in Routine.InUse.values:
        raise ValidationError(_("Still in use: choose yes, partly or no."))
    _check_date(date, routine.adopted_on)
    routine.status = Routine.Status.FOLLOWED_UP
    routine.followed_up_on, routine.in_use, routine.follow_up_note = date, in_use, note.strip()
    routine.save(update_fields=["status", "followed_up_on", "in_use", "follow_up_note", "changed"])
    _log(
        "collaboration.routine.followed_up",
        by,
        routine,
        routine.workshop.municipality_id,
        date=date,
        in_use=in_use,
    )
    return routine


@transaction.atomic
def routine_retire(*, routine: Routine, date: dt.date, by: User | None) -> Routine:
    """Any state → retired; what the routine went through stays recorded."""
    routine = _locked(routine)
    if routine.status == Routine.Status.RETIRED:
        _refuse_step(routine, _("be retired"), _("it is retired already."))
    _check_date(date, None)
    previous = routine.status
    routine.status, routine.retired_on = Routine.Status.RETIRED, date
    routine.save(update_fields=["status", "retired_on", "changed"])
    _log(
        "collaboration.routine.retired",
        by,
        routine,
        routine.workshop.municipality_id,
        date=date,
        previous=previous,
    )
    return routine


ROUTINE_STEPS = {
    "testing": routine_start_testing,
    "adopt": routine_adopt,
    "follow_up": routine_follow_up,
    "retire": routine_retire,
}

"""Changes to courses, sessions, registrations and attendance; each audited, in one transaction."""

import datetime as dt
import time
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grannar.core.audit import log_action
from grannar.people.models import Person, Role, User
from grannar.training import notifications, rollups, seats, waitlist
from grannar.training.models import (
    Attendance,
    Course,
    MonthlyAttestation,
    Registration,
    SeatReservation,
    Session,
)
from grannar.training.selectors import (
    RegistrationState,
    attestable_months,
    checkin_sessions,
    covering_attestation,
    registration_state,
)
from grannar.training.signals import attendance_recorded_after_commit
from grannar.training.tasks import release_reserved_seats

Status = Registration.Status


class RegistrationError(ValidationError):
    """A registration or cancellation that the rules do not allow; the message says why."""


def check_registration_open(session: Session, *, now=None) -> None:
    now = now or timezone.now()
    if session.status == Session.Status.CANCELLED:
        raise RegistrationError(_("The session has been cancelled."), code="cancelled")
    if session.starts <= now:
        raise RegistrationError(_("The session has already started."), code="started")
    if session.registration_opens and now < session.registration_opens:
        raise RegistrationError(_("Registration has not opened yet."), code="not_open")
    if session.registration_closes and now > session.registration_closes:
        raise RegistrationError(_("Registration has closed."), code="closed")


def check_may_register(*, by: User, person: Person) -> None:
    """Participants register themselves, coordinators their municipality's staff, admins anyone."""
    if by.is_superuser or by.has_role(Role.ADMIN):
        return
    if person.pk == by.person_id:
        return
    if by.has_role(Role.COORDINATOR) and person.municipality_id in by.coordinated_municipality_ids:
        return
    raise RegistrationError(_("You may not register this person."), code="not_allowed")


def check_still_member(*, session: Session, person: Person, left: dt.date | None) -> None:
    """Staff of a municipality that has left the programme cannot register for its sessions
    starting after the day it left (`left`: the municipality's leaving date, if any)."""
    if left is None or timezone.localtime(session.starts).date() <= left:
        return
    programme = session.course.programme
    if programme is not None:
        raise RegistrationError(
            _(
                "%(municipality)s left %(programme)s on %(date)s; its staff cannot register "
                "for sessions after that date."
            )
            % {
                "municipality": person.municipality.name,
                "programme": programme.name,
                "date": left.isoformat(),
            },
            code="left_programme",
        )


def _next_in_line() -> int:
    return time.time_ns()


def registration_create(
    *, session: Session, person: Person, by: User, state: RegistrationState | None = None
) -> Registration:
    """Give `person` a seat on `session`, or a place in its waiting line when it is full.

    `state` is what `selectors.access_session_to_register` read along with the session; it is
    read here otherwise."""
    # Read before the transaction, to keep the write lock short: the seat counters, the
    # reservation state, the person's registration if any, and their municipality's leaving
    # date. A reservation changed in the same instant can at worst send this one person to the
    # waiting line; it can never give a seat too many, as the claim checks the counters. Two
    # clicks that both find no registration are told apart by the unique constraint.
    if state is None or state.person_id != person.pk:
        state = registration_state(session_id=session.pk, person=person)
    check_may_register(by=by, person=person)
    check_still_member(session=session, person=person, left=state.left_day)
    check_registration_open(session)
    seen = seats.seen_counts(session.pk)
    if state.own_status is not None and state.own_status != Status.CANCELLED:
        raise _already_registered(person)
    try:
        if state.own_status is None and not state.reserved_free and state.release_at is None:
            try:
                return _register_claiming_last(
                    session=session,
                    person=person,
                    by=by,
                    hoped=state.seats_taken < state.capacity,
                    seen=seen,
                )
            except _ClaimDiffered:
                pass  # the last seats went in the same instant: do it again, claiming first
        return _register_claiming_first(
            session=session,
            person=person,
            by=by,
            again=state.own_status is not None,
            reserved_free=state.reserved_free,
            release_at=state.release_at,
            seen=seen,
        )
    except IntegrityError as error:
        # A double click that raced past the check above: the unique constraint caught it.
        raise _already_registered(person) from error


class _ClaimDiffered(Exception):
    """The seat claim did not turn out as the counters read before the transaction promised."""


def _register_claiming_last(
    *, session: Session, person: Person, by: User, hoped: bool, seen
) -> Registration:
    # The common case: a first registration for a session without reserved seats. The rows are
    # written first and the seat is claimed last, so that the session's row is locked only from
    # the claim to the commit, and registrations for one session follow each other quickly. If
    # the claim differs from what the counters promised, everything here is undone.
    with transaction.atomic():
        registration = Registration(session=session, person=person)
        registration.municipality_id = person.municipality_id
        registration.status = Status.CONFIRMED if hoped else Status.WAITLISTED
        registration.queued = None if hoped else _next_in_line()
        _record_registration(registration, by=by, session=session)
        claimed, _reservation = seats.claim_seat(
            session_id=session.pk,
            municipality_id=person.municipality_id,
            seen=seen,
            reservations=False,
        )
        if claimed != hoped:
            raise _ClaimDiffered
    return registration


def _register_claiming_first(
    *,
    session: Session,
    person: Person,
    by: User,
    again: bool,
    reserved_free: int,
    release_at,
    seen,
) -> Registration:
    with transaction.atomic():
        # Seats released at their time go to those already waiting, before newcomers.
        if release_at and seats.release_due_reservations(session_id=session.pk):
            waitlist.waitlist_promote(session_id=session.pk)
            reserved_free = Session.objects.get(pk=session.pk).reserved_free
        existing = None
        if again:
            # Registering again after cancelling: the row is reused, under lock.
            existing = (
                Registration.objects.with_scopes_disabled()
                .select_for_update()
                .get(session=session, person=person)
            )
            if existing.status != Status.CANCELLED:
                raise _already_registered(person)
        registration = existing or Registration(session=session, person=person)
        registration.municipality_id = person.municipality_id
        claimed, reservation = seats.claim_seat(
            session_id=session.pk,
            municipality_id=person.municipality_id,
            seen=seen,
            reservations=reserved_free > 0,
        )
        registration.status = Status.CONFIRMED if claimed else Status.WAITLISTED
        registration.reservation = reservation
        registration.queued = None if claimed else _next_in_line()
        _record_registration(registration, by=by, session=session)
    return registration


def _record_registration(registration: Registration, *, by: User, session: Session) -> None:
    """Save the registration, its audit entry and its queued e-mail."""
    registration.save()
    log_action(
        action=f"training.registration.{registration.status}",
        actor=by,
        target=registration,
        municipality_id=registration.municipality_id,
        data={"session": session.code},
    )
    notifications.registration_changed(registration)


def _already_registered(person: Person) -> RegistrationError:
    return RegistrationError(
        _("%(name)s is already registered for this session.") % {"name": person.full_name},
        code="duplicate",
    )


def check_may_cancel(*, registration: Registration, by: User, now=None) -> None:
    now = now or timezone.now()
    if by.is_superuser or by.has_role(Role.ADMIN):
        return
    if (
        by.has_role(Role.COORDINATOR)
        and registration.municipality_id in by.coordinated_municipality_ids
    ):
        return
    if registration.person_id == by.person_id:
        deadline = registration.session.cancellation_deadline or registration.session.starts
        if now > deadline:
            raise RegistrationError(
                _("The cancellation deadline has passed; contact your coordinator."),
                code="deadline",
            )
        return
    raise RegistrationError(_("You may not cancel this registration."), code="not_allowed")


def registration_cancel(*, registration: Registration, by: User) -> Registration:
    """Cancel a registration; a freed seat goes to the first in line who may take it."""
    check_may_cancel(registration=registration, by=by)
    with transaction.atomic():
        current = (
            Registration.objects.with_scopes_disabled().select_for_update().get(pk=registration.pk)
        )
        if current.status == Status.CANCELLED:
            return current
        if current.status not in (Status.CONFIRMED, Status.WAITLISTED):
            raise RegistrationError(
                _("Attendance has been recorded; the registration cannot be cancelled."),
                code="recorded",
            )
        held_seat = current.status == Status.CONFIRMED
        current.status = Status.CANCELLED
        current.queued = None
        reservation_id = current.reservation_id
        current.reservation = None
        current.save()
        log_action(
            action="training.registration.cancelled",
            actor=by,
            target=current,
            municipality_id=current.municipality_id,
            data={"session": current.session.code},
        )
        if held_seat:
            seats.free_seat(session_id=current.session_id, reservation_id=reservation_id)
            waitlist.waitlist_promote(session_id=current.session_id)
    return current


def waitlist_position(registration: Registration) -> int | None:
    if registration.status != Status.WAITLISTED:
        return None
    ahead = Registration.objects.with_scopes_disabled().filter(
        session_id=registration.session_id, status=Status.WAITLISTED
    )
    return (
        ahead.filter(queued__lt=registration.queued).count()
        + ahead.filter(queued=registration.queued, pk__lt=registration.pk).count()
        + 1
    )


def session_change_capacity(*, session: Session, capacity: int, by: User) -> Session:
    """Change the number of seats; more seats go to the waiting line at once."""
    with transaction.atomic():
        current = Session.objects.select_for_update().get(pk=session.pk)
        if capacity < current.seats_taken + current.reserved_free:
            raise ValidationError(
                ngettext(
                    "%(taken)s seat is taken or reserved; the capacity cannot be lower.",
                    "%(taken)s seats are taken or reserved; the capacity cannot be lower.",
                    current.seats_taken + current.reserved_free,
                )
                % {"taken": current.seats_taken + current.reserved_free},
                code="capacity_too_low",
            )
        old = current.capacity
        current.capacity = capacity
        current.save(update_fields=["capacity"])
        log_action(
            action="training.session.capacity_changed",
            actor=by,
            target=current,
            data={"from": old, "to": capacity},
        )
        if capacity > old:
            waitlist.waitlist_promote(session_id=current.pk)
    return current


def reservation_set(
    *, session: Session, municipality_id: int, seats_reserved: int, by: User
) -> SeatReservation:
    """Hold `seats_reserved` seats of a session for one municipality's staff."""
    with transaction.atomic():
        current = Session.objects.select_for_update().get(pk=session.pk)
        reservation, _created = SeatReservation.objects.select_for_update().get_or_create(
            session=current, municipality_id=municipality_id, defaults={"seats": 0}
        )
        if reservation.released:
            raise ValidationError(_("The reserved seats have already been released."))
        change = (seats_reserved - reservation.seats_taken) - (
            reservation.seats - reservation.seats_taken
        )
        if seats_reserved < reservation.seats_taken:
            raise ValidationError(_("More seats than that are already taken."))
        if current.seats_taken + current.reserved_free + change > current.capacity:
            raise ValidationError(_("Reserved seats cannot exceed the free seats."))
        reservation.seats = seats_reserved
        reservation.save(update_fields=["seats"])
        current.reserved_free += change
        if current.reservations_release_at is None:
            current.reservations_release_at = current.starts - dt.timedelta(
                days=settings.GRANNAR_RESERVATION_RELEASE_DAYS
            )
        current.save(update_fields=["reserved_free", "reservations_release_at"])
        _schedule_release(current)
        log_action(
            action="training.reservation.set",
            actor=by,
            target=current,
            municipality_id=municipality_id,
            data={"seats": seats_reserved},
        )
    return reservation


def check_hours(session: Session, hours: Decimal | None) -> None:
    if hours is not None and not (Decimal(0) < hours <= session.credited_hours):
        raise ValidationError(
            _("Attended hours must be more than 0 and at most %(hours)s.")
            % {"hours": session.credited_hours},
            code="hours_range",
        )


def attendance_record(
    *,
    registration: Registration,
    present: bool,
    by: User | None,
    method: str,
    hours: Decimal | None = None,
) -> Registration:
    """Mark someone present (all or `hours` of the session) or absent (a no-show), once the
    session has started; an attendance a signed monthly attestation covers stays as it is."""
    check_session_started(registration.session)
    check_hours(registration.session, hours)
    with transaction.atomic():
        current = (
            Registration.objects.with_scopes_disabled()
            .select_for_update(of=("self",))
            .select_related("session__course", "attendance")
            .get(pk=registration.pk)
        )
        if current.status in (Status.CANCELLED, Status.WAITLISTED):
            raise RegistrationError(
                _("Only someone with a seat can be marked present or absent."), code="no_seat"
            )
        if covering_attestation(current) is not None:
            if present and current.attendance.hours == hours:
                return current
            raise _attested_error(current)
        current.status = Status.ATTENDED if present else Status.NO_SHOW
        current.save(update_fields=["status", "changed"])
        if present:
            Attendance.objects.update_or_create(
                registration=current,
                defaults={"hours": hours, "method": method, "recorded_by": by},
            )
            attendance_recorded_after_commit([current.pk])
        else:
            Attendance.objects.filter(registration=current).delete()
        _refresh_rollups(current)
        log_action(
            action=f"training.attendance.{'present' if present else 'absent'}",
            actor=by,
            target=current,
            municipality_id=current.municipality_id,
            data={"method": method, "hours": str(hours) if hours is not None else "all"},
        )
    return current


def _refresh_rollups(registration: Registration) -> None:
    """Recount the figures' rollups for a registration whose attendance changed."""
    programme = registration.session.course.programme
    if programme is not None:
        rollups.refresh(
            programme, person_ids=[registration.person_id], session_ids=[registration.session_id]
        )


def _refresh_course(course: Course, programmes) -> None:
    """Recount the rollups of a course's sessions in each of these programmes."""
    sessions = list(Session.objects.filter(course=course).values_list("pk", flat=True))
    for programme in {p.pk: p for p in programmes if p is not None}.values():
        rollups.refresh_sessions(programme, sessions)


def check_session_started(session: Session, *, now: dt.datetime | None = None) -> None:
    """Attendance is recorded from the start of the session, never before."""
    if session.starts > (now or timezone.now()):
        raise RegistrationError(
            _("The session has not started yet; attendance can be recorded from %(start)s.")
            % {"start": f"{timezone.localtime(session.starts):%Y-%m-%d %H:%M}"},
            code="not_started",
        )


def _attested_error(registration: Registration) -> RegistrationError:
    month = timezone.localtime(registration.session.starts)
    return RegistrationError(
        _(
            "The participant has already attested their hours for %(month)s, and the "
            "attestation includes this session; the attendance cannot be changed."
        )
        % {"month": f"{month:%Y-%m}"},
        code="attested",
    )


def attendance_undo(*, registration: Registration, by: User) -> Registration:
    """Take back a present or absent mark: the registration is confirmed again, unmarked.
    Refused while a signed monthly attestation covers the attendance."""
    with transaction.atomic():
        current = (
            Registration.objects.with_scopes_disabled()
            .select_for_update(of=("self",))
            .select_related("session__course")
            .get(pk=registration.pk)
        )
        if current.status not in (Status.ATTENDED, Status.NO_SHOW):
            raise RegistrationError(
                _("The attendance is not marked; there is nothing to undo."), code="not_marked"
            )
        if covering_attestation(current) is not None:
            raise _attested_error(current)
        previous = current.status
        current.status = Status.CONFIRMED
        current.save(update_fields=["status", "changed"])
        Attendance.objects.filter(registration=current).delete()
        _refresh_rollups(current)
        log_action(
            action="training.attendance.undone",
            actor=by,
            target=current,
            municipality_id=current.municipality_id,
            data={"session": current.session.code, "was": previous},
        )
    return current


def checkin(*, person: Person, code: str, by: User) -> Registration:
    """Self check-in with the session's code, from the start: the whole session counts as
    attended. A registration already marked present stays as it was recorded."""
    registration = (
        Registration.objects.with_scopes_disabled()
        .filter(
            person=person,
            session__in=checkin_sessions(code=code),
            status__in=[Status.CONFIRMED, Status.ATTENDED, Status.NO_SHOW],
        )
        .select_related("session")
        .first()
    )
    if registration is None:
        raise RegistrationError(
            _("The code is not valid now, or you have no seat on that session."), code="no_checkin"
        )
    if registration.session.starts > timezone.now():
        raise RegistrationError(
            _("The session starts at %(time)s; you can check in from then.")
            % {"time": f"{timezone.localtime(registration.session.starts):%H:%M}"},
            code="not_started",
        )
    if registration.status == Status.ATTENDED:
        # Already present (perhaps part of the session, as the trainer marked): keep that.
        return registration
    return attendance_record(
        registration=registration, present=True, by=by, method=Attendance.Method.CHECKIN
    )


def attestation_create(*, person: Person, programme, month, by: User) -> MonthlyAttestation:
    """The participant attests the month's hours, as the statement shown to them says."""
    entry = next(
        (
            e
            for e in attestable_months(person_id=person.pk)
            if e["programme"].pk == programme.pk and e["month"] == month
        ),
        None,
    )
    if entry is None:
        raise RegistrationError(_("There is nothing to attest for that month."), code="nothing")
    if entry["attestation"] is not None:
        return entry["attestation"]
    try:
        with transaction.atomic():
            attestation = MonthlyAttestation.objects.create(
                person=person,
                programme=programme,
                month=month,
                hours=entry["hours"],
                statement=entry["statement"],
                attested_by=by,
            )
            log_action(
                action="training.attestation.created",
                actor=by,
                target=attestation,
                municipality_id=person.municipality_id,
                data={"month": f"{month:%Y-%m}", "hours": entry["hours"]},
            )
    except IntegrityError:
        # Attested twice at once (a double click): the first one stands.
        attestation = MonthlyAttestation.objects.get(
            person=person, programme=programme, month=month
        )
    return attestation


def course_save(*, form, by: User):
    """Create or change a course from a valid CourseForm."""
    with transaction.atomic():
        created = form.instance.pk is None
        before = None if created else Course.objects.get(pk=form.instance.pk).programme
        course = form.save()
        if not created and {"programme", "subgoals"} & set(form.changed_data):
            _refresh_course(course, [before, course.programme])
        log_action(
            action="training.course.created" if created else "training.course.changed",
            actor=by,
            target=course,
            data={"fields": sorted(form.changed_data)},
        )
    return course


class HandoverError(ValidationError):
    """A handover to the regular catalogue that the rules do not allow; the message says why."""


def course_hand_over(
    *, course: Course, on: dt.date, receiving_organiser: str, by: User | None
) -> Course:
    """Hand a programme course over to the regular catalogue from the day `on`: its sessions
    that start later stay bookable but count in no programme figure."""
    organiser = receiving_organiser.strip()
    with transaction.atomic():
        current = (
            Course.objects.select_for_update(of=("self",))
            .select_related("programme")
            .get(pk=course.pk)
        )
        if current.programme is None:
            raise HandoverError(
                _("The course is in the regular catalogue already and cannot be handed over.")
            )
        if current.handed_over_on is not None:
            raise HandoverError(
                _("The course was handed over on %(date)s already.")
                % {"date": current.handed_over_on.isoformat()}
            )
        if on < current.programme.starts:
            raise HandoverError(
                _("Handover date: %(date)s is before the programme starts (%(starts)s).")
                % {"date": on.isoformat(), "starts": current.programme.starts.isoformat()}
            )
        if not organiser:
            raise HandoverError(_("Receiving organiser: say who takes the course over."))
        if len(organiser) > 200:
            raise HandoverError(_("Receiving organiser: at most 200 characters."))
        current.handed_over_on = on
        current.receiving_organiser = organiser
        current.save(update_fields=["handed_over_on", "receiving_organiser"])
        _refresh_course(current, [current.programme])
        log_action(
            action="training.course.handed_over",
            actor=by,
            target=current,
            data={"on": on.isoformat()},
        )
    return current


def session_save(*, form, by: User) -> Session:
    """Create or change a session from a valid SessionForm; new capacity goes to the line."""
    with transaction.atomic():
        created = form.instance.pk is None
        capacity = form.cleaned_data["capacity"]
        before = None
        if not created:
            stored = Session.objects.select_for_update().get(pk=form.instance.pk)
            before = stored.course.programme
            form.instance.capacity = stored.capacity  # changed below, with promotion
            form.instance.seats_taken = stored.seats_taken
            form.instance.reserved_free = stored.reserved_free
        # Reserved seats go to everyone at some time; without one, a week before the start.
        if not created and SeatReservation.objects.filter(session=form.instance).exists():
            form.instance.reservations_release_at = form.instance.reservations_release_at or (
                form.instance.starts - dt.timedelta(days=settings.GRANNAR_RESERVATION_RELEASE_DAYS)
            )
        session = form.save()
        if not created and {"course", "starts", "credited_hours"} & set(form.changed_data):
            for programme in {p.pk: p for p in (before, session.course.programme) if p}.values():
                rollups.refresh_sessions(programme, [session.pk])
        log_action(
            action="training.session.created" if created else "training.session.changed",
            actor=by,
            target=session,
            data={"fields": sorted(form.changed_data)},
        )
        if not created and capacity != session.capacity:
            session = session_change_capacity(session=session, capacity=capacity, by=by)
        notifications.schedule_reminder(session)
        _schedule_release(session)
    return session


def session_cancel(*, session: Session, by: User) -> int:
    """Cancel a session: every registration is cancelled and everyone is told."""
    with transaction.atomic():
        current = Session.objects.select_for_update().get(pk=session.pk)
        if current.status == Session.Status.CANCELLED:
            return 0
        registrations = list(
            Registration.objects.with_scopes_disabled()
            .select_for_update()
            .filter(session=current, status__in=[Status.CONFIRMED, Status.WAITLISTED])
            .select_related("person", "session__course")
        )
        for registration in registrations:
            registration.status = Status.CANCELLED
            registration.queued = None
            registration.reservation = None
            registration.save(update_fields=["status", "queued", "reservation", "changed"])
            notifications.session_cancelled(registration)
        current.status = Session.Status.CANCELLED
        current.seats_taken = (
            Registration.objects.with_scopes_disabled()
            .filter(session=current, status__in=Registration.HOLDS_SEAT)
            .count()
        )
        current.reserved_free = 0
        current.save(update_fields=["status", "seats_taken", "reserved_free"])
        SeatReservation.objects.filter(session=current).update(released=True)
        log_action(
            action="training.session.cancelled",
            actor=by,
            target=current,
            data={"registrations": len(registrations)},
        )
    return len(registrations)


def _schedule_release(session: Session) -> None:
    release_at = session.reservations_release_at
    if release_at is None or not release_reserved_seats.get_backend().supports_defer:
        return
    transaction.on_commit(
        lambda: release_reserved_seats.using(run_after=release_at).enqueue(session_id=session.pk)
    )

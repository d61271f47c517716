import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_scopes import scopes_disabled

from grannar.core.models import AuditEvent
from grannar.training.models import Registration, SeatReservation, Session
from grannar.training.services import (
    RegistrationError,
    registration_cancel,
    registration_create,
    reservation_set,
    session_change_capacity,
    waitlist_position,
)
from tests.factories import make_person, make_session

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]
Status = Registration.Status


@pytest.fixture
def admin(world):
    return world["users"]["admin"]


def people(municipality, count, prefix="p"):
    return [
        make_person(municipality=municipality, email=f"{prefix}{n}@test.example")
        for n in range(count)
    ]


def reload(session) -> Session:
    return Session.objects.get(pk=session.pk)


def test_seats_then_waiting_list_in_order(world, admin):
    session = make_session(programme=world["programme"], capacity=2)
    regs = [
        registration_create(session=session, person=p, by=admin) for p in people(world["own"], 4)
    ]
    assert [r.status for r in regs] == [Status.CONFIRMED] * 2 + [Status.WAITLISTED] * 2
    assert [waitlist_position(r) for r in regs] == [None, None, 1, 2]
    assert reload(session).seats_taken == 2
    assert AuditEvent.objects.filter(action="training.registration.waitlisted").count() == 2


def test_nobody_holds_two_registrations_for_one_session(world, admin):
    session = make_session(programme=world["programme"])
    person = world["own_person"]
    registration_create(session=session, person=person, by=admin)
    with pytest.raises(RegistrationError) as error:
        registration_create(session=session, person=person, by=admin)
    assert error.value.code == "duplicate"
    assert Registration.objects.filter(session=session).count() == 1
    assert reload(session).seats_taken == 1


def test_cancel_promotes_the_first_in_line_and_tells_them(
    world, admin, django_capture_on_commit_callbacks
):
    session = make_session(programme=world["programme"], capacity=1)
    first, second, third = (
        registration_create(session=session, person=p, by=admin) for p in people(world["own"], 3)
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=first, by=admin)
    second.refresh_from_db()
    third.refresh_from_db()
    assert second.status == Status.CONFIRMED
    assert third.status == Status.WAITLISTED
    assert waitlist_position(third) == 1
    assert reload(session).seats_taken == 1
    assert [m.to for m in mail.outbox] == [[second.person.email]]
    assert "text/calendar" in mail.outbox[0].attachments[0][2]


def test_cancelling_a_waitlisted_registration_frees_no_seat(world, admin):
    session = make_session(programme=world["programme"], capacity=1)
    one, two = (
        registration_create(session=session, person=p, by=admin) for p in people(world["own"], 2)
    )
    registration_cancel(registration=two, by=admin)
    assert reload(session).seats_taken == 1
    one.refresh_from_db()
    assert one.status == Status.CONFIRMED


def test_raised_capacity_promotes_waiting_people(world, admin):
    session = make_session(programme=world["programme"], capacity=1)
    regs = [
        registration_create(session=session, person=p, by=admin) for p in people(world["own"], 4)
    ]
    session_change_capacity(session=session, capacity=3, by=admin)
    statuses = [Registration.objects.get(pk=r.pk).status for r in regs]
    assert statuses == [Status.CONFIRMED] * 3 + [Status.WAITLISTED]


def test_capacity_cannot_drop_below_taken_seats(world, admin):
    session = make_session(programme=world["programme"], capacity=3)
    for p in people(world["own"], 2):
        registration_create(session=session, person=p, by=admin)
    with pytest.raises(ValidationError) as error:
        session_change_capacity(session=session, capacity=1, by=admin)
    assert error.value.code == "capacity_too_low"
    assert reload(session).capacity == 3


def test_re_registration_after_cancel_goes_to_the_back(world, admin):
    session = make_session(programme=world["programme"], capacity=1)
    a, b, c = people(world["own"], 3)
    registration_create(session=session, person=a, by=admin)
    rb = registration_create(session=session, person=b, by=admin)
    registration_cancel(registration=rb, by=admin)
    registration_create(session=session, person=c, by=admin)
    again = registration_create(session=session, person=b, by=admin)
    assert again.pk == rb.pk
    assert waitlist_position(again) == 2


def test_reserved_seats_are_held_for_their_municipality(world, admin):
    session = make_session(programme=world["programme"], capacity=3)
    reservation_set(session=session, municipality_id=world["own"].pk, seats_reserved=2, by=admin)
    others = [
        registration_create(session=session, person=p, by=admin)
        for p in people(world["other"], 2, "o")
    ]
    assert [r.status for r in others] == [Status.CONFIRMED, Status.WAITLISTED]
    own = [
        registration_create(session=session, person=p, by=admin)
        for p in people(world["own"], 3, "w")
    ]
    assert [r.status for r in own] == [Status.CONFIRMED, Status.CONFIRMED, Status.WAITLISTED]
    assert own[0].reservation is not None
    session = reload(session)
    assert (session.seats_taken, session.reserved_free) == (3, 0)
    # A reserved seat given back returns to the municipality, not to the first in line.
    registration_cancel(registration=own[0], by=admin)
    assert Registration.objects.get(pk=own[2].pk).status == Status.CONFIRMED
    assert Registration.objects.get(pk=others[1].pk).status == Status.WAITLISTED


def test_reserved_seats_are_released_to_everyone_at_the_release_time(world, admin):
    session = make_session(programme=world["programme"], capacity=2)
    reservation_set(session=session, municipality_id=world["own"].pk, seats_reserved=2, by=admin)
    waiting = registration_create(session=session, person=world["other_person"], by=admin)
    assert waiting.status == Status.WAITLISTED
    Session.objects.filter(pk=session.pk).update(
        reservations_release_at=timezone.now() - dt.timedelta(minutes=1)
    )
    late = registration_create(
        session=session, person=make_person(municipality=world["other"]), by=admin
    )
    assert late.status == Status.CONFIRMED
    assert SeatReservation.objects.get().released
    assert Registration.objects.get(pk=waiting.pk).status == Status.CONFIRMED


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"status": Session.Status.CANCELLED}, "cancelled"),
        ({"registration_closes": timezone.now() - dt.timedelta(hours=1)}, "closed"),
        ({"registration_opens": timezone.now() + dt.timedelta(hours=1)}, "not_open"),
    ],
)
def test_registration_refused_outside_the_window(world, admin, change, code):
    session = make_session(programme=world["programme"], **change)
    with pytest.raises(RegistrationError) as error:
        registration_create(session=session, person=world["own_person"], by=admin)
    assert error.value.code == code
    assert not Registration.objects.exists()


def test_who_may_register_whom(world):
    session = make_session(programme=world["programme"])
    users = world["users"]
    coordinator, participant = users["coordinator"], users["participant"]
    registration_create(session=session, person=world["own_person"], by=coordinator)
    with pytest.raises(RegistrationError):
        registration_create(session=session, person=world["other_person"], by=coordinator)
    registration_create(session=session, person=participant.person, by=participant)
    with pytest.raises(RegistrationError):
        registration_create(session=session, person=world["other_person"], by=participant)


def test_participant_cancels_until_the_deadline_only(world):
    participant = world["users"]["participant"]
    session = make_session(
        programme=world["programme"], cancellation_deadline=timezone.now() + dt.timedelta(days=1)
    )
    registration = registration_create(session=session, person=participant.person, by=participant)
    Session.objects.filter(pk=session.pk).update(
        cancellation_deadline=timezone.now() - dt.timedelta(minutes=1)
    )
    registration.session.refresh_from_db()
    with pytest.raises(RegistrationError) as error:
        registration_cancel(registration=registration, by=participant)
    assert error.value.code == "deadline"
    registration_cancel(registration=registration, by=world["users"]["coordinator"])
    assert Registration.objects.get(pk=registration.pk).status == Status.CANCELLED


def test_confirmation_email_with_calendar_file_after_commit(
    world, admin, django_capture_on_commit_callbacks
):
    session = make_session(programme=world["programme"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        registration_create(session=session, person=world["own_person"], by=admin)
        assert not mail.outbox
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject.startswith("Din plats:")
    assert session.course.title in message.body
    _name, content, mimetype = message.attachments[0]
    assert "BEGIN:VEVENT" in content
    assert mimetype.startswith("text/calendar")


def test_no_email_when_the_transaction_rolls_back(world, admin, django_capture_on_commit_callbacks):
    from django.db import transaction

    session = make_session(programme=world["programme"])

    def register_then_fail():
        with transaction.atomic():
            registration_create(session=session, person=world["own_person"], by=admin)
            raise RuntimeError

    with django_capture_on_commit_callbacks(execute=True), pytest.raises(RuntimeError):
        register_then_fail()
    assert not mail.outbox
    with scopes_disabled():
        assert not Registration.objects.exists()
    assert reload(session).seats_taken == 0


def test_reserved_seats_release_time_defaults_to_a_week_before(world, admin, settings):
    settings.GRANNAR_RESERVATION_RELEASE_DAYS = 7
    session = make_session(programme=world["programme"], capacity=5, days_ahead=20)
    reservation_set(session=session, municipality_id=world["own"].pk, seats_reserved=2, by=admin)
    assert reload(session).reservations_release_at == session.starts - dt.timedelta(days=7)


def test_email_in_english_for_who_chose_english(world, admin, django_capture_on_commit_callbacks):
    participant = world["users"]["participant"]
    participant.language = "en"
    participant.save()
    session = make_session(programme=world["programme"])
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(session=session, person=participant.person, by=participant)
    assert mail.outbox[-1].subject.startswith("Your seat:")


def test_release_job_promotes_the_waiting_line(world, admin):
    from grannar.training.tasks import release_reserved_seats

    session = make_session(programme=world["programme"], capacity=1)
    reservation_set(session=session, municipality_id=world["own"].pk, seats_reserved=1, by=admin)
    waiting = registration_create(session=session, person=world["other_person"], by=admin)
    assert release_reserved_seats.call(session_id=session.pk) == 0  # not yet time
    Session.objects.filter(pk=session.pk).update(
        reservations_release_at=timezone.now() - dt.timedelta(seconds=1)
    )
    assert release_reserved_seats.call(session_id=session.pk) == 1
    assert Registration.objects.get(pk=waiting.pk).status == Status.CONFIRMED
    assert AuditEvent.objects.filter(action="training.reservation.released").exists()


def test_release_job_is_queued_for_the_release_time(
    world, admin, settings, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    session = make_session(programme=world["programme"], capacity=3, days_ahead=20)
    with django_capture_on_commit_callbacks(execute=True):
        reservation_set(
            session=session, municipality_id=world["own"].pk, seats_reserved=1, by=admin
        )
    queued = [r for r in default_task_backend.results if r.task.name == "release_reserved_seats"]
    assert [r.task.run_after for r in queued] == [session.starts - dt.timedelta(days=7)]


def _claims_after(monkeypatch, between):
    """Run `between(session_id)` once, after the registration has read the seat counters and
    before its transaction, as another person's registration or cancellation landing in that
    instant would. Returns the list of seat claims made from then on."""
    from grannar.training import seats

    read, claim = seats.seen_counts, seats.claim_seat
    ran, calls = [], []

    def read_then_between(session_id):
        counts = read(session_id)
        if not ran:
            ran.append(True)
            between(session_id)
            calls.clear()
        return counts

    def counted_claim(**kwargs):
        calls.append(kwargs)
        return claim(**kwargs)

    monkeypatch.setattr(seats, "seen_counts", read_then_between)
    monkeypatch.setattr(seats, "claim_seat", counted_claim)
    return calls


def test_a_seat_taken_between_read_and_claim_sends_the_person_to_the_line(
    world, admin, monkeypatch
):
    session = make_session(programme=world["programme"], capacity=1)
    first, second = people(world["own"], 2)

    def someone_takes_it(session_id):
        registration_create(session=Session.objects.get(pk=session_id), person=first, by=admin)

    calls = _claims_after(monkeypatch, someone_takes_it)
    registration = registration_create(session=session, person=second, by=admin)
    assert len(calls) == 2  # hoping for the seat the counters showed, then again for the line
    assert registration.status == Status.WAITLISTED
    assert Registration.objects.filter(session=session).count() == 2
    assert reload(session).seats_taken == 1
    mine = AuditEvent.objects.filter(
        target_type="training.registration", target_id=str(registration.pk)
    )
    assert [event.action for event in mine] == ["training.registration.waitlisted"]


def test_a_seat_freed_between_read_and_claim_is_taken(world, admin, monkeypatch):
    session = make_session(programme=world["programme"], capacity=1)
    first, second = people(world["own"], 2)
    held = registration_create(session=session, person=first, by=admin)
    calls = _claims_after(
        monkeypatch, lambda session_id: registration_cancel(registration=held, by=admin)
    )
    registration = registration_create(session=session, person=second, by=admin)
    assert len(calls) == 2  # ours expecting the line, then ours again for the free seat
    assert registration.status == Status.CONFIRMED
    assert waitlist_position(registration) is None
    assert reload(session).seats_taken == 1
    mine = AuditEvent.objects.filter(
        target_type="training.registration", target_id=str(registration.pk)
    )
    assert [event.action for event in mine] == ["training.registration.confirmed"]

import datetime as dt

import pytest
from django.core import mail
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from grannar.training.models import Course, Registration, SeatReservation, Session
from grannar.training.notifications import send_session_reminders
from grannar.training.services import registration_create
from tests.factories import make_session, sign_in

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def admin_client(client, world):
    sign_in(client, world["users"]["admin"])
    return client


def local(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def test_admin_creates_a_course_with_subgoals_of_its_programme(admin_client, world):
    programme = world["programme"]
    subgoal = programme.subgoals.get(number=1)
    data = {
        "programme": programme.pk,
        "code": "trauma-1",
        "title": "Trauma och bemötande",
        "credited_hours": "3",
        "status": "published",
        "subgoals": [subgoal.pk],
    }
    response = admin_client.post(reverse("training:course_create"), data)
    course = Course.objects.get(code="trauma-1")
    assert response["Location"] == reverse("training:course_edit", args=[course.pk])
    assert list(course.subgoals.all()) == [subgoal]
    refused = admin_client.post(
        reverse("training:course_create"), {**data, "code": "x", "credited_hours": "0"}
    )
    assert "credited_hours" in refused.context["form"].errors


def test_session_form_validates_times_and_window(admin_client, world):
    course = make_session(programme=world["programme"]).course
    starts = timezone.now() + dt.timedelta(days=20)
    data = {
        "course": course.pk,
        "code": "ny-1",
        "starts": local(starts),
        "ends": local(starts - dt.timedelta(hours=1)),
        "capacity": "20",
        "registration_closes": local(starts + dt.timedelta(days=1)),
    }
    refused = admin_client.post(reverse("training:session_create"), data)
    errors = refused.context["form"].errors
    assert "ends" in errors
    assert "registration_closes" in errors
    assert not Session.objects.filter(code="ny-1").exists()
    data.update(
        ends=local(starts + dt.timedelta(hours=2)),
        registration_closes=local(starts - dt.timedelta(days=1)),
    )
    admin_client.post(reverse("training:session_create"), data)
    session = Session.objects.get(code="ny-1")
    assert session.credited_hours == course.credited_hours


def test_raising_capacity_in_the_form_promotes_the_line(admin_client, world):
    session = make_session(programme=world["programme"], capacity=1)
    admin = world["users"]["admin"]
    first = registration_create(session=session, person=world["own_person"], by=admin)
    second = registration_create(session=session, person=world["other_person"], by=admin)
    form = admin_client.get(reverse("training:session_edit", args=[session.pk])).context["form"]
    data = {k: v for k, v in form.initial.items() if v not in (None, "")}
    data.update(starts=local(session.starts), ends=local(session.ends), capacity="2", trainers=[])
    data.pop("id", None)
    response = admin_client.post(reverse("training:session_edit", args=[session.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    with scopes_disabled():
        assert Registration.objects.get(pk=second.pk).status == Status.CONFIRMED
        assert Registration.objects.get(pk=first.pk).status == Status.CONFIRMED
    data["capacity"] = "1"
    refused = admin_client.post(reverse("training:session_edit", args=[session.pk]), data)
    assert "capacity" in refused.context["form"].errors


def test_reserve_seats_and_refuse_too_many(admin_client, world):
    session = make_session(programme=world["programme"], capacity=3)
    url = reverse("training:reserve", args=[session.pk])
    admin_client.post(url, {"municipality": world["own"].pk, "seats": 2})
    assert SeatReservation.objects.get().seats == 2
    response = admin_client.post(url, {"municipality": world["other"].pk, "seats": 2}, follow=True)
    assert "inte vara fler än de lediga platserna" in response.content.decode()
    assert Session.objects.get(pk=session.pk).reserved_free == 2


def test_cancel_a_session_tells_everyone(admin_client, world, django_capture_on_commit_callbacks):
    session = make_session(programme=world["programme"], capacity=1)
    admin = world["users"]["admin"]
    registration_create(session=session, person=world["own_person"], by=admin)
    registration_create(session=session, person=world["other_person"], by=admin)
    mail.outbox.clear()
    url = reverse("training:session_cancel", args=[session.pk])
    admin_client.post(url, {})
    assert Session.objects.get(pk=session.pk).status == Session.Status.SCHEDULED
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(url, {"confirm": "on"})
    session = Session.objects.get(pk=session.pk)
    assert session.status == Session.Status.CANCELLED
    assert session.seats_taken == 0
    with scopes_disabled():
        assert set(Registration.objects.values_list("status", flat=True)) == {Status.CANCELLED}
    assert len(mail.outbox) == 2
    assert all(m.subject.startswith("Inställt:") for m in mail.outbox)


def test_reminder_goes_once_to_those_with_a_seat(world, django_capture_on_commit_callbacks):
    session = make_session(programme=world["programme"], capacity=1)
    admin = world["users"]["admin"]
    registration_create(session=session, person=world["own_person"], by=admin)
    registration_create(session=session, person=world["other_person"], by=admin)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_session_reminders.call(
            session_id=session.pk, expected_starts=session.starts.isoformat()
        )
    assert sent == 1
    assert [m.to for m in mail.outbox] == [[world["own_person"].email]]
    assert mail.outbox[0].subject.startswith("Påminnelse:")
    again = send_session_reminders.call(
        session_id=session.pk, expected_starts=session.starts.isoformat()
    )
    assert again == 0


def test_a_moved_session_gets_no_stale_reminder(world):
    session = make_session(programme=world["programme"])
    assert (
        send_session_reminders.call(
            session_id=session.pk, expected_starts="2000-01-01T00:00:00+00:00"
        )
        == 0
    )


@override_settings(TASKS={"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}})
def test_reminder_is_queued_for_two_days_before(
    admin_client, world, django_capture_on_commit_callbacks
):
    from django_tasks import default_task_backend

    course = make_session(programme=world["programme"]).course
    starts = (timezone.now() + dt.timedelta(days=10)).replace(second=0, microsecond=0)
    data = {
        "course": course.pk,
        "code": "rem-1",
        "starts": local(starts),
        "ends": local(starts + dt.timedelta(hours=2)),
        "capacity": "5",
    }
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("training:session_create"), data)
    queued = [r for r in default_task_backend.results if r.task.name == "send_session_reminders"]
    assert len(queued) == 1
    assert queued[0].task.run_after == starts - dt.timedelta(days=2)

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from grannar.core.models import AuditEvent
from grannar.training.models import Attendance, MonthlyAttestation, Registration, Session
from grannar.training.services import registration_create
from tests.factories import make_person, make_session, sign_in

pytestmark = pytest.mark.django_db
Status = Registration.Status


@pytest.fixture
def session(world):
    session = make_session(programme=world["programme"], capacity=1)
    session.trainers.add(world["users"]["trainer"])
    return session


def status_of(registration) -> str:
    with scopes_disabled():
        return Registration.objects.get(pk=registration.pk).status


def test_catalogue_filters(client, world):
    programme = world["programme"]
    subgoal = programme.subgoals.get(number=3)
    tagged = make_session(programme=programme, host_municipality=world["own"], days_ahead=40)
    tagged.course.subgoals.add(subgoal)
    full = make_session(programme=programme, capacity=1)
    registration_create(session=full, person=world["own_person"], by=world["users"]["admin"])
    sign_in(client, world["users"]["participant"])
    url = reverse("training:catalogue")
    assert client.get(url).context["page"].paginator.count == 2
    assert list(client.get(url, {"subgoal": 3}).context["page"].object_list) == [tagged]
    assert list(client.get(url, {"municipality": world["own"].pk}).context["page"]) == [tagged]
    assert list(client.get(url, {"free_only": "on"}).context["page"].object_list) == [tagged]
    month = f"{timezone.localtime(tagged.starts):%Y-%m}"
    assert tagged in client.get(url, {"month": month}).context["page"].object_list
    bad = client.get(url, {"month": "not-a-month"})
    assert bad.status_code == 200
    assert "month" in bad.context["form"].errors


def test_session_page_shows_seats_left_and_waiting(client, world, session):
    admin = world["users"]["admin"]
    registration_create(session=session, person=world["own_person"], by=admin)
    registration_create(session=session, person=world["other_person"], by=admin)
    sign_in(client, world["users"]["participant"])
    response = client.get(reverse("training:session", args=[session.pk]))
    assert response.context["waiting"] == 1
    content = response.content.decode()
    assert "Ställ dig på reservlistan" in content
    assert "0 / 1" in content


def test_participant_registers_and_cancels(client, world, session):
    participant = world["users"]["participant"]
    sign_in(client, participant)
    response = client.post(reverse("training:register", args=[session.pk]), follow=True)
    assert "Du har en plats." in response.content.decode()
    with scopes_disabled():
        registration = Registration.objects.get(session=session, person=participant.person)
    assert registration.status == Status.CONFIRMED
    again = client.post(reverse("training:register", args=[session.pk]), follow=True)
    assert "redan anmäld" in again.content.decode()
    client.post(reverse("training:cancel", args=[registration.pk]))
    assert status_of(registration) == Status.CANCELLED


def test_full_session_puts_the_participant_in_line(client, world, session):
    registration_create(session=session, person=world["own_person"], by=world["users"]["admin"])
    sign_in(client, world["users"]["participant"])
    response = client.post(reverse("training:register", args=[session.pk]), follow=True)
    assert "reservlistan" in response.content.decode()


def test_nobody_cancels_someone_elses_registration(client, world, session):
    registration = registration_create(
        session=session, person=world["other_person"], by=world["users"]["admin"]
    )
    sign_in(client, world["users"]["coordinator"])  # Mölndal; the person is in Partille
    assert client.post(reverse("training:cancel", args=[registration.pk])).status_code == 404
    assert status_of(registration) == Status.CONFIRMED


def test_coordinator_registers_own_staff_only(client, world):
    session = make_session(programme=world["programme"], capacity=1)
    extra = make_person(municipality=world["own"], email="extra@test.example")
    sign_in(client, world["users"]["coordinator"])
    url = reverse("training:register_staff", args=[session.pk])
    page = client.get(url)
    offered = set(page.context["form"].fields["people"].queryset.values_list("pk", flat=True))
    assert world["own_person"].pk in offered
    assert world["other_person"].pk not in offered
    response = client.post(url, {"people": [world["own_person"].pk, extra.pk]}, follow=True)
    assert "1 person anmäld med plats, 1 person på reservlistan." in response.content.decode()
    refused = client.post(url, {"people": [world["other_person"].pk]})
    assert refused.status_code == 200
    assert "people" in refused.context["form"].errors


def test_trainer_marks_attendance_with_htmx(client, world, session):
    registration = registration_create(
        session=session, person=world["own_person"], by=world["users"]["admin"]
    )
    start_now(session)
    sign_in(client, world["users"]["trainer"])
    page = client.get(reverse("training:attendance", args=[session.pk]))
    assert world["own_person"].full_name in page.content.decode()
    url = reverse("training:mark_attendance", args=[registration.pk])
    row = client.post(url, {"present": "yes", "hours": "1.5"}, HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    assert "<html" not in row.content.decode()
    assert status_of(registration) == Status.ATTENDED
    with scopes_disabled():
        attendance = Attendance.objects.get(registration=registration)
    assert attendance.hours == Decimal("1.5")
    assert attendance.method == Attendance.Method.TRAINER
    too_many = client.post(url, {"present": "yes", "hours": "9"}, HTTP_HX_REQUEST="true")
    assert "högst 3" in too_many.content.decode()
    client.post(url, {"present": "no"}, HTTP_HX_REQUEST="true")
    assert status_of(registration) == Status.NO_SHOW
    assert AuditEvent.objects.filter(action="training.attendance.absent").exists()


def test_another_trainer_cannot_mark(client, world, session):
    from tests.factories import make_user

    registration = registration_create(
        session=session, person=world["own_person"], by=world["users"]["admin"]
    )
    other_trainer = make_user(role="trainer", programme=world["programme"])
    sign_in(client, other_trainer)
    url = reverse("training:mark_attendance", args=[registration.pk])
    assert client.post(url, {"present": "yes"}).status_code == 404
    assert status_of(registration) == Status.CONFIRMED


def start_now(session):
    now = timezone.now()
    Session.objects.filter(pk=session.pk).update(
        starts=now - dt.timedelta(minutes=10), ends=now + dt.timedelta(hours=2)
    )


def test_checkin_with_code_during_the_session(client, world, session):
    participant = world["users"]["participant"]
    registration = registration_create(session=session, person=participant.person, by=participant)
    sign_in(client, participant)
    url = reverse("training:checkin")
    early = client.post(url, {"code": session.checkin_code})
    assert "inte giltig nu" in early.content.decode()
    start_now(session)
    wrong = client.post(url, {"code": "XXXXXX"})
    assert wrong.status_code == 200
    assert status_of(registration) == Status.CONFIRMED
    prefilled = client.get(url, {"code": session.checkin_code.lower()})
    assert session.checkin_code.lower() in prefilled.content.decode()
    done = client.post(url, {"code": session.checkin_code.lower()}, follow=True)
    assert "Du är incheckad" in done.content.decode()
    assert status_of(registration) == Status.ATTENDED
    with scopes_disabled():
        assert Attendance.objects.get(registration=registration).method == "checkin"


def test_checkin_code_page_shows_a_qr_code(client, world, session):
    sign_in(client, world["users"]["trainer"])
    response = client.get(reverse("training:checkin_code", args=[session.pk]))
    content = response.content.decode()
    assert session.checkin_code in content
    assert 'src="data:image/svg+xml' in content


def test_monthly_attestation_and_the_auditors_view(client, world):
    participant = world["users"]["participant"]
    session = make_session(programme=world["programme"])
    registration = registration_create(session=session, person=participant.person, by=participant)
    past = timezone.now() - dt.timedelta(days=40)
    Session.objects.filter(pk=session.pk).update(starts=past, ends=past + dt.timedelta(hours=3))
    with scopes_disabled():
        Registration.objects.filter(pk=registration.pk).update(status=Status.ATTENDED)
        Attendance.objects.create(
            registration=registration, hours=Decimal("2.75"), method="trainer"
        )
    sign_in(client, participant)
    page = client.get(reverse("training:attestations"))
    entry = page.context["months"][0]
    assert entry["hours"] == 2  # rounded down
    data = {"programme": world["programme"].pk, "month": entry["month"].isoformat()}
    client.post(reverse("training:attestations"), data)
    client.post(reverse("training:attestations"), data)  # a double click changes nothing
    attestation = MonthlyAttestation.objects.get()
    assert attestation.hours == 2
    assert "omfattande 2 timmar" in attestation.statement
    assert attestation.attested_by == participant

    sign_in(client, world["users"]["auditor"])
    audit = client.get(reverse("training:attestation_audit"))
    assert participant.person.full_name in audit.content.decode()
    assert AuditEvent.objects.filter(action="training.attestation.listed").exists()

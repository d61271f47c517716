"""Marking attendance only from the start, undoing a mark, the session form, and the auditor's
read-only evidence with the filtered attestation list and its export."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled
from openpyxl import load_workbook

from grannar.core.models import AuditEvent
from grannar.training.forms import SessionForm
from grannar.training.models import Attendance, Course, MonthlyAttestation, Registration, Session
from grannar.training.services import (
    RegistrationError,
    attendance_record,
    attendance_undo,
    attestation_create,
    checkin,
    registration_create,
)
from tests.factories import make_person, make_session, make_user, sign_in

pytestmark = pytest.mark.django_db
Status = Registration.Status
TRAINER = Attendance.Method.TRAINER


def move(session: Session, starts: dt.datetime) -> Session:
    Session.objects.filter(pk=session.pk).update(starts=starts, ends=starts + dt.timedelta(hours=3))
    session.refresh_from_db()
    return session


def last_month(day: int) -> dt.datetime:
    """10:00 Swedish time on `day` of the previous month: safely in the past, one month."""
    first = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime(first.year, first.month, day, 10, 0))


@pytest.fixture
def seat(world):
    """A registration of the participant on a session the world's trainer trains."""
    session = make_session(programme=world["programme"])
    session.trainers.add(world["users"]["trainer"])
    participant = world["users"]["participant"]
    return registration_create(session=session, person=participant.person, by=participant)


def reload(registration: Registration) -> Registration:
    with scopes_disabled():
        return Registration.objects.select_related("session__course").get(pk=registration.pk)


# Marking only from the start


def test_attendance_cannot_be_marked_before_the_start(world, seat):
    admin = world["users"]["admin"]
    with pytest.raises(RegistrationError) as refusal:
        attendance_record(registration=seat, present=True, by=admin, method=TRAINER)
    start = timezone.localtime(seat.session.starts)
    assert refusal.value.messages == [
        f"Tillfället har inte börjat än; närvaro kan registreras från {start:%Y-%m-%d %H:%M}."
    ]
    assert reload(seat).status == Status.CONFIRMED
    assert not Attendance.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="training.attendance.").exists()


def test_attendance_is_marked_once_the_session_has_started(world, seat):
    move(seat.session, timezone.now() - dt.timedelta(minutes=1))
    admin = world["users"]["admin"]
    attendance_record(registration=seat, present=True, by=admin, method=TRAINER)
    assert reload(seat).status == Status.ATTENDED


def test_checkin_before_the_start_says_from_when(world, seat):
    session = move(seat.session, timezone.now() + dt.timedelta(minutes=20))
    participant = world["users"]["participant"]
    with pytest.raises(RegistrationError) as refusal:
        checkin(person=participant.person, code=session.checkin_code, by=participant)
    start = timezone.localtime(session.starts)
    assert refusal.value.messages == [
        f"Tillfället börjar kl. {start:%H:%M}; du kan checka in från då."
    ]
    assert reload(seat).status == Status.CONFIRMED


def test_checkin_keeps_the_trainers_partial_hours(world, seat):
    session = move(seat.session, timezone.now() - dt.timedelta(minutes=30))
    participant = world["users"]["participant"]
    attendance_record(
        registration=seat,
        present=True,
        hours=Decimal("2"),
        by=world["users"]["trainer"],
        method=TRAINER,
    )
    checkin(person=participant.person, code=session.checkin_code, by=participant)
    with scopes_disabled():
        attendance = Attendance.objects.get(registration=seat)
    assert (attendance.hours, attendance.method) == (Decimal("2"), TRAINER)
    assert AuditEvent.objects.filter(action="training.attendance.present").count() == 1


def test_the_page_says_when_marking_opens_and_links_the_checkin_code(client, world, seat):
    sign_in(client, world["users"]["trainer"])
    page = client.get(reverse("training:attendance", args=[seat.session_id])).content.decode()
    assert "Tillfället har inte börjat än. Närvaro kan markeras från" in page
    assert 'value="yes" class="button secondary" aria-pressed="false" disabled' in page
    assert reverse("training:checkin_code", args=[seat.session_id]) in page
    assert "Visa incheckningskod och QR-kod" in page
    refused = client.post(
        reverse("training:mark_attendance", args=[seat.pk]),
        {"present": "yes"},
        HTTP_HX_REQUEST="true",
    )
    assert "har inte börjat" in refused.content.decode()
    assert " disabled>" in refused.content.decode()
    assert reload(seat).status == Status.CONFIRMED


# Undo


def test_undo_takes_a_mark_back_to_not_marked(world, seat):
    move(seat.session, timezone.now() - dt.timedelta(minutes=5))
    trainer = world["users"]["trainer"]
    attendance_record(
        registration=seat, present=True, hours=Decimal("1.5"), by=trainer, method=TRAINER
    )
    undone = attendance_undo(registration=seat, by=trainer)
    assert undone.status == Status.CONFIRMED
    assert reload(seat).status == Status.CONFIRMED
    assert not Attendance.objects.filter(registration=seat).exists()
    event = AuditEvent.objects.get(action="training.attendance.undone")
    assert event.data["was"] == "attended"
    attendance_record(registration=seat, present=False, by=trainer, method=TRAINER)
    attendance_undo(registration=seat, by=trainer)
    assert reload(seat).status == Status.CONFIRMED
    assert AuditEvent.objects.filter(action="training.attendance.undone").count() == 2


def test_nothing_to_undo_on_an_unmarked_registration(world, seat):
    with pytest.raises(RegistrationError) as refusal:
        attendance_undo(registration=seat, by=world["users"]["trainer"])
    assert refusal.value.messages == ["Närvaron är inte markerad; det finns inget att ångra."]
    assert not AuditEvent.objects.filter(action="training.attendance.undone").exists()


def test_a_signed_attestation_keeps_the_attendance_as_it_is(world, seat):
    move(seat.session, last_month(10))
    trainer = world["users"]["trainer"]
    participant = world["users"]["participant"]
    attendance_record(registration=seat, present=True, by=trainer, method=TRAINER)
    month = timezone.localtime(seat.session.starts).date().replace(day=1)
    attestation_create(
        person=participant.person, programme=world["programme"], month=month, by=participant
    )
    message = (
        f"Deltagaren har redan intygat sina timmar för {month:%Y-%m} och intyget omfattar "
        "detta tillfälle; närvaron kan inte ändras."
    )
    with pytest.raises(RegistrationError) as refusal:
        attendance_undo(registration=seat, by=trainer)
    assert refusal.value.messages == [message]
    with pytest.raises(RegistrationError):
        attendance_record(registration=seat, present=False, by=trainer, method=TRAINER)
    with pytest.raises(RegistrationError):
        attendance_record(
            registration=seat, present=True, hours=Decimal(1), by=trainer, method=TRAINER
        )
    # Marking present again as it stands changes nothing and is no error.
    attendance_record(registration=seat, present=True, by=trainer, method=TRAINER)
    assert reload(seat).status == Status.ATTENDED
    with scopes_disabled():
        assert Attendance.objects.get(registration=seat).hours is None
    assert not AuditEvent.objects.filter(action="training.attendance.undone").exists()


def test_an_attendance_recorded_after_the_attestation_can_be_undone(world, seat):
    """The attestation was signed before this session was marked, so it does not include it."""
    trainer = world["users"]["trainer"]
    participant = world["users"]["participant"]
    move(seat.session, last_month(10))
    earlier = make_session(programme=world["programme"])
    first = registration_create(session=earlier, person=participant.person, by=participant)
    move(earlier, last_month(3))
    attendance_record(registration=first, present=True, by=trainer, method=TRAINER)
    month = timezone.localtime(earlier.starts).date().replace(day=1)
    attestation_create(
        person=participant.person, programme=world["programme"], month=month, by=participant
    )
    attendance_record(registration=seat, present=True, by=trainer, method=TRAINER)
    attendance_undo(registration=seat, by=trainer)
    assert reload(seat).status == Status.CONFIRMED


def test_trainer_undoes_on_the_page(client, world, seat):
    move(seat.session, timezone.now() - dt.timedelta(minutes=5))
    sign_in(client, world["users"]["trainer"])
    client.post(reverse("training:mark_attendance", args=[seat.pk]), {"present": "no"})
    page = client.get(reverse("training:attendance", args=[seat.session_id])).content.decode()
    assert "Ångra" in page
    row = client.post(reverse("training:undo_attendance", args=[seat.pk]), HTTP_HX_REQUEST="true")
    content = row.content.decode()
    assert "<html" not in content
    assert "Inte markerad" in content
    assert "Ångra" not in content
    assert reload(seat).status == Status.CONFIRMED
    again = client.post(reverse("training:undo_attendance", args=[seat.pk]), follow=True)
    assert "det finns inget att ångra" in again.content.decode()


def test_the_page_shows_an_attested_mark_as_fixed(client, world, seat):
    move(seat.session, last_month(10))
    trainer = world["users"]["trainer"]
    participant = world["users"]["participant"]
    attendance_record(registration=seat, present=True, by=trainer, method=TRAINER)
    month = timezone.localtime(seat.session.starts).date().replace(day=1)
    attestation_create(
        person=participant.person, programme=world["programme"], month=month, by=participant
    )
    sign_in(client, trainer)
    page = client.get(reverse("training:attendance", args=[seat.session_id])).content.decode()
    assert "markeringen kan inte längre ändras" in page
    assert reverse("training:undo_attendance", args=[seat.pk]) not in page
    refused = client.post(
        reverse("training:undo_attendance", args=[seat.pk]), HTTP_HX_REQUEST="true"
    )
    assert "intyget omfattar detta tillfälle" in refused.content.decode()
    assert reload(seat).status == Status.ATTENDED


def test_only_the_sessions_trainers_undo(client, world, seat):
    move(seat.session, timezone.now() - dt.timedelta(minutes=5))
    attendance_record(registration=seat, present=True, by=world["users"]["trainer"], method=TRAINER)
    for user in (
        make_user(role="trainer", programme=world["programme"]),
        world["users"]["auditor"],
    ):
        sign_in(client, user)
        assert client.post(reverse("training:undo_attendance", args=[seat.pk])).status_code == 404
    assert reload(seat).status == Status.ATTENDED


# The session form


def test_session_form_groups_courses_by_programme_and_catalogue(world):
    programme = world["programme"]
    Course.objects.create(programme=programme, code="a", title="Trauma", credited_hours=3)
    Course.objects.create(
        programme=programme,
        code="b",
        title="Gammal",
        credited_hours=3,
        status=Course.Status.ARCHIVED,
    )
    Course.objects.create(programme=None, code="a", title="Trauma", credited_hours=3)
    html = str(SessionForm()["course"])
    assert f'<optgroup label="{programme.name}">' in html
    assert '<optgroup label="Ordinarie utbud">' in html
    assert html.count("Trauma (a) – utkast") == 2
    assert html.index(f'label="{programme.name}"') < html.index('label="Ordinarie utbud"')
    assert "Gammal" not in html
    form = SessionForm()
    assert form["starts"].field.widget.input_type == "datetime-local"
    assert form["starts"].label == "Startar"
    assert form["starts"].help_text == "Datum och klockslag (svensk tid)."
    assert "reservlistan" in form["reservations_release_at"].help_text
    named = make_user(
        role="trainer",
        programme=programme,
        person=make_person(municipality=world["own"], first_name="Kim", last_name="Lärare"),
    )
    trainers = str(SessionForm()["trainers"])
    assert f"Kim Lärare ({named.email})" in trainers
    assert world["users"]["trainer"].email in trainers


def test_session_form_saves_a_grouped_choice(client, world):
    course = Course.objects.create(
        programme=None, code="k", title="Katalog", credited_hours=Decimal(2)
    )
    sign_in(client, world["users"]["admin"])
    page = client.get(reverse("training:session_create")).content.decode()
    assert 'type="datetime-local"' in page
    assert "Ordinarie utbud" in page
    response = client.post(
        reverse("training:session_create"),
        {
            "course": course.pk,
            "code": "katalog-1",
            "starts": "2030-03-04T09:00",
            "ends": "2030-03-04T12:00",
            "capacity": 20,
        },
    )
    assert response.status_code == 302
    session = Session.objects.get(code="katalog-1")
    assert session.course == course
    assert timezone.localtime(session.starts).strftime("%H:%M") == "09:00"
    assert session.credited_hours == Decimal(2)


def test_session_form_keeps_an_archived_course_it_already_has(world):
    session = make_session(programme=world["programme"])
    Course.objects.filter(pk=session.course_id).update(status=Course.Status.ARCHIVED)
    session.refresh_from_db()
    html = str(SessionForm(instance=session)["course"])
    assert f"{session.course.title} ({session.course.code}) – arkiverad" in html


# The auditor's evidence


@pytest.fixture
def attested(world, seat):
    """The participant attended last month's session (marked by the trainer) and attested it;
    the own person attended a session in another month and has not attested."""
    trainer = world["users"]["trainer"]
    participant = world["users"]["participant"]
    move(seat.session, last_month(10))
    attendance_record(
        registration=seat, present=True, hours=Decimal("2.5"), by=trainer, method=TRAINER
    )
    month = timezone.localtime(seat.session.starts).date().replace(day=1)
    attestation_create(
        person=participant.person, programme=world["programme"], month=month, by=participant
    )
    other = make_session(programme=world["programme"])
    unsigned = registration_create(
        session=other, person=world["other_person"], by=world["users"]["admin"]
    )
    move(other, timezone.now() - dt.timedelta(days=70))
    attendance_record(registration=unsigned, present=True, by=trainer, method=TRAINER)
    return {"session": seat.session, "other": other, "month": month}


def test_auditor_reads_a_sessions_evidence(client, world, attested):
    sign_in(client, world["users"]["auditor"])
    start = client.get(reverse("site:start")).content.decode()
    assert reverse("training:evidence_list") in start
    listing = client.get(reverse("training:evidence_list")).content.decode()
    url = reverse("training:evidence", args=[attested["session"].pk])
    assert url in listing
    page = client.get(url).content.decode()
    participant = world["users"]["participant"].person
    assert participant.full_name in page
    assert "kursledarens lista" in page
    assert "2,5" in page or "2.5" in page
    assert world["users"]["trainer"].email in page
    assert "Undertecknat" in page
    assert "Jag intygar" in page
    month_link = (
        f"{reverse('training:attestation_audit')}?programme={world['programme'].pk}"
        f"&amp;month={attested['month']:%Y-%m}"
    )
    assert month_link in page
    assert '<form method="post"' not in page
    event = AuditEvent.objects.get(action="training.evidence.viewed")
    assert event.data == {"results": 1}


def test_evidence_is_only_for_sessions_that_have_taken_place(client, world):
    session = make_session(programme=world["programme"])
    sign_in(client, world["users"]["auditor"])
    assert client.get(reverse("training:evidence", args=[session.pk])).status_code == 404


def test_evidence_list_filters_by_programme_month_and_person(client, world, attested):
    sign_in(client, world["users"]["auditor"])
    url = reverse("training:evidence_list")
    month = f"{attested['month']:%Y-%m}"
    shown = client.get(url, {"month": month}).context["page"].object_list
    assert [s.pk for s in shown] == [attested["session"].pk]
    participant = world["users"]["participant"].person
    mine = client.get(url, {"person": participant.pk})
    assert [s.pk for s in mine.context["page"].object_list] == [attested["session"].pk]
    assert f"Bara tillfällen som {participant.full_name} deltog i eller missade." in (
        mine.content.decode()
    )
    assert 'for="id_person"' not in mine.content.decode()
    everything = client.get(url).context["page"].object_list
    assert {s.pk for s in everything} == {attested["session"].pk, attested["other"].pk}
    wrong = client.get(url, {"month": "mars"})
    assert "Ange månaden som ÅÅÅÅ-MM" in wrong.content.decode()


def test_attestation_list_shows_signed_and_unsigned_months(client, world, attested):
    sign_in(client, world["users"]["auditor"])
    url = reverse("training:attestation_audit")
    rows = client.get(url).context["page"].object_list
    by_person = {row["person_id"]: row for row in rows}
    participant = world["users"]["participant"].person
    signed = by_person[participant.pk]
    assert signed["attestation"] is not None
    assert signed["hours"] == 2
    unsigned = by_person[world["other_person"].pk]
    assert unsigned["attestation"] is None
    assert unsigned["hours"] == 3
    only_signed = client.get(url, {"signed": "yes"}).context["page"].object_list
    assert [row["person_id"] for row in only_signed] == [participant.pk]
    only_unsigned = client.get(url, {"signed": "no"}).context["page"].object_list
    assert [row["person_id"] for row in only_unsigned] == [world["other_person"].pk]
    in_month = client.get(url, {"month": f"{attested['month']:%Y-%m}"})
    assert [row["person_id"] for row in in_month.context["page"].object_list] == [participant.pk]
    own = client.get(url, {"municipality": world["own"].pk}).context["page"].object_list
    assert [row["person_id"] for row in own] == [participant.pk]
    page = client.get(url).content.decode()
    assert "Inte undertecknat" in page
    evidence_link = (
        f"{reverse('training:evidence_list')}?programme={world['programme'].pk}"
        f"&amp;month={attested['month']:%Y-%m}&amp;person={participant.pk}"
    )
    assert evidence_link in page


def test_attestation_export_is_a_filtered_audited_workbook(client, world, attested):
    sign_in(client, world["users"]["auditor"])
    response = client.get(reverse("training:attestation_export"), {"signed": "no"})
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:7] == (
        "Deltagare",
        "Kommun",
        "Program",
        "Månad",
        "Tillfällen med närvaro",
        "Närvaro i hela timmar",
        "Undertecknat",
    )
    assert len(rows) == 2
    assert rows[1][0] == world["other_person"].full_name
    assert rows[1][5] == 3
    assert rows[1][6] == "nej"
    event = AuditEvent.objects.get(action="training.attestation.exported")
    assert event.data == {"results": 1, "filters": {"signed": "no"}}


def test_export_makes_text_cells_inert(client, world, attested):
    with scopes_disabled():
        person = world["other_person"]
        person.first_name = "=HYPERLINK(1)"
        person.save()
    sign_in(client, world["users"]["admin"])
    response = client.get(reverse("training:attestation_export"))
    sheet = load_workbook(io.BytesIO(response.content)).active
    names = [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert any(name.startswith("'=HYPERLINK") for name in names)


def test_participants_and_coordinators_get_no_evidence(client, world, attested):
    for role in ("participant", "coordinator", "trainer", "evaluator"):
        sign_in(client, world["users"][role])
        for url in (
            reverse("training:evidence", args=[attested["session"].pk]),
            reverse("training:evidence_list"),
            reverse("training:attestation_export"),
        ):
            assert client.get(url).status_code == 403, (role, url)
    assert not AuditEvent.objects.filter(action="training.attestation.exported").exists()


def test_overview_month_follows_swedish_time(world, no_scope):
    """A session at 00:30 Swedish time on the first of a month belongs to that month."""
    from grannar.training.selectors import attestation_overview

    person = make_person(municipality=world["own"])
    session = make_session(programme=world["programme"])
    registration = registration_create(session=session, person=person, by=world["users"]["admin"])
    first = timezone.localdate().replace(day=1) - dt.timedelta(days=1)
    first = first.replace(day=1)
    move(session, timezone.make_aware(dt.datetime(first.year, first.month, 1, 0, 30)))
    attendance_record(
        registration=registration, present=True, by=world["users"]["admin"], method=TRAINER
    )
    rows = attestation_overview(month=first)
    assert [(row["person_id"], row["month"]) for row in rows] == [(person.pk, first)]
    assert not MonthlyAttestation.objects.exists()

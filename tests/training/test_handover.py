"""Handing a course over to the region's regular catalogue: the service and the admin form."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import translation

from grannar.core.models import AuditEvent
from grannar.training.models import Course
from grannar.training.selectors import attestable_months
from grannar.training.services import HandoverError, course_hand_over, registration_create
from tests.factories import make_session, sign_in
from tests.reporting.builders import attend, held

pytestmark = pytest.mark.django_db
ON = dt.date(2019, 6, 30)


@pytest.fixture
def course(world):
    return make_session(programme=world["programme"]).course


def test_hand_over_records_the_day_the_organiser_and_an_audit_entry(course, world):
    admin = world["users"]["admin"]
    course_hand_over(course=course, on=ON, receiving_organiser=" Regionens utbud ", by=admin)
    course.refresh_from_db()
    assert (course.handed_over_on, course.receiving_organiser) == (ON, "Regionens utbud")
    event = AuditEvent.objects.get(action="training.course.handed_over")
    assert (event.actor, event.target_id, event.data) == (
        admin,
        str(course.pk),
        {"on": "2019-06-30"},
    )


def test_later_sessions_stay_bookable(course, world):
    course_hand_over(course=course, on=ON, receiving_organiser="Regionen", by=None)
    session = course.sessions.get()
    registration = registration_create(
        session=session, person=world["own_person"], by=world["users"]["admin"]
    )
    assert registration.status == "confirmed"


@pytest.mark.parametrize(
    ("change", "on", "organiser", "message"),
    [
        (
            {"programme": None},
            ON,
            "Regionen",
            "Kursen finns redan i det ordinarie utbudet och kan inte lämnas över.",
        ),
        (
            {"handed_over_on": dt.date(2019, 1, 1)},
            ON,
            "Regionen",
            "Kursen lämnades redan över den 2019-01-01.",
        ),
        (
            {},
            dt.date(2016, 3, 31),
            "Regionen",
            "Överlämningsdatum: 2016-03-31 är före projektets start (2016-04-01).",
        ),
        ({}, ON, "  ", "Mottagande arrangör: ange vem som tar över kursen."),
        ({}, ON, "x" * 201, "Mottagande arrangör: högst 200 tecken."),
    ],
)
def test_refusals_say_why_and_change_nothing(course, change, on, organiser, message):
    Course.objects.filter(pk=course.pk).update(**change)
    before = Course.objects.values("handed_over_on", "receiving_organiser").get(pk=course.pk)
    with translation.override("sv"), pytest.raises(HandoverError) as refused:
        course_hand_over(course=course, on=on, receiving_organiser=organiser, by=None)
    assert refused.value.messages == [message]
    assert (
        Course.objects.values("handed_over_on", "receiving_organiser").get(pk=course.pk) == before
    )
    assert not AuditEvent.objects.filter(action="training.course.handed_over").exists()


def test_the_first_day_of_the_programme_is_allowed(course):
    course_hand_over(course=course, on=dt.date(2016, 4, 1), receiving_organiser="R", by=None)
    assert Course.objects.get(pk=course.pk).handed_over_on == dt.date(2016, 4, 1)


def test_admin_hands_a_course_over_on_its_page(client, course, world):
    sign_in(client, world["users"]["admin"])
    page = client.get(reverse("training:course_edit", args=[course.pk])).content.decode()
    assert "Överlämning till det ordinarie utbudet" in page
    assert reverse("training:course_handover", args=[course.pk]) in page
    response = client.post(
        reverse("training:course_handover", args=[course.pk]),
        {"on": "2019-06-30", "receiving_organiser": "Regionens utbud"},
        follow=True,
    )
    html = response.content.decode()
    assert "Kursen har lämnats över till det ordinarie utbudet." in html
    assert "Överlämnad den 2019-06-30 till Regionens utbud." in html
    assert Course.objects.get(pk=course.pk).handed_over_on == ON
    listing = client.get(reverse("training:course_list")).content.decode()
    assert "överlämnad 2019-06-30" in listing


def test_the_page_shows_refusals_and_form_errors(client, course, world):
    sign_in(client, world["users"]["admin"])
    url = reverse("training:course_handover", args=[course.pk])
    early = client.post(url, {"on": "2015-01-01", "receiving_organiser": "R"}, follow=True)
    assert "Överlämningsdatum: 2015-01-01 är före projektets start (2016-04-01)." in (
        early.content.decode()
    )
    missing = client.post(url, {"on": "", "receiving_organiser": "R"}, follow=True)
    assert "Överlämnad den: Detta fält måste fyllas i." in missing.content.decode()
    assert Course.objects.get(pk=course.pk).handed_over_on is None


def test_a_regular_catalogue_course_offers_no_handover(client, course, world):
    Course.objects.filter(pk=course.pk).update(programme=None)
    sign_in(client, world["users"]["admin"])
    page = client.get(reverse("training:course_edit", args=[course.pk])).content.decode()
    assert "En kurs i det ordinarie utbudet lämnas inte över." in page
    assert reverse("training:course_handover", args=[course.pk]) not in page


@pytest.mark.parametrize("role", ["coordinator", "trainer", "participant", "evaluator", "auditor"])
def test_only_admins_hand_over(client, course, world, role):
    sign_in(client, world["users"][role])
    url = reverse("training:course_handover", args=[course.pk])
    response = client.post(url, {"on": "2019-06-30", "receiving_organiser": "R"})
    assert response.status_code == 403
    assert Course.objects.get(pk=course.pk).handed_over_on is None


def test_monthly_attestations_leave_out_sessions_after_the_handover(world, no_scope):
    on_the_day = held(world["programme"], on=ON, credited="3")
    course = on_the_day.course
    later = held(world["programme"], on=dt.date(2019, 7, 1), credited="3")
    later.course = course
    later.save()
    person = world["own_person"]
    attend(person, on_the_day)
    attend(person, later)
    before = [
        (entry["month"].month, entry["hours"]) for entry in attestable_months(person_id=person.pk)
    ]
    assert before == [(7, 3), (6, 3)]
    course_hand_over(course=course, on=ON, receiving_organiser="Regionen", by=None)
    months = attestable_months(person_id=person.pk)
    assert [(entry["month"].month, entry["hours"]) for entry in months] == [(6, 3)]

"""Lessons learned: admins and coordinators write them, the evaluator reads them."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grannar.collaboration.lessons import lesson_create, lesson_update
from grannar.collaboration.models import Lesson
from grannar.core.models import AuditEvent
from tests.collaboration.helpers import make_routine, make_workshop
from tests.factories import make_session, sign_in

pytestmark = pytest.mark.usefixtures("no_scope")

TEXTS = {
    "title": "Börja med gemensamma fall",
    "context": "Skola och socialtjänst möttes sällan.",
    "what_we_did": "Vi gick igenom tre avidentifierade fall tillsammans.",
    "what_happened": "Rollerna blev tydligare.",
    "recommendation": "Låt gruppen börja med verkliga fall.",
}


def test_lesson_tied_to_a_workshop_routine_and_course_of_the_programme(world):
    workshop = make_workshop(world)
    routine = make_routine(workshop)
    course = make_session(programme=world["programme"]).course
    lesson = lesson_create(
        programme=world["programme"],
        workshop=workshop,
        routine=routine,
        course=course,
        by=None,
        **TEXTS,
    )
    assert (lesson.workshop, lesson.routine, lesson.course) == (workshop, routine, course)
    assert AuditEvent.objects.filter(action="collaboration.lesson.created").count() == 1
    other_routine = make_routine(make_workshop(world, target="other"))
    with pytest.raises(ValidationError, match="den valda pilotverkstaden"):
        lesson_update(lesson=lesson, workshop=workshop, routine=other_routine, by=None, **TEXTS)
    with pytest.raises(ValidationError, match="Rekommendation: fyll i"):
        lesson_update(lesson=lesson, by=None, **{**TEXTS, "recommendation": "  "})
    lesson.refresh_from_db()
    assert lesson.routine == routine


def test_lesson_cannot_point_into_another_programme(world):
    catalogue_course = make_session(programme=world["programme"]).course
    catalogue_course.programme = None
    catalogue_course.save()
    lesson = lesson_create(programme=world["programme"], course=catalogue_course, by=None, **TEXTS)
    assert lesson.course == catalogue_course
    elsewhere = world["programme"].pk + 1000
    course = make_session(programme=world["programme"]).course
    course.programme_id = elsewhere
    with pytest.raises(ValidationError, match="Kurs"):
        lesson_create(programme=world["programme"], course=course, by=None, **TEXTS)
    workshop = make_workshop(world)
    workshop.programme_id = elsewhere
    with pytest.raises(ValidationError, match="Pilotverkstad"):
        lesson_create(programme=world["programme"], workshop=workshop, by=None, **TEXTS)
    assert Lesson.objects.count() == 1


def test_evaluator_reads_coordinator_writes_and_edits_own_only(world, client):
    admin_lesson = lesson_create(programme=world["programme"], by=world["users"]["admin"], **TEXTS)
    sign_in(client, world["users"]["coordinator"])
    data = {"programme": world["programme"].pk, **TEXTS, "title": "Samordnarens lärdom"}
    response = client.post(reverse("collaboration:lesson_create"), {**data, "context": ""})
    assert response.status_code == 200
    assert not Lesson.objects.filter(title="Samordnarens lärdom").exists()
    response = client.post(reverse("collaboration:lesson_create"), data)
    assert response.url == reverse("collaboration:lesson_list")
    own = Lesson.objects.get(title="Samordnarens lärdom")
    assert client.get(reverse("collaboration:lesson_edit", args=[own.pk])).status_code == 200
    assert (
        client.get(reverse("collaboration:lesson_edit", args=[admin_lesson.pk])).status_code == 404
    )
    sign_in(client, world["users"]["evaluator"])
    page = client.get(reverse("collaboration:lesson_list")).content.decode()
    assert "Samordnarens lärdom" in page
    assert TEXTS["title"] in page
    assert reverse("collaboration:lesson_create") not in page
    assert client.get(reverse("collaboration:lesson_create")).status_code == 403
    sign_in(client, world["users"]["auditor"])
    assert client.get(reverse("collaboration:lesson_list")).status_code == 403

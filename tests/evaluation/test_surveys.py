"""Surveys from templates, invitations, answering by one-time link, and what is stored."""

import pytest
from django.core import mail
from django.db import models

from grannar.core.models import AuditEvent
from grannar.evaluation.models import Answer, Invitation, Question, Response, Survey
from grannar.evaluation.notifications import send_survey_reminders
from grannar.evaluation.services import (
    SurveyError,
    invitations_create,
    pseudonym,
    response_submit,
    survey_create_from_template,
    survey_set_status,
)
from grannar.evaluation.templates import TEMPLATES
from tests.evaluation.conftest import invite, open_survey

LIKERT_ANSWERS = {"relevant": 4, "clear": 5, "use": 3, "format": "good", "better": "Mer tid."}


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_template_makes_a_survey_in_two_languages(world, no_scope, template):
    survey = survey_create_from_template(
        programme=world["programme"], template=template, mode="anonymous", by=None
    )
    questions = list(Question.objects.filter(section__survey=survey))
    assert questions
    assert all(q.text and q.text_en for q in questions)
    assert survey.title
    assert survey.title_en
    kinds = {q.kind for q in questions}
    assert Question.Kind.LIKERT in kinds


def test_competence_templates_ask_per_subgoal(world, no_scope):
    survey = survey_create_from_template(
        programme=world["programme"], template="before", mode="pseudonymous", by=None
    )
    goals = {q.subgoal.number for q in Question.objects.filter(section__survey=survey) if q.subgoal}
    assert goals == {1, 2, 3}
    assert survey.series == "kompetens"


def test_all_question_types_are_available(world, no_scope):
    kinds = set()
    for template in TEMPLATES:
        survey = survey_create_from_template(
            programme=world["programme"], template=template, mode="anonymous", by=None
        )
        kinds |= set(Question.objects.filter(section__survey=survey).values_list("kind", flat=True))
    assert kinds == set(Question.Kind.values)


def test_a_survey_without_questions_cannot_open(world, no_scope):
    survey = survey_create_from_template(
        programme=world["programme"], template="reaction", mode="anonymous", by=None
    )
    Question.objects.filter(section__survey=survey).delete()
    with pytest.raises(SurveyError):
        survey_set_status(survey=survey, status=Survey.Status.OPEN, by=None)


def test_draft_survey_sends_no_invitations(world, no_scope, staff):
    survey = survey_create_from_template(
        programme=world["programme"], template="reaction", mode="anonymous", by=None
    )
    with pytest.raises(SurveyError):
        invitations_create(survey=survey, people=staff, by=None)


def test_nobody_is_invited_twice(world, no_scope, staff, django_capture_on_commit_callbacks):
    survey = open_survey(world, "reaction", "anonymous")
    invite(survey, staff[:3], world, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        made = invitations_create(survey=survey, people=staff[:5], by=None)
    assert made == 2
    assert Invitation.objects.filter(survey=survey).count() == 5


def test_the_link_is_stored_only_as_a_hash(
    world, no_scope, staff, django_capture_on_commit_callbacks
):
    survey = open_survey(world, "reaction", "anonymous")
    [token] = invite(survey, staff[:1], world, django_capture_on_commit_callbacks)
    invitation = Invitation.objects.get(survey=survey)
    assert token not in invitation.token_hash
    assert len(invitation.token_hash) == 64


def test_anonymous_answers_cannot_be_traced_back(
    world, no_scope, staff, django_capture_on_commit_callbacks
):
    survey = open_survey(world, "reaction", "anonymous")
    tokens = invite(survey, staff[:3], world, django_capture_on_commit_callbacks)
    response = response_submit(token=tokens[1], answers=LIKERT_ANSWERS)
    stored = Response.objects.get(pk=response.pk)
    assert stored.person_id is None
    assert stored.pseudonym == ""
    # No table holds a link between a response and an invitation or a person, and nothing
    # records when an invitation was used that could be matched to the response.
    for field in Response._meta.get_fields():
        if isinstance(field, models.ForeignKey):
            assert field.related_model.__name__ != "Invitation"
    assert not any(
        isinstance(f, models.DateTimeField) and "use" in f.name for f in Invitation._meta.fields
    )
    assert isinstance(Response._meta.get_field("submitted"), models.DateField)
    assert not isinstance(Response._meta.get_field("submitted"), models.DateTimeField)
    assert Invitation.objects.filter(survey=survey, used=True).count() == 1
    event = AuditEvent.objects.get(action="evaluation.response.submitted")
    assert event.actor_id is None
    assert str(staff[1].pk) not in str(event.data)
    assert event.target_id == str(survey.pk) or int(event.target_id) == survey.pk


def test_a_link_works_once(world, no_scope, staff, django_capture_on_commit_callbacks):
    survey = open_survey(world, "reaction", "anonymous")
    [token] = invite(survey, staff[:1], world, django_capture_on_commit_callbacks)
    response_submit(token=token, answers=LIKERT_ANSWERS)
    with pytest.raises(SurveyError, match="redan använts"):
        response_submit(token=token, answers=LIKERT_ANSWERS)
    assert Response.objects.filter(survey=survey).count() == 1


def test_a_closed_survey_takes_no_answers(
    world, no_scope, staff, django_capture_on_commit_callbacks
):
    survey = open_survey(world, "reaction", "anonymous")
    [token] = invite(survey, staff[:1], world, django_capture_on_commit_callbacks)
    survey_set_status(survey=survey, status=Survey.Status.CLOSED, by=None)
    with pytest.raises(SurveyError):
        response_submit(token=token, answers=LIKERT_ANSWERS)


def test_pseudonymous_before_and_after_share_a_code_that_names_nobody(
    world, no_scope, staff, django_capture_on_commit_callbacks
):
    before = open_survey(world, "before", "pseudonymous")
    after = open_survey(world, "after", "pseudonymous")
    person = staff[0]
    [t1] = invite(before, [person], world, django_capture_on_commit_callbacks)
    [t2] = invite(after, [person], world, django_capture_on_commit_callbacks)
    r1 = response_submit(token=t1, answers={"competence-1": 2})
    r2 = response_submit(token=t2, answers={"competence-1": 4})
    assert r1.pseudonym == r2.pseudonym != ""
    assert r1.person_id is None
    assert r1.pseudonym != pseudonym(
        programme_id=world["programme"].pk, series="kompetens", person_id=staff[1].pk
    )


def test_named_answers_keep_the_person(world, no_scope, staff, django_capture_on_commit_callbacks):
    survey = open_survey(world, "organisation", "named")
    [token] = invite(survey, staff[:1], world, django_capture_on_commit_callbacks)
    response = response_submit(token=token, answers={"practice": 4, "routines": "yes"})
    assert response.person_id == staff[0].pk
    assert response.workplace_id == staff[0].workplace_id
    assert Answer.objects.get(response=response, question__code="routines").choices == ["yes"]


def test_reminder_gives_a_new_link_and_the_old_one_stops_working(
    world, no_scope, staff, django_capture_on_commit_callbacks
):
    survey = open_survey(world, "reaction", "anonymous")
    [old] = invite(survey, staff[:1], world, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_survey_reminders.call(survey_id=survey.pk) == 1
    assert mail.outbox[0].subject.startswith("Påminnelse:")
    new = mail.outbox[0].body.split("/s/")[1].split("/")[0]
    assert new != old
    with pytest.raises(SurveyError, match="inte giltig"):
        response_submit(token=old, answers=LIKERT_ANSWERS)
    response_submit(token=new, answers=LIKERT_ANSWERS)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_survey_reminders.call(survey_id=survey.pk) == 0  # answered, and reminded once


def started(session) -> None:
    """Move a session to have begun an hour ago: attendance is recorded only from the start."""
    import datetime as dt

    from django.utils import timezone

    from grannar.training.models import Session

    begun = timezone.now() - dt.timedelta(hours=1)
    Session.objects.filter(pk=session.pk).update(starts=begun, ends=begun + dt.timedelta(hours=3))
    session.refresh_from_db()


def test_recorded_attendance_invites_to_the_reaction_survey(
    world, no_scope, django_capture_on_commit_callbacks
):
    from grannar.training.models import Attendance
    from grannar.training.services import attendance_record, registration_create
    from tests.factories import make_session

    survey = open_survey(world, "reaction", "anonymous")
    session = make_session(programme=world["programme"])
    admin = world["users"]["admin"]
    registration = registration_create(session=session, person=world["own_person"], by=admin)
    started(session)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        attendance_record(
            registration=registration, present=True, by=admin, method=Attendance.Method.TRAINER
        )
    assert Invitation.objects.filter(survey=survey, person=world["own_person"]).exists()
    assert any("/s/" in m.body for m in mail.outbox if m.to == [world["own_person"].email])


def test_absence_invites_nobody(world, no_scope, django_capture_on_commit_callbacks):
    from grannar.training.models import Attendance
    from grannar.training.services import attendance_record, registration_create
    from tests.factories import make_session

    open_survey(world, "reaction", "anonymous")
    session = make_session(programme=world["programme"])
    admin = world["users"]["admin"]
    registration = registration_create(session=session, person=world["own_person"], by=admin)
    started(session)
    with django_capture_on_commit_callbacks(execute=True):
        attendance_record(
            registration=registration, present=False, by=admin, method=Attendance.Method.TRAINER
        )
    assert not Invitation.objects.exists()

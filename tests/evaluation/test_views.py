"""The survey pages: answering by link, building and opening a survey, inviting."""

import re

from django.core import mail

from grannar.evaluation.models import Invitation, Question, Response, Survey
from tests.evaluation.conftest import invite, open_survey
from tests.factories import sign_in
from tests.html_checks import page_problems
from tests.reporting.builders import attend, held


def test_answer_by_link_without_signing_in(
    world, no_scope, staff, client, django_capture_on_commit_callbacks
):
    survey = open_survey(world, "reaction", "anonymous")
    [token] = invite(survey, staff[:1], world, django_capture_on_commit_callbacks)
    page = client.get(f"/s/{token}/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not page_problems(html)
    assert "<legend>Innehållet var relevant för mitt arbete." in html
    assert "Skriv inga uppgifter som kan identifiera barn eller unga." in html
    done = client.post(f"/s/{token}/", {"relevant": "4", "clear": "5", "format": "good"})
    assert "Tack! Ditt svar har sparats." in done.content.decode()
    assert Response.objects.filter(survey=survey).count() == 1
    again = client.get(f"/s/{token}/")
    assert again.status_code == 410
    assert "redan använts" in again.content.decode()


def test_a_bad_answer_is_explained_and_nothing_is_stored(
    world, no_scope, staff, client, django_capture_on_commit_callbacks
):
    survey = open_survey(world, "followup", "anonymous")
    Question.objects.filter(section__survey=survey, code="applied").update(required=True)
    [token] = invite(survey, staff[:1], world, django_capture_on_commit_callbacks)
    response = client.post(f"/s/{token}/", {"shared": "many", "changes": ["nonsense"]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "error-summary" in html
    assert not Response.objects.exists()
    assert not Invitation.objects.get(survey=survey).used


def test_an_unknown_link_is_not_found(client, db):
    response = client.get("/s/nothing-here/")
    assert response.status_code == 404
    assert "Länken är inte giltig." in response.content.decode()


def test_admin_builds_opens_and_invites(world, no_scope, client, staff):
    admin = world["users"]["admin"]
    sign_in(client, admin)
    code = world["programme"].code
    created = client.post(
        f"/evaluation/new/{code}/",
        {f"{code}-template": "followup", f"{code}-mode": "pseudonymous"},
    )
    survey = Survey.objects.get()
    assert created.status_code == 302
    assert survey.status == Survey.Status.DRAFT
    added = client.post(
        f"/evaluation/{survey.pk}/",
        {
            "new_section": "Tid",
            "new_section_en": "Time",
            "code": "tid",
            "kind": "single",
            "text": "Hur mycket tid fick du?",
            "text_en": "How much time did you get?",
            "choices_text": "lite | Lite | Little\nmycket | Mycket | Much",
        },
    )
    assert added.status_code == 302
    question = Question.objects.get(code="tid")
    assert question.localized_choices() == [("lite", "Lite"), ("mycket", "Mycket")]
    assert (question.section.title, question.section.title_en) == ("Tid", "Time")
    assert question.section.order == 2  # after the template's two sections
    same_code = client.post(
        f"/evaluation/{survey.pk}/",
        {"section": question.section.pk, "code": "tid", "kind": "text", "text": "Igen?"},
    )
    assert same_code.status_code == 400
    assert "En annan fråga i enkäten har den koden." in same_code.content.decode()
    assert Question.objects.filter(code="tid").count() == 1
    client.post(f"/evaluation/{survey.pk}/status/", {"status": "open"})
    session = held(world["programme"], on=__import__("datetime").date(2025, 3, 3))
    for person in staff[:4]:
        attend(person, session)
    mail.outbox.clear()
    client.post(f"/evaluation/{survey.pk}/invite/", {"who": "attended"})
    assert Invitation.objects.filter(survey=survey).count() == 4
    client.post(f"/evaluation/{survey.pk}/invite/", {"who": "emails", "emails": staff[5].email})
    assert Invitation.objects.filter(survey=survey).count() == 5
    page = client.get(f"/evaluation/{survey.pk}/")
    assert not page_problems(page.content.decode())


def test_question_form_refuses_a_choice_question_without_choices(world, no_scope, client):
    survey = open_survey(world, "reaction", "anonymous")
    sign_in(client, world["users"]["admin"])
    response = client.post(
        f"/evaluation/{survey.pk}/",
        {
            "section": survey.sections.first().pk,
            "code": "x",
            "kind": "multiple",
            "text": "Vad?",
            "choices_text": "bara | En",
        },
    )
    assert response.status_code == 400
    assert "minst två alternativ" in response.content.decode()
    assert not Question.objects.filter(code="x").exists()


def test_inviting_unknown_addresses_is_refused_whole(world, no_scope, client, staff):
    survey = open_survey(world, "reaction", "anonymous")
    sign_in(client, world["users"]["admin"])
    response = client.post(
        f"/evaluation/{survey.pk}/invite/",
        {"who": "emails", "emails": f"{staff[0].email}\nokand@example.org"},
        follow=True,
    )
    assert "okand@example.org" in response.content.decode()
    assert not Invitation.objects.exists()


def test_evaluator_sees_the_list_but_cannot_build(world, no_scope, client):
    open_survey(world, "reaction", "anonymous")
    sign_in(client, world["users"]["evaluator"])
    html = client.get("/evaluation/").content.decode()
    assert "Utvärdering av tillfället" in html
    assert "Skapa från mallen" not in html
    assert client.post(f"/evaluation/new/{world['programme'].code}/", {}).status_code == 403


def survey_list_queries(client) -> tuple[int, str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        response = client.get("/evaluation/")
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_survey_list_counts_in_a_fixed_number_of_queries_and_shows_course_and_date(
    world, no_scope, staff, client, django_capture_on_commit_callbacks
):
    import datetime as dt

    from django.utils import timezone

    from tests.factories import make_session

    sign_in(client, world["users"]["evaluator"])
    first = open_survey(world, "reaction", "anonymous")
    invite(first, staff[:3], world, django_capture_on_commit_callbacks)
    baseline, _ = survey_list_queries(client)
    course = make_session(programme=world["programme"]).course
    closes = timezone.make_aware(dt.datetime(2031, 5, 17, 23, 59))
    for _ in range(4):
        survey = open_survey(world, "reaction", "anonymous", course=course, closes=closes)
        tokens = invite(survey, staff[:3], world, django_capture_on_commit_callbacks)
    for token in tokens[:2]:
        client.post(f"/s/{token}/", {"relevant": "4", "clear": "5", "format": "good"})
    count, html = survey_list_queries(client)
    assert count == baseline
    # Three invited and two answers: counted apart, never multiplied by each other.
    rows = [row for row in re.findall(r"<tr>.*?</tr>", html, re.S) if course.title in row]
    assert len(rows) == 4
    row = rows[-1]
    assert "<td>3</td>" in row
    assert "<td>2 · " in row
    assert '<time datetime="2031-05-17">2031-05-17</time>' in html
    assert "Hela programmet" in html

"""Series: the survey form's series, the follow-up template that shares the before and after
questions, and the three moments paired under the pseudonym (hand-computed)."""

import json

import pytest
from django.core.management import call_command

from grannar.evaluation.analysis import series_result, survey_result
from grannar.evaluation.models import Question, Survey
from grannar.evaluation.services import (
    SurveyError,
    check_series,
    response_submit,
    survey_create_from_template,
)
from tests.evaluation.conftest import invite, open_survey
from tests.factories import sign_in
from tests.html_checks import page_problems

# competence-1 per person (index into `staff`) at each moment; see the expected figures below.
BEFORE = {0: 1, 1: 2, 2: 2, 3: 3, 4: 3, 5: 4, 6: 2}
AFTER = {0: 3, 1: 3, 2: 4, 3: 4, 4: 5, 5: 5, 7: 4}
FOLLOWUP = {0: 3, 1: 4, 2: 3, 3: 5, 4: 4, 6: 2, 8: 4, 9: 4}
# "support" only from three people before and after: too few pairs to show.
SUPPORT = {0: 2, 1: 3, 2: 4}


def _answer(survey, values, staff, world, callbacks, extra=None):
    people = [staff[i] for i in values]
    for index, token in zip(values, invite(survey, people, world, callbacks), strict=True):
        answers = {"competence-1": values[index]}
        if extra and index in extra:
            answers["support"] = extra[index]
        response_submit(token=token, answers=answers)


@pytest.fixture
def three_moments(world, no_scope, staff, django_capture_on_commit_callbacks):
    surveys = {}
    for moment, values in (("before", BEFORE), ("after", AFTER), ("followup", FOLLOWUP)):
        surveys[moment] = open_survey(world, moment, "pseudonymous")
        extra = SUPPORT if moment != "followup" else None
        _answer(surveys[moment], values, staff, world, django_capture_on_commit_callbacks, extra)
    return surveys


def _changes(changes):
    return {c.key: (c.paired.n, c.paired.mean, c.paired.low, c.paired.high) for c in changes}


# before → after: 2 1 2 1 2 1 (six pairs): mean 1.5, sd 0.5477, t(5) 2.571 → ± 0.575.
# after → follow-up: 0 1 −1 1 −1 (five pairs): mean 0, sd 1, t(4) 2.776 → ± 1.241.
# before → follow-up: 2 2 1 2 1 0 (six pairs): mean 1.333, sd 0.8165, t(5) → ± 0.857.
EXPECTED = {
    "before-after": (6, 1.5, 0.925, 2.075),
    "after-followup": (5, 0.0, -1.241, 1.241),
    "before-followup": (6, 1.333, 0.476, 2.19),
}


def test_follow_up_template_shares_the_before_and_after_questions(world, no_scope):
    codes = {}
    for moment in ("before", "after", "followup"):
        survey = survey_create_from_template(
            programme=world["programme"], template=moment, mode="pseudonymous", by=None
        )
        assert survey.series == "kompetens"
        codes[moment] = set(
            Question.objects.filter(section__survey=survey, kind="likert").values_list(
                "code", flat=True
            )
        )
    assert (
        codes["before"]
        == codes["after"]
        == {"competence-1", "competence-2", "competence-3", "support"}
    )
    assert codes["before"] < codes["followup"]
    assert "applied" in codes["followup"]


def test_three_moments_pair_up_under_the_pseudonym(three_moments):
    series = series_result(three_moments["followup"])
    assert list(series.surveys) == ["before", "after", "followup"]
    competence = next(q for q in series.questions if q.question.code == "competence-1")
    # Means of everyone who answered: 17 / 7, 28 / 7, 29 / 8.
    assert [(m.moment, m.n, m.mean) for m in competence.moments] == [
        ("before", 7, 2.429),
        ("after", 7, 4.0),
        ("followup", 8, 3.625),
    ]
    assert _changes(competence.changes) == EXPECTED
    support = next(q for q in series.questions if q.question.code == "support")
    # Asked at the follow-up too, where nobody answered it.
    assert [(m.n, m.mean) for m in support.moments] == [(3, None), (3, None), (0, None)]
    assert _changes(support.changes) == {
        "before-after": (3, None, None, None),
        "after-followup": (0, None, None, None),
        "before-followup": (0, None, None, None),
    }
    # The follow-up's own result: the changes that end at it; the one since before is `paired`.
    result = survey_result(three_moments["followup"])
    item = next(q for q in result.questions if q.question.code == "competence-1")
    assert _changes(item.changes) == {
        key: value for key, value in EXPECTED.items() if key.endswith("followup")
    }
    assert item.paired.mean == 1.333
    applied = next(q for q in result.questions if q.question.code == "applied")
    assert applied.changes == []  # asked only at the follow-up: nothing to pair with
    assert [s.phase for s in result.compared_with] == ["before", "after"]
    after = survey_result(three_moments["after"])
    item = next(q for q in after.questions if q.question.code == "competence-1")
    assert _changes(item.changes) == {"before-after": EXPECTED["before-after"]}


def test_another_series_and_anonymous_answers_do_not_pair(
    world, no_scope, staff, django_capture_on_commit_callbacks
):
    before = open_survey(world, "before", "pseudonymous", series="omgang-2")
    after = open_survey(world, "after", "pseudonymous")
    followup = open_survey(world, "followup", "anonymous")
    for survey in (before, after, followup):
        _answer(survey, BEFORE, staff, world, django_capture_on_commit_callbacks)
    assert series_result(after) is None
    assert series_result(followup) is None
    item = next(q for q in survey_result(after).questions if q.question.code == "competence-1")
    assert item.changes == []
    assert item.paired is None


def test_named_surveys_pair_on_the_person(
    world, no_scope, staff, django_capture_on_commit_callbacks
):
    for moment, values in (("before", BEFORE), ("followup", FOLLOWUP)):
        survey = open_survey(world, moment, "named", series="namngiven")
        _answer(survey, values, staff, world, django_capture_on_commit_callbacks)
    series = series_result(survey)
    competence = next(q for q in series.questions if q.question.code == "competence-1")
    assert _changes(competence.changes) == {"before-followup": EXPECTED["before-followup"]}


def test_results_page_shows_the_three_moments(three_moments, client, world, staff):
    sign_in(client, world["users"]["evaluator"])
    page = client.get(f"/evaluation/{three_moments['followup'].pk}/results/")
    assert page.status_code == 200
    html = page.content.decode()
    assert not page_problems(html)
    assert "Före, efter och uppföljning i serien ”kompetens”" in html
    for text in ("2,429 (n = 7)", "4,000 (n = 7)", "3,625 (n = 8)"):
        assert text in html
    assert "före → efter" in html
    assert "1,500 (0,925 – 2,075)" in html
    assert "efter → uppföljning" in html
    assert "0,000 (-1,241 – 1,241)" in html
    assert "före → uppföljning" in html
    assert "1,333 (0,476 – 2,190)" in html
    assert "Förändring för samma personer (före → uppföljning)" in html
    for person in staff:
        assert person.email not in html
        assert person.last_name not in html


def test_report_json_and_final_report_show_the_three_moments(
    three_moments, world, capsys, tmp_path
):
    code = world["programme"].code
    call_command("report", "evaluation", "--programme", code, "--format", "json")
    report = json.loads(capsys.readouterr().out)
    [series] = report["series"]
    assert series["series"] == "kompetens"
    assert series["surveys"] == {m: s.pk for m, s in three_moments.items()}
    competence = next(q for q in series["questions"] if q["code"] == "competence-1")
    assert competence["moments"] == {
        "before": {"n": 7, "mean": 2.429},
        "after": {"n": 7, "mean": 4.0},
        "followup": {"n": 8, "mean": 3.625},
    }
    assert competence["changes"] == {
        key: {"n": n, "mean": mean, "ci95": [low, high]}
        for key, (n, mean, low, high) in EXPECTED.items()
    }
    support = next(q for q in series["questions"] if q["code"] == "support")
    assert support["changes"]["before-after"] == {"n": 3, "mean": None, "ci95": None}
    followup = next(s for s in report["surveys"] if s["phase"] == "followup")
    item = next(q for q in followup["likert"] if q["code"] == "competence-1")
    assert item["paired_change"] == {"n": 6, "mean": 1.333, "ci95": [0.476, 2.19]}

    output = tmp_path / "final.html"
    call_command("report", "final", "--programme", code, "--format", "html", "--output", output)
    chapter = output.read_text(encoding="utf-8").split("<h2>Utvärdering</h2>", 1)[1]
    section = chapter.split("Före, efter och uppföljning: kompetens", 1)[1]
    for text in ("2,43 (n = 7)", "4,00 (n = 7)", "3,63 (n = 8)", "före → uppföljning"):
        assert text in section
    assert "+1,33 (+0,48 – +2,19)" in section
    assert "0,00 (-1,24 – +1,24)" in section
    assert "färre än fem par" in section


# The survey form's series --------------------------------------------------------------


def _create(client, world, **fields):
    code = world["programme"].code
    return client.post(
        f"/evaluation/new/{code}/", {f"{code}-{name}": value for name, value in fields.items()}
    )


def test_admin_sets_the_series_in_the_survey_form(world, no_scope, client):
    sign_in(client, world["users"]["admin"])
    page = client.get("/evaluation/").content.decode()
    assert "Serie" in page
    assert "kompetens-2025" in page  # the help text's example
    response = _create(client, world, template="before", mode="pseudonymous", series="omgang-2")
    assert response.status_code == 302
    assert Survey.objects.get().series == "omgang-2"
    _create(client, world, template="after", mode="pseudonymous", series="")
    _create(client, world, template="reaction", mode="anonymous", series="")
    assert dict(Survey.objects.values_list("phase", "series")) == {
        "before": "omgang-2",
        "after": "kompetens",
        "reaction": "",
    }
    survey = Survey.objects.get(phase="before")
    assert "omgang-2" in client.get(f"/evaluation/{survey.pk}/").content.decode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        (
            {"template": "before", "mode": "pseudonymous", "series": "Kompetens 2025"},
            "gemener a–z, siffror och enstaka bindestreck",
        ),
        (
            {"template": "before", "mode": "pseudonymous", "series": "a-" + "b" * 60},
            "högst 60 tecken",
        ),
        (
            {"template": "before", "mode": "anonymous", "series": "kompetens"},
            "En anonym enkät kan inte kopplas till andra enkäter",
        ),
        (
            {"template": "reaction", "mode": "pseudonymous", "series": "kompetens"},
            "Bara enkäter före, efter och vid uppföljning hör till en serie.",
        ),
        (
            {"template": "before", "mode": "pseudonymous", "series": "kompetens"},
            "Serien ”kompetens” har redan en enkät för tidpunkten före",
        ),
        (
            {"template": "after", "mode": "named", "series": "kompetens"},
            "Serien ”kompetens” är pseudonym",
        ),
    ],
)
def test_survey_form_refuses_a_bad_series(world, no_scope, client, fields, message):
    survey_create_from_template(
        programme=world["programme"], template="before", mode="pseudonymous", by=None
    )
    sign_in(client, world["users"]["admin"])
    response = _create(client, world, **fields)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    code = world["programme"].code
    assert f'<a href="#id_{code}-series">Serie: ' in html  # the summary says where
    assert f'id="id_{code}-series_error"' in html
    assert Survey.objects.count() == 1


def test_the_service_checks_the_series_too(world, no_scope):
    programme = world["programme"]
    survey_create_from_template(programme=programme, template="before", mode="named", by=None)
    with pytest.raises(SurveyError):
        survey_create_from_template(programme=programme, template="before", mode="named", by=None)
    with pytest.raises(SurveyError):
        check_series(programme=programme, series="Ä", phase="after", mode="named")
    check_series(programme=programme, series="kompetens", phase="after", mode="named")
    assert Survey.objects.count() == 1


def test_an_anonymous_survey_keeps_no_place_in_a_series(world, no_scope):
    """An anonymous before survey stored with the series (as older versions did) does not
    stop a pseudonymous one from joining it."""
    programme = world["programme"]
    old = survey_create_from_template(
        programme=programme, template="before", mode="anonymous", by=None
    )
    Survey.objects.filter(pk=old.pk).update(series="kompetens")
    check_series(programme=programme, series="kompetens", phase="before", mode="pseudonymous")
    with pytest.raises(SurveyError):
        survey_create_from_template(
            programme=programme, template="before", mode="anonymous", by=None, series="kompetens"
        )


def test_evaluator_cannot_create_a_survey_with_a_series(world, no_scope, client):
    sign_in(client, world["users"]["evaluator"])
    response = _create(client, world, template="before", mode="pseudonymous", series="x")
    assert response.status_code == 403
    assert not Survey.objects.exists()


# Changing the series of an existing survey -----------------------------------------------


def test_admin_changes_the_series_until_someone_answers(
    world, no_scope, client, staff, django_capture_on_commit_callbacks
):
    from grannar.core.models import AuditEvent

    survey = open_survey(world, "followup", "pseudonymous")
    sign_in(client, world["users"]["admin"])
    page = client.get(f"/evaluation/{survey.pk}/").content.decode()
    assert "Spara serien" in page
    assert not page_problems(page)
    response = client.post(f"/evaluation/{survey.pk}/series/", {"series": "omgang-2"})
    assert response.status_code == 302
    survey.refresh_from_db()
    assert survey.series == "omgang-2"
    event = AuditEvent.objects.get(action="evaluation.survey.series_changed")
    assert event.data == {"series": "omgang-2"}
    client.post(f"/evaluation/{survey.pk}/series/", {"series": ""})
    survey.refresh_from_db()
    assert survey.series == ""

    client.post(f"/evaluation/{survey.pk}/series/", {"series": "kompetens"})
    [token] = invite(survey, staff[:1], world, django_capture_on_commit_callbacks)
    response_submit(token=token, answers={"competence-1": 3})
    assert "Spara serien" not in client.get(f"/evaluation/{survey.pk}/").content.decode()
    refused = client.post(
        f"/evaluation/{survey.pk}/series/", {"series": "omgang-3"}, follow=True
    ).content.decode()
    assert "Serien kan inte ändras när någon har svarat" in refused
    survey.refresh_from_db()
    assert survey.series == "kompetens"


@pytest.mark.parametrize(
    ("series", "message"),
    [
        ("Omgång 2", "gemener a–z, siffror och enstaka bindestreck"),
        ("kompetens", "Serien ”kompetens” har redan en enkät för tidpunkten efter"),
    ],
)
def test_changing_to_a_bad_series_is_refused_at_the_field(world, no_scope, client, series, message):
    open_survey(world, "after", "pseudonymous")
    survey = open_survey(world, "after", "pseudonymous", series="omgang-2")
    sign_in(client, world["users"]["admin"])
    response = client.post(f"/evaluation/{survey.pk}/series/", {"series": series})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert '<a href="#id_series">Serie: ' in html
    assert not page_problems(html)
    survey.refresh_from_db()
    assert survey.series == "omgang-2"


def test_the_series_service_refuses_once_answered(
    world, no_scope, staff, django_capture_on_commit_callbacks
):
    from grannar.evaluation.services import survey_set_series

    survey = open_survey(world, "before", "named")
    assert survey_set_series(survey=survey, series="egen", by=None).series == "egen"
    [token] = invite(survey, staff[:1], world, django_capture_on_commit_callbacks)
    response_submit(token=token, answers={"competence-1": 3})
    with pytest.raises(SurveyError):
        survey_set_series(survey=survey, series="annan", by=None)
    survey.refresh_from_db()
    assert survey.series == "egen"


def test_only_an_admin_changes_the_series(world, no_scope, client):
    survey = open_survey(world, "before", "pseudonymous")
    for role in ("evaluator", "coordinator"):
        sign_in(client, world["users"][role])
        response = client.post(f"/evaluation/{survey.pk}/series/", {"series": "x"})
        assert response.status_code == 403
    survey.refresh_from_db()
    assert survey.series == "kompetens"

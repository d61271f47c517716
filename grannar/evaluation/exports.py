"""The pseudonymised export for evaluators: one row per response, a code instead of a person,
never a name, e-mail address or personnummer. Every export is audit-logged."""

from django.utils.translation import gettext as _
from openpyxl import Workbook

from grannar.core.audit import log_action
from grannar.core.privacy import mask_personal_data
from grannar.core.spreadsheets import XLSX, csv_bytes, workbook_bytes
from grannar.evaluation.models import Answer, Question, Response, Survey
from grannar.evaluation.services import pseudonym


def _respondent(survey: Survey, response: Response, number: int) -> str:
    """The pseudonym (short), a pseudonym made on the spot for a named answer, or for an
    anonymous answer just its row number."""
    if response.pseudonym:
        return response.pseudonym[:16]
    if response.person_id:
        series = survey.series or f"survey-{survey.pk}"
        return pseudonym(
            programme_id=survey.programme_id, series=series, person_id=response.person_id
        )[:16]
    return f"A{number:05d}"


def survey_rows(survey: Survey) -> tuple[list[str], list[list]]:
    questions = list(Question.objects.filter(section__survey=survey))
    header = [
        _("Respondent"),
        _("Survey"),
        _("Kind"),
        _("Month answered"),
        _("Municipality code"),
        _("Staff category"),
        _("Sector"),
        *[q.code for q in questions],
    ]
    answers: dict[tuple[int, int], Answer] = {
        (a.response_id, a.question_id): a for a in Answer.objects.filter(response__survey=survey)
    }
    rows = []
    responses = Response.objects.filter(survey=survey).select_related(
        "municipality", "staff_category", "sector"
    )
    for number, response in enumerate(responses.order_by("?"), start=1):
        row = [
            _respondent(survey, response, number),
            survey.pk,
            survey.phase,
            f"{response.submitted:%Y-%m}",
            response.municipality.code if response.municipality else "",
            response.staff_category.code if response.staff_category else "",
            response.sector.code if response.sector else "",
        ]
        for question in questions:
            answer = answers.get((response.pk, question.pk))
            row.append(_value(answer))
        rows.append(row)
    rows.sort(key=lambda row: str(row[0]))
    return header, rows


def _value(answer: Answer | None):
    if answer is None:
        return None
    if answer.number is not None:
        return float(answer.number)
    if answer.choices:
        return ";".join(answer.choices)
    return mask_personal_data(answer.text)


def survey_export(*, survey: Survey, fmt: str, by) -> tuple[bytes, str]:
    header, rows = survey_rows(survey)
    if fmt == "csv":
        content, content_type = csv_bytes(header, rows), "text/csv; charset=utf-8"
    else:
        book = Workbook()
        sheet = book.active
        sheet.title = _("Answers")[:31]
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        content, content_type = workbook_bytes(book), XLSX
    log_action(
        action="evaluation.answers.exported",
        actor=by,
        target=survey,
        data={"format": fmt, "rows": len(rows)},
    )
    return content, content_type

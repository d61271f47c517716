"""The pseudonymised export for evaluators: one row per response, a code instead of a person,
never a name, e-mail address or personnummer. Every export is audit-logged."""

from django.utils import timezone
from django.utils.translation import gettext as _

from grannar.core.audit import log_action
from grannar.core.downloads import file_name
from grannar.core.privacy import mask_personal_data
from grannar.core.spreadsheets import DECIMAL, INTEGER, XLSX, Column, Spreadsheet, csv_bytes
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
    """The answers, one row per response: names of municipality, category and sector (the
    municipality code beside its name), then one column per question under its code."""
    questions = list(Question.objects.filter(section__survey=survey))
    header = [
        _("Respondent"),
        _("Survey"),
        _("Kind"),
        _("Month answered"),
        _("Municipality code"),
        _("Municipality"),
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
    kind = _capitalised(survey.get_phase_display())
    for number, response in enumerate(responses.order_by("?"), start=1):
        row = [
            _respondent(survey, response, number),
            survey.localized_title,
            kind,
            f"{response.submitted:%Y-%m}",
            response.municipality.code if response.municipality else "",
            response.municipality.name if response.municipality else "",
            response.staff_category.name if response.staff_category else "",
            response.sector.name if response.sector else "",
        ]
        for question in questions:
            answer = answers.get((response.pk, question.pk))
            row.append(_value(answer))
        rows.append(row)
    rows.sort(key=lambda row: str(row[0]))
    return header, rows


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def survey_file_name(survey: Survey, fmt: str) -> str:
    """`enkätsvar-nya-grannar-12-2026-12-02.xlsx`: what, programme, survey and day."""
    return file_name(
        _("survey-answers"),
        survey.programme.code,
        survey.pk,
        timezone.localdate().isoformat(),
        extension=fmt,
    )


def _value(answer: Answer | None):
    if answer is None:
        return None
    if answer.number is not None:
        return float(answer.number)
    if answer.choices:
        return ";".join(answer.choices)
    return mask_personal_data(answer.text)


def survey_export(*, survey: Survey, fmt: str, by) -> tuple[bytes, str]:
    """The answers as CSV or XLSX, audit-logged; the workbook says what it is and what each
    question code asks."""
    header, rows = survey_rows(survey)
    if fmt == "csv":
        content, content_type = csv_bytes(header, rows), "text/csv; charset=utf-8"
    else:
        person = getattr(by, "person", None)
        book = Spreadsheet(
            title=_("Survey answers: %(title)s") % {"title": survey.localized_title},
            programme=f"{survey.programme.name} ({survey.programme.code})",
            period=f"{survey.created:%Y-%m-%d} – "
            + (f"{survey.closes:%Y-%m-%d}" if survey.closes else ""),
            made_by=f"{person.first_name} {person.last_name}" if person else str(by),
        )
        book.note(_("Responses"), len(rows), INTEGER)
        questions = Question.objects.filter(section__survey=survey)
        numeric = {Question.Kind.LIKERT, Question.Kind.NUMBER}
        sheet = book.sheet(
            _("Answers"),
            [Column(title) for title in header[:8]]
            + [Column(q.code, DECIMAL if q.kind in numeric else None) for q in questions],
        )
        for row in rows:
            sheet.append(row)
        legend = book.sheet(_("Questions"), [Column(_("Code")), Column(_("Question"))])
        for question in questions:
            legend.append([question.code, question.localized_text])
        content, content_type = book.xlsx(), XLSX
    log_action(
        action="evaluation.answers.exported",
        actor=by,
        target=survey,
        data={"format": fmt, "rows": len(rows)},
    )
    return content, content_type

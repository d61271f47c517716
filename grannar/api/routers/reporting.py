"""The programme's figures, from the counting module and suppressed by role exactly as the
dashboard shows them (it is the same function)."""

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema

from grannar.api.common import Code, Date, MunicipalityCode
from grannar.api.errors import ERRORS
from grannar.api.security import check_role
from grannar.people.models import Role
from grannar.programmes.selectors import access_programme
from grannar.reporting import reports
from grannar.reporting.forms import DashboardFilterForm
from grannar.reporting.selectors import municipality_choices

router = Router(tags=["figures"])
Value = int | float | str


class KeyFigure(Schema):
    label: str
    value: Value = Field(description='A count, or "<5" where it is suppressed.')
    note: str


class Cell(Schema):
    code: str
    label: str
    value: Value


class Breakdown(Schema):
    key: str
    title: str
    total: Value
    withheld: bool = Field(description="Too few people for the table to be shown safely.")
    rows: list[Cell]


class CollaborationFigure(Schema):
    code: str
    label: str
    value: Value


class Section(Schema):
    title: str
    suppressed: bool
    key_figures: list[KeyFigure]
    breakdowns: list[Breakdown]
    collaboration: list[CollaborationFigure]


class Summary(Schema):
    programme: str
    sections: list[Section]


class SummaryFilter(Schema):
    municipality: MunicipalityCode | None = None
    date_from: Date | None = None
    date_to: Date | None = None


def _section(section: reports.Section) -> dict:
    return {
        "title": section.title,
        "suppressed": section.suppressed,
        "key_figures": [
            {"label": label, "value": value, "note": note}
            for label, value, note in section.key_figures
        ],
        "breakdowns": [
            {
                "key": panel.breakdown.key,
                "title": panel.breakdown.title,
                "total": panel.breakdown.total,
                "withheld": panel.breakdown.withheld,
                "rows": [
                    {"code": code, "label": label, "value": value}
                    for code, label, value in panel.breakdown.rows
                ],
            }
            for panel in section.tables
        ],
        "collaboration": [
            {"code": code, "label": label, "value": value}
            for code, label, value, _note in section.collaboration.key_figures
        ],
    }


@router.get("/programmes/{code}/summary", response={200: Summary, **ERRORS})
def programme_summary(request, code: Code, filters: Query[SummaryFilter]):
    """The key figures and breakdowns of a programme, for a period and a municipality: in full
    for programme admins and auditors; a coordinator's own municipality in full and everything
    else with small cells suppressed; suppressed for evaluators."""
    check_role(request.user, Role.ADMIN, Role.AUDITOR, Role.COORDINATOR, Role.EVALUATOR)
    programme = access_programme(user=request.user, code=code)
    choices = municipality_choices(programme)
    data = {"start": filters.date_from or "", "end": filters.date_to or ""}
    if filters.municipality:
        ids = dict(programme.municipalities.values_list("code", "pk"))
        data["municipality"] = ids.get(filters.municipality, filters.municipality)
    form = DashboardFilterForm(data, municipalities=choices)
    if not form.is_valid():
        errors = form.errors.as_data()
        names = {"start": "date_from", "end": "date_to"}
        raise ValidationError({names.get(name, name): value for name, value in errors.items()})
    sections = reports.dashboard(
        programme=programme,
        user=request.user,
        start=form.cleaned_data["start"],
        end=form.cleaned_data["end"],
        municipality_id=form.cleaned_data["municipality"],
    )
    return {"programme": programme.code, "sections": [_section(s) for s in sections]}

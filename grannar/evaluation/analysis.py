"""Survey results: distributions, means, paired change between the moments of a series (before
→ after, after → follow-up, before → follow-up) with a 95 % confidence interval, response rates,
breakdowns and organisational impact. Groups under the threshold are never shown; identities
never leave this module (pairs are matched on pseudonym or person and only the differences come
out)."""

import math
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils import formats
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled

from grannar.core.privacy import mask_personal_data
from grannar.core.suppression import PRIMARY, THRESHOLD
from grannar.evaluation.models import (
    MOMENT_NAMES,
    Answer,
    Invitation,
    Question,
    Response,
    Survey,
)
from grannar.evaluation.templates import MOMENTS
from grannar.training.facts import Scope, person_facts

# Two-sided 95 % critical values of Student's t for 1–30 degrees of freedom.
T_975 = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
]  # fmt: skip


def t_critical(df: int) -> float:
    """t(0.975, df): the table up to 30, then the Cornish–Fisher expansion (error < 0.001)."""
    if df < 1:
        raise ValueError("At least one degree of freedom is needed.")
    if df <= len(T_975):
        return T_975[df - 1]
    z = 1.959964
    return (
        z
        + (z**3 + z) / (4 * df)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * df**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * df**3)
    )


@dataclass(frozen=True)
class PairedChange:
    n: int
    mean: float | None  # later − earlier; None when suppressed
    low: float | None
    high: float | None


def paired_change(differences: list[float]) -> PairedChange:
    """Mean of paired differences with its 95 % t-interval; hidden under the threshold."""
    n = len(differences)
    if n < THRESHOLD:
        return PairedChange(n=n, mean=None, low=None, high=None)
    mean = statistics.fmean(differences)
    margin = t_critical(n - 1) * statistics.stdev(differences) / math.sqrt(n)
    return PairedChange(
        n=n, mean=round(mean, 3), low=round(mean - margin, 3), high=round(mean + margin, 3)
    )


# The changes a series shows, each on the people who answered at both moments.
STEPS = (("before", "after"), ("after", "followup"), ("before", "followup"))


@dataclass(frozen=True)
class Change:
    """The paired change of one scale question from moment `start` to moment `end`."""

    start: str
    end: str
    paired: PairedChange

    @property
    def key(self) -> str:
        return f"{self.start}-{self.end}"

    @property
    def label(self) -> str:
        return f"{MOMENT_NAMES[self.start]} → {MOMENT_NAMES[self.end]}"


@dataclass
class QuestionResult:
    question: Question
    n: int
    mean: float | None = None
    distribution: list[tuple[str, int | str]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)  # from earlier moments to this survey
    breakdowns: dict[str, list[tuple[str, int, float | None]]] = field(default_factory=dict)

    @property
    def shown(self) -> bool:
        return self.n >= THRESHOLD

    @property
    def paired(self) -> PairedChange | None:
        """The change since the series' before survey, if there is one."""
        return next((c.paired for c in self.changes if c.start == Survey.Phase.BEFORE), None)


@dataclass
class SurveyResult:
    survey: Survey
    invitations: int
    responses: int
    questions: list[QuestionResult]
    compared_with: list[Survey] = field(default_factory=list)

    @property
    def response_rate(self) -> float | None:
        return round(self.responses / self.invitations, 3) if self.invitations else None


def _identity(response: Response) -> str | None:
    if response.pseudonym:
        return response.pseudonym
    return f"person-{response.person_id}" if response.person_id else None


def series_surveys(survey: Survey) -> dict[str, Survey]:
    """The surveys linked with `survey` by moment (before, after, follow-up): its series'
    opened surveys that keep who answered, `survey` itself among them; none outside a series."""
    if survey.phase not in MOMENTS or not survey.series or survey.mode == Survey.Mode.ANONYMOUS:
        return {}
    linked: dict[str, Survey] = {}
    for other in (
        Survey.objects.filter(
            programme_id=survey.programme_id, series=survey.series, phase__in=MOMENTS
        )
        .exclude(mode=Survey.Mode.ANONYMOUS)
        .exclude(status=Survey.Status.DRAFT)
        .order_by("id")
    ):
        linked.setdefault(other.phase, other)
    linked[survey.phase] = survey
    return {moment: linked[moment] for moment in MOMENTS if moment in linked}


# One survey's scale answers: (question code, identity or None, value).
ScaleAnswers = list[tuple[str, str | None, float]]


def _scale_answers(survey: Survey, cache: dict | None = None) -> ScaleAnswers:
    if cache is not None and survey.pk in cache:
        return cache[survey.pk]
    rows = [
        (answer.question.code, _identity(answer.response), float(answer.number))
        for answer in Answer.objects.filter(
            response__survey=survey, question__kind=Question.Kind.LIKERT, number__isnull=False
        ).select_related("response", "question")
    ]
    if cache is not None:
        cache[survey.pk] = rows
    return rows


def _by_identity(rows: ScaleAnswers) -> dict[tuple[str, str], float]:
    return {(code, identity): value for code, identity, value in rows if identity}


def _change(start: str, end: str, earlier: dict, later: dict, code: str) -> Change:
    """The change of question `code` for everyone with an answer at both moments."""
    return Change(
        start=start,
        end=end,
        paired=paired_change(
            [
                value - earlier[(code, identity)]
                for (question, identity), value in later.items()
                if question == code and (code, identity) in earlier
            ]
        ),
    )


def survey_result(
    survey: Survey, *, labels: dict[str, dict] | None = None, cache: dict | None = None
) -> SurveyResult:
    """Everything the results page, the report and the export summarise, for one survey."""
    questions = list(
        Question.objects.filter(section__survey=survey).select_related("section", "subgoal")
    )
    responses = {r.pk: r for r in Response.objects.filter(survey=survey)}
    answers = defaultdict(list)
    for answer in Answer.objects.filter(response__survey=survey).order_by("pk"):
        answers[answer.question_id].append(answer)
    linked = series_surveys(survey)
    earlier = [start for start in linked if (start, survey.phase) in STEPS]
    earlier_values = {
        start: _by_identity(_scale_answers(linked[start], cache)) for start in earlier
    }
    these_values = _by_identity(_scale_answers(survey, cache)) if earlier else {}
    # A question pairs only with a moment that asked it under the same code.
    asked = {
        start: set(
            Question.objects.filter(
                section__survey=linked[start], kind=Question.Kind.LIKERT
            ).values_list("code", flat=True)
        )
        for start in earlier
    }
    results = []
    for question in questions:
        rows = answers[question.pk]
        result = QuestionResult(question=question, n=len(rows))
        if question.kind in (Question.Kind.LIKERT, Question.Kind.NUMBER):
            values = [float(a.number) for a in rows if a.number is not None]
            result.mean = round(statistics.fmean(values), 3) if values and result.shown else None
            if question.kind == Question.Kind.LIKERT:
                counts = Counter(int(v) for v in values)
                result.distribution = [(str(v), counts[v]) for v in range(1, 6)]
                result.breakdowns = _breakdowns(rows, responses, labels or {})
                result.changes = [
                    _change(start, survey.phase, earlier_values[start], these_values, question.code)
                    for start in earlier
                    if question.code in asked[start]
                ]
        elif question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            counts = Counter(choice for a in rows for choice in a.choices)
            result.distribution = [
                (label, counts[value]) for value, label in question.localized_choices()
            ]
        else:
            # Free text only where the group is large enough for no answer to stand out.
            result.texts = [mask_personal_data(a.text) for a in rows] if result.shown else []
        if not result.shown:
            result.distribution = [(label, PRIMARY) for label, _count in result.distribution]
        results.append(result)
    return SurveyResult(
        survey=survey,
        invitations=Invitation.objects.filter(survey=survey).count(),
        responses=len(responses),
        questions=results,
        compared_with=[linked[start] for start in earlier],
    )


@dataclass(frozen=True)
class Moment:
    """One scale question at one moment of a series: answers and their mean (None under 5)."""

    moment: str
    n: int
    mean: float | None


@dataclass(frozen=True)
class SeriesQuestion:
    question: Question  # as worded at its first moment
    moments: list[Moment]
    changes: list[Change]


@dataclass(frozen=True)
class SeriesResult:
    """A series' before, after and follow-up side by side, per scale question asked at two or
    more of them, with the paired change between each two moments."""

    series: str
    surveys: dict[str, Survey]
    questions: list[SeriesQuestion]

    @property
    def moments(self) -> list[tuple[str, str]]:
        return [(moment, MOMENT_NAMES[moment]) for moment in self.surveys]


def series_result(survey: Survey, *, cache: dict | None = None) -> SeriesResult | None:
    """The series `survey` belongs to, moment by moment; None unless two or more moments of it
    keep who answered."""
    linked = series_surveys(survey)
    if len(linked) < 2:
        return None
    rows = {moment: _scale_answers(s, cache) for moment, s in linked.items()}
    values = {moment: _by_identity(r) for moment, r in rows.items()}
    wording: dict[str, Question] = {}
    asked: dict[str, set[str]] = defaultdict(set)
    for moment, s in linked.items():
        for question in Question.objects.filter(
            section__survey=s, kind=Question.Kind.LIKERT
        ).select_related("section"):
            wording.setdefault(question.code, question)
            asked[question.code].add(moment)
    questions = []
    for code, question in wording.items():
        if len(asked[code]) < 2:
            continue
        moments = []
        for moment in linked:
            if moment not in asked[code]:
                continue
            found = [value for c, _identity, value in rows[moment] if c == code]
            shown = len(found) >= THRESHOLD
            moments.append(
                Moment(
                    moment=moment,
                    n=len(found),
                    mean=round(statistics.fmean(found), 3) if shown else None,
                )
            )
        changes = [
            _change(start, end, values[start], values[end], code)
            for start, end in STEPS
            if start in asked[code] and end in asked[code]
        ]
        questions.append(SeriesQuestion(question=question, moments=moments, changes=changes))
    return SeriesResult(series=survey.series, surveys=linked, questions=questions)


def _breakdowns(rows, responses, labels) -> dict[str, list[tuple[str, int, float | None]]]:
    """Mean per municipality, staff category and sector; groups under the threshold hidden."""
    groups: dict[str, dict[str, list[float]]] = {
        "municipality": defaultdict(list),
        "staff_category": defaultdict(list),
        "sector": defaultdict(list),
    }
    for answer in rows:
        response = responses[answer.response_id]
        value = float(answer.number)
        groups["municipality"][response.municipality_id].append(value)
        groups["staff_category"][response.staff_category_id].append(value)
        groups["sector"][response.sector_id].append(value)
    result = {}
    for key, by_group in groups.items():
        names = labels.get(key, {})
        result[key] = sorted(
            (
                names.get(group, _("not known")),
                len(values),
                round(statistics.fmean(values), 2) if len(values) >= THRESHOLD else None,
            )
            for group, values in by_group.items()
        )
    return result


def programme_results(programme, *, cache: dict | None = None) -> list[SurveyResult]:
    """Every survey of the programme that has been opened, in order."""
    labels = breakdown_labels()
    surveys = Survey.objects.filter(programme=programme).exclude(status=Survey.Status.DRAFT)
    return [survey_result(s, labels=labels, cache=cache) for s in surveys.order_by("series", "id")]


def programme_series(programme, *, cache: dict | None = None) -> list[SeriesResult]:
    """Every series of the programme with two or more opened moments, by name."""
    first: dict[str, Survey] = {}
    for survey in (
        Survey.objects.filter(programme=programme, phase__in=MOMENTS)
        .exclude(series="")
        .exclude(mode=Survey.Mode.ANONYMOUS)
        .exclude(status=Survey.Status.DRAFT)
        .order_by("series", "id")
    ):
        first.setdefault(survey.series, survey)
    results = [series_result(survey, cache=cache) for survey in first.values()]
    return [result for result in results if result is not None]


def breakdown_labels() -> dict[str, dict]:
    from grannar.programmes.models import Municipality, Sector, StaffCategory

    return {
        "municipality": dict(Municipality.objects.values_list("pk", "name")),
        "staff_category": dict(StaffCategory.objects.values_list("pk", "name")),
        "sector": dict(Sector.objects.values_list("pk", "name")),
    }


# Organisational impact --------------------------------------------------------------------

# Units are split into this many equal groups by training hours per member of staff.
GROUPS = 3


@dataclass(frozen=True)
class ImpactRow:
    band: str
    workplaces: int
    participants: int | str
    hours: int | str
    managers: int
    means: list[float | None]


@dataclass(frozen=True)
class Impact:
    questions: list[Question]
    rows: list[ImpactRow]


def organisational_impact(survey: Survey) -> Impact:
    """The managers' answers beside the training their units received: the answering units in
    three equal groups by training hours per member of staff (least, middle, most), so that
    the link can be seen and no single unit (or manager) can be picked out."""
    from grannar.people.models import Person

    with scopes_disabled():
        facts = person_facts(Scope(programme=survey.programme))
        facts = [f for f in facts if not f.support_resource]
        staff = Counter(
            Person.objects.filter(workplace__isnull=False, support_resource=False).values_list(
                "workplace_id", flat=True
            )
        )
    trained: Counter = Counter()
    hours: Counter = Counter()
    for fact in facts:
        if fact.workplace_id:
            trained[fact.workplace_id] += 1
            hours[fact.workplace_id] += fact.hours
    questions = list(
        Question.objects.filter(section__survey=survey, kind=Question.Kind.LIKERT).order_by(
            "section__order", "order"
        )
    )
    answers: dict = defaultdict(lambda: defaultdict(list))
    respondents: Counter = Counter()
    responses = Response.objects.filter(survey=survey, workplace__isnull=False)
    for workplace_id in responses.values_list("workplace_id", flat=True):
        respondents[workplace_id] += 1
    for row in Answer.objects.filter(response__in=responses, question__in=questions).values(
        "response__workplace_id", "question__code", "number"
    ):
        answers[row["response__workplace_id"]][row["question__code"]].append(float(row["number"]))
    intensity = {w: hours[w] / max(staff[w], 1) for w in respondents}
    ranked = sorted(respondents, key=lambda w: (intensity[w], w))
    rows = []
    for part in range(GROUPS):
        units = ranked[part * len(ranked) // GROUPS : (part + 1) * len(ranked) // GROUPS]
        if not units:
            continue
        managers = sum(respondents[w] for w in units)
        shown = managers >= THRESHOLD
        participants = sum(trained[w] for w in units)
        low, high = intensity[units[0]], intensity[units[-1]]
        rows.append(
            ImpactRow(
                band=f"{formats.number_format(low, 1)}–{formats.number_format(high, 1)}",
                workplaces=len(units),
                participants=participants if shown or not participants else PRIMARY,
                hours=sum(hours[w] for w in units) if shown or not participants else PRIMARY,
                managers=managers,
                means=[
                    _mean([v for w in units for v in answers[w].get(q.code, [])], shown)
                    for q in questions
                ],
            )
        )
    return Impact(questions=questions, rows=rows)


def _mean(values: list[float], shown: bool) -> float | None:
    return round(statistics.fmean(values), 2) if shown and values else None


def _paired_json(paired: PairedChange) -> dict:
    return {
        "n": paired.n,
        "mean": paired.mean,
        "ci95": None if paired.mean is None else [paired.low, paired.high],
    }


def evaluation_summary(programme) -> dict:
    """`grannar report evaluation --format json`: per survey the invitations, responses and
    response rate, and per scale question n, mean and the change since the series' before
    (null under 5); per series each scale question at every moment and the paired change
    between each two moments."""
    cache: dict = {}
    surveys = []
    for result in programme_results(programme, cache=cache):
        survey = result.survey
        likert = []
        for question in result.questions:
            if question.question.kind != Question.Kind.LIKERT:
                continue
            entry = {"code": question.question.code, "n": question.n, "mean": question.mean}
            if question.paired is not None:
                entry["paired_change"] = _paired_json(question.paired)
            likert.append(entry)
        surveys.append(
            {
                "survey": survey.pk,
                "title": survey.title,
                "phase": survey.phase,
                "mode": survey.mode,
                "series": survey.series,
                "invitations": result.invitations,
                "responses": result.responses,
                "response_rate": result.response_rate,
                "likert": likert,
            }
        )
    series = [
        {
            "series": result.series,
            "surveys": {moment: s.pk for moment, s in result.surveys.items()},
            "questions": [
                {
                    "code": q.question.code,
                    "moments": {m.moment: {"n": m.n, "mean": m.mean} for m in q.moments},
                    "changes": {c.key: _paired_json(c.paired) for c in q.changes},
                }
                for q in result.questions
            ],
        }
        for result in programme_series(programme, cache=cache)
    ]
    return {"programme": programme.code, "surveys": surveys, "series": series}

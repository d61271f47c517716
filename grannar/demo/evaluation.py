"""Demo survey data: every template filled in by a plausible share of the programme's
participants, with competence rising between before and after and holding, a little lower, at
the follow-up (the same people, so the three moments pair up), and managers' answers that
follow how much of their staff took part."""

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

from django.utils import timezone

from grannar.evaluation.models import Answer, Invitation, Question, Response, Survey, token_hash
from grannar.evaluation.services import new_response, survey_create_from_template
from grannar.people.models import Person
from grannar.programmes.models import Programme
from grannar.training.facts import Scope, person_facts
from grannar.training.models import Registration

TEXTS = {
    "better": ["Mer tid för diskussion.", "Fler konkreta fall.", "Bra som det var."],
    "learned": ["Att fråga om sömn och oro.", "Hur skolan och boendet kan samarbeta."],
    "example": ["Vi har infört ett samtalsstöd.", "Vi har en ny rutin för överlämning."],
    "change": ["Tydligare ansvar mellan skola och boende.", "Fler samtal om mående."],
}


def _clip(value: float) -> int:
    return max(1, min(5, round(value)))


class EvaluationDemo:
    def __init__(self, programme: Programme, *, seed: int):
        self.programme = programme
        self.rng = random.Random(f"{seed}-evaluation-{programme.code}")

    def load(self) -> int:
        """Write the surveys and answers; return the number of responses (0 if there)."""
        if Survey.objects.filter(programme=self.programme).exists():
            return 0
        attended = list(
            Person.objects.with_scopes_disabled()
            .filter(
                registrations__status=Registration.Status.ATTENDED,
                registrations__session__course__programme=self.programme,
                support_resource=False,
            )
            .distinct()
            .order_by("id")
            .select_related("staff_category")
        )
        if not attended:
            return 0
        end = self.programme.ends
        # The before survey closes a quarter into the programme, the rest at its end.
        early = self.programme.starts + dt.timedelta(days=90)
        made = 0
        reaction = self._survey("reaction", Survey.Mode.ANONYMOUS, end)
        made += self._answer(reaction, self.rng.sample(attended, k=min(600, len(attended))), 0.55)
        panel = self.rng.sample(attended, k=min(500, len(attended)))
        before = self._survey("before", Survey.Mode.PSEUDONYMOUS, early)
        after = self._survey("after", Survey.Mode.PSEUDONYMOUS, end)
        self.levels: dict[tuple[str, int], int] = {}
        self.after_levels: dict[tuple[str, int], int] = {}
        made += self._answer(before, panel, 0.72)
        made += self._answer(after, panel, 0.61)
        # The follow-up repeats the before and after questions under their codes.
        self.shared = set(
            Question.objects.filter(section__survey=before, kind=Question.Kind.LIKERT).values_list(
                "code", flat=True
            )
        )
        followup = self._survey("followup", Survey.Mode.PSEUDONYMOUS, end)
        made += self._answer(followup, self.rng.sample(panel, k=min(300, len(panel))), 0.47)
        made += self._managers()
        return made

    def _survey(self, template: str, mode: str, end: dt.date) -> Survey:
        survey = survey_create_from_template(
            programme=self.programme,
            template=template,
            mode=mode,
            by=None,
            closes=timezone.make_aware(dt.datetime.combine(end, dt.time(23, 59))),
        )
        # Distinct names, as an evaluator keeps them apart: what, for which programme, when.
        suffix = f" – {self.programme.name}, {end:%Y-%m-%d}"
        titles = {"title": survey.title + suffix, "title_en": survey.title_en + suffix}
        Survey.objects.filter(pk=survey.pk).update(status=Survey.Status.CLOSED, **titles)
        survey.status, survey.title, survey.title_en = Survey.Status.CLOSED, *titles.values()
        return survey

    def _answer(self, survey: Survey, people: list[Person], share: float, *, trained=None):
        questions = list(Question.objects.filter(section__survey=survey))
        invitations, responses, answers = [], [], []
        for person in people:
            answers_now = self.rng.random() < share
            invitations.append(
                Invitation(
                    survey=survey,
                    person=person,
                    token_hash=token_hash(f"demo-{survey.pk}-{person.pk}-{self.rng.random()}"),
                    sent=timezone.now(),
                    used=answers_now,
                )
            )
            if not answers_now:
                continue
            response = new_response(
                survey=survey, person=person, on=timezone.localtime(survey.closes).date()
            )
            responses.append(response)
            for question in questions:
                value = self._value(survey, question, person, trained)
                if value is not None:
                    answers.append((response, question, value))
        Invitation.objects.bulk_create(invitations, batch_size=1000)
        Response.objects.bulk_create(responses, batch_size=1000)
        Answer.objects.bulk_create(
            (self._row(response, question, value) for response, question, value in answers),
            batch_size=2000,
        )
        return len(responses)

    def _row(self, response, question, value) -> Answer:
        if question.kind in (Question.Kind.LIKERT, Question.Kind.NUMBER):
            return Answer(response=response, question=question, number=Decimal(value))
        if question.kind in (Question.Kind.SINGLE, Question.Kind.MULTIPLE):
            return Answer(response=response, question=question, choices=value)
        return Answer(response=response, question=question, text=value)

    def _value(self, survey, question, person, trained):
        rng = self.rng
        if question.kind == Question.Kind.LIKERT:
            if survey.phase == Survey.Phase.BEFORE:
                level = _clip(rng.gauss(2.6, 0.8))
                self.levels[(question.code, person.pk)] = level
                return level
            key = (question.code, person.pk)
            if survey.phase == Survey.Phase.AFTER:
                start = self.levels.get(key, _clip(rng.gauss(2.6, 0.8)))
                self.after_levels[key] = _clip(start + rng.gauss(0.7, 0.7))
                return self.after_levels[key]
            if survey.phase == Survey.Phase.FOLLOWUP and question.code in self.shared:
                if key in self.after_levels:
                    return _clip(self.after_levels[key] + rng.gauss(-0.2, 0.5))
                start = self.levels.get(key, _clip(rng.gauss(2.6, 0.8)))
                return _clip(start + rng.gauss(0.5, 0.7))
            if survey.phase == Survey.Phase.ORGANISATION:
                return _clip(rng.gauss(2.2 + 0.3 * (trained or 0), 0.6))
            return _clip(rng.gauss(4.0, 0.8))
        if question.kind == Question.Kind.SINGLE:
            return [rng.choices([c["value"] for c in question.choices], weights=[6, 3, 1])[0]]
        if question.kind == Question.Kind.MULTIPLE:
            values = [c["value"] for c in question.choices[:-1]]
            picked = [v for v in values if rng.random() < 0.45]
            return picked or [question.choices[-1]["value"]]
        if question.kind == Question.Kind.NUMBER:
            return max(0, round(rng.gauss(4, 2.5)))
        if rng.random() < 0.4:
            return rng.choice(TEXTS.get(question.code, ["Inga synpunkter."]))
        return None

    def _managers(self) -> int:
        """One person per workplace answers for the unit, as its manager would; how much
        change they see follows the unit's training hours per member of staff."""
        hours: Counter = Counter()
        for fact in person_facts(Scope(programme=self.programme)):
            if fact.workplace_id:
                hours[fact.workplace_id] += fact.hours
        staff: Counter = Counter()
        managers = {}
        for person in (
            Person.objects.with_scopes_disabled()
            .filter(
                workplace__isnull=False,
                municipality__memberships__programme=self.programme,
                support_resource=False,
            )
            .select_related("staff_category")
            .order_by("id")
        ):
            staff[person.workplace_id] += 1
            managers.setdefault(person.workplace_id, person)
        survey = self._survey("organisation", Survey.Mode.PSEUDONYMOUS, self.programme.ends)
        made = 0
        for workplace_id, person in managers.items():
            per_head = hours[workplace_id] / staff[workplace_id]
            made += self._answer(survey, [person], 0.65, trained=per_head)
        return made

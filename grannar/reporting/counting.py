"""The programme's figures by the counting rules of DESIGN.md; every output uses `figures()`.

The rules themselves are pure functions in `grannar.core.rules`; the per-person facts they are
applied to come from `grannar.training.facts` in one query. `figures()` counts them in Python,
plus two small GROUP BY queries, so the number of queries is fixed whatever the programme's size.
"""

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Count
from django_scopes import scopes_disabled

from grannar.core.rules import AGE_BANDS, GENDERS, cofinancing
from grannar.programmes.models import Programme
from grannar.training.facts import Scope, attended_registrations, person_facts


def hourly_rates(programme: Programme) -> dict[int, Decimal]:
    """The programme's rate per staff category id, for categories that set one."""
    return {
        category_id: rate
        for category_id, rate in programme.programme_categories.values_list(
            "category_id", "hourly_rate_sek"
        )
        if rate is not None
    }


@dataclass
class Figures:
    """The programme's figures for one scope; every output shows these."""

    programme: str
    target_participants: int
    participants: int = 0
    support_resources: int = 0
    sessions_held: int = 0
    attended_hours: int = 0
    cofinancing_sek: Decimal = Decimal(0)
    by_municipality: dict[str, int] = field(default_factory=dict)
    by_staff_category: dict[str, int] = field(default_factory=dict)
    by_gender: dict[str, int] = field(default_factory=dict)
    by_age_band: dict[str, int] = field(default_factory=dict)
    by_subgoal: dict[str, int] = field(default_factory=dict)
    by_sector: dict[str, int] = field(default_factory=dict)
    reached_by_month: dict[str, int] = field(default_factory=dict)  # new participants per month

    @property
    def attainment(self) -> float:
        """Participants / target, three decimals."""
        if not self.target_participants:
            return 0.0
        return round(self.participants / self.target_participants, 3)

    def as_summary(self) -> dict:
        """The JSON summary of DESIGN.md (unsuppressed: for programme admins)."""
        return {
            "programme": self.programme,
            "target_participants": self.target_participants,
            "participants": self.participants,
            "attainment": self.attainment,
            "support_resources": self.support_resources,
            "sessions_held": self.sessions_held,
            "attended_hours": self.attended_hours,
            "cofinancing_sek": sek(self.cofinancing_sek),
            "by_municipality": self.by_municipality,
            "by_staff_category": self.by_staff_category,
            "by_gender": self.by_gender,
            "by_age_band": self.by_age_band,
            "by_subgoal": self.by_subgoal,
        }


def sek(amount: Decimal) -> int | float:
    """An amount for JSON: whole kronor as an integer, otherwise to the öre."""
    amount = amount.quantize(Decimal("0.01"))
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def _ordered(counter: Counter, order=None) -> dict[str, int]:
    """Zero counts left out; a known order first (age bands, genders), otherwise by key."""
    keys = [k for k in order if k in counter] if order else sorted(counter, key=_natural)
    return {k: counter[k] for k in keys if counter[k]}


def _natural(key: str):
    return (0, int(key), "") if key.isdigit() else (1, 0, key)


def figures(scope: Scope) -> Figures:
    """All figures for a scope, by the counting rules."""
    programme = scope.programme
    result = Figures(programme=programme.code, target_participants=programme.target_participants)
    facts = person_facts(scope)
    participants = [f for f in facts if not f.support_resource]
    result.participants = len(participants)
    result.support_resources = len(facts) - len(participants)

    hours_by_category: Counter = Counter()
    counters = {name: Counter() for name in ("municipality", "category", "gender", "age", "sector")}
    reached: Counter = Counter()
    for fact in participants:
        hours_by_category[fact.staff_category_id] += fact.hours
        counters["municipality"][fact.municipality] += 1
        counters["category"][fact.staff_category] += 1
        counters["gender"][fact.gender] += 1
        counters["age"][fact.age_band] += 1
        counters["sector"][fact.sector] += 1
        reached[f"{fact.first_in_period:%Y-%m}"] += 1
    result.attended_hours = sum(hours_by_category.values())
    result.cofinancing_sek = cofinancing(
        hours_by_category, hourly_rates(programme), programme.default_hourly_rate_sek
    )
    result.by_municipality = _ordered(counters["municipality"])
    result.by_staff_category = _ordered(counters["category"])
    result.by_gender = _ordered(counters["gender"], GENDERS)
    result.by_age_band = _ordered(counters["age"], AGE_BANDS)
    result.by_sector = _ordered(counters["sector"])
    result.reached_by_month = _ordered(reached)

    with scopes_disabled():
        rows = attended_registrations(scope).filter(scope.period_q())
        result.sessions_held = rows.aggregate(n=Count("session_id", distinct=True))["n"]
        participant_rows = rows.filter(person__support_resource=False)
        result.by_subgoal = _ordered(
            Counter(
                {
                    str(row["session__course__subgoals__number"]): row["n"]
                    for row in participant_rows.filter(session__course__subgoals__isnull=False)
                    .values("session__course__subgoals__number")
                    .annotate(n=Count("person_id", distinct=True))
                    .order_by()
                }
            )
        )
    return result

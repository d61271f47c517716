"""The counting rules of DESIGN.md as small pure functions, with no model behind them.

Every app may use them (certificates, the trainer's lists, evaluation, reports), so they live at
the ground. What they are applied to is read in `grannar.training.facts`; the figures are put
together in `grannar.reporting.counting`.
"""

import math
from decimal import Decimal

from django.db.models import Func, IntegerField
from django.db.models.functions import Coalesce

UNKNOWN = "okand"
AGE_BANDS = ("<25", "25-54", ">54", UNKNOWN)
GENDERS = ("kvinna", "man", "annat", UNKNOWN)
# A pilot workshop's group, or a session's participants, span "all sectors" from this many on
# (in Nya GRannar: school, social services and housing).
FULL_COVERAGE_SECTORS = 3


def whole_hours(attended: Decimal | None, credited: Decimal) -> int:
    """Hours an attendance counts for ESF figures: attended hours rounded down to whole hours;
    an attendance with no recorded hours counts the session's credited hours (also rounded down).
    """
    return math.floor(attended if attended is not None else credited)


def age_band(*, birth_year: int | None, first_year: int) -> str:
    """ESF age band by age in the year of the person's first attended session."""
    if birth_year is None:
        return UNKNOWN
    age = first_year - birth_year
    if age < 25:
        return "<25"
    if age <= 54:
        return "25-54"
    return ">54"


def gender_key(gender: str | None) -> str:
    """The reported gender; anything not given counts as `okand`."""
    return gender if gender in GENDERS else UNKNOWN


def identity(email: str) -> str:
    """A person is identified by e-mail, compared trimmed and case-insensitive."""
    return email.strip().casefold()


def cofinancing(hours_by_category: dict[int | None, int], rates: dict[int, Decimal], default):
    """Σ whole hours × the hourly rate of the staff category (the programme's default rate where
    the category sets none)."""
    total = Decimal(0)
    for category_id, hours in hours_by_category.items():
        rate = rates.get(category_id) if category_id is not None else None
        total += hours * (rate if rate is not None else Decimal(default or 0))
    return total


class WholeHours(Func):
    """`whole_hours` in SQL: floor of a non-negative decimal as an integer, on every database.
    SQLite has no FLOOR without its math extension; a cast truncates, which for hours (never
    negative) is the same."""

    output_field = IntegerField()
    template = "CAST(FLOOR(%(expressions)s) AS INTEGER)"

    def __init__(self, attended, credited=None, **extra):
        super().__init__(attended if credited is None else Coalesce(attended, credited), **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(%(expressions)s AS INTEGER)")

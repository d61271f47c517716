"""Validation of personal data, shared by forms, imports and services."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from personnummer.personnummer import Personnummer, PersonnummerException


def check_personnummer(value: str) -> str:
    """Validate a personnummer (check digit included); return it as 12 digits YYYYMMDDNNNN."""
    value = (value or "").strip()
    try:
        parsed = Personnummer.parse(value)
    except (PersonnummerException, ValueError, TypeError) as error:
        raise ValidationError(
            _("Not a valid personnummer. Write it as YYYYMMDD-NNNN; check the last digit."),
            code="invalid_personnummer",
        ) from error
    if parsed.is_coordination_number():
        raise ValidationError(
            _("This is a samordningsnummer, not a personnummer."), code="coordination_number"
        )
    return parsed.format(long_format=True)


def personnummer_birth_year(normalised: str) -> int:
    return int(normalised[:4])


def check_birth_year(value: int | None) -> None:
    if value is None:
        return
    this_year = dt.date.today().year
    if not 1900 <= value <= this_year - 14:
        raise ValidationError(
            _("Birth year must be between 1900 and %(last)s.") % {"last": this_year - 14},
            code="birth_year_range",
        )

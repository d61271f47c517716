"""Plural forms for amounts that need not be whole numbers, such as hours."""

from decimal import Decimal


def plural_count(value: int | float | Decimal | None) -> int:
    """The number to give `ngettext` for `value`: only exactly one takes the singular, in
    Swedish as in English ("1 timme", "1,5 timmar", "0 timmar")."""
    return 1 if value is not None and value == 1 else 2

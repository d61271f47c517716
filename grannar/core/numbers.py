"""Numbers as readers of the interface language expect them, the same in every page and
document: Django's number formatting for the active language (in Swedish a decimal comma and a
no-break space between thousands, as the pages' `intcomma` shows them)."""

from decimal import ROUND_HALF_UP, Decimal

from django.utils import formats

Number = int | float | Decimal

NO_BREAK_SPACE = "\xa0"


def number(value: Number, decimals: int | None = None) -> str:
    """`value` with grouped thousands; rounded half up to `decimals` places when given (Django's
    formatting alone would cut the digits off)."""
    if decimals is not None:
        value = Decimal(str(value)).quantize(Decimal(1).scaleb(-decimals), ROUND_HALF_UP)
    return formats.number_format(value, decimals, use_l10n=True, force_grouping=True)


def signed(value: Number, decimals: int) -> str:
    """A change: `number` with a plus sign when it is above zero."""
    text = number(value, decimals)
    return f"+{text}" if value > 0 else text


def percent(ratio: Number, decimals: int = 1) -> str:
    """A ratio (1.585) as a percentage ("158,5 %"), the sign kept on the number's line."""
    return f"{number(Decimal(str(ratio)) * 100, decimals)}{NO_BREAK_SPACE}%"

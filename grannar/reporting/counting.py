"""The counting rules of DESIGN.md, in one place; every output uses these functions."""

import math
from decimal import Decimal


def whole_hours(attended: Decimal | None, credited: Decimal) -> int:
    """Hours an attendance counts for ESF figures: attended hours rounded down to whole hours;
    an attendance with no recorded hours counts the session's credited hours (also rounded down).
    """
    return math.floor(attended if attended is not None else credited)

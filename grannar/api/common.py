"""What the API's routers share: bounded ids and texts, dates in a sane range, pagination."""

import datetime as dt
from typing import Annotated

from django.db.models import QuerySet
from ninja import Field, Schema
from pydantic import AfterValidator, StringConstraints

# Ids fit a 64-bit database column; anything larger cannot name an object.
Id = Annotated[int, Field(ge=1, le=2**63 - 1)]
# Free text without NUL characters, which no database column can hold.
NO_NUL = r"^[^\x00]*$"


def text(max_length: int, *, min_length: int = 0):
    return Annotated[
        str, StringConstraints(min_length=min_length, max_length=max_length, pattern=NO_NUL)
    ]


Code = Annotated[str, StringConstraints(min_length=1, max_length=50, pattern=r"^[A-Za-z0-9_.-]+$")]
MunicipalityCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]


def _sane_year(value):
    if not 1900 <= value.year <= 2200:
        raise ValueError("the year must be between 1900 and 2200")
    return value


Date = Annotated[dt.date, AfterValidator(_sane_year)]
DateTime = Annotated[dt.datetime, AfterValidator(_sane_year)]


class PageQuery(Schema):
    limit: int = Field(50, ge=1, le=200, description="How many items to return (at most 200).")
    offset: int = Field(0, ge=0, le=10_000_000, description="How many items to skip.")


def paginate(items: QuerySet, page: PageQuery) -> dict:
    """One page of `items` and how many there are in all."""
    return {
        "count": items.count(),
        "limit": page.limit,
        "offset": page.offset,
        "items": list(items[page.offset : page.offset + page.limit]),
    }


class Page(Schema):
    count: int
    limit: int
    offset: int

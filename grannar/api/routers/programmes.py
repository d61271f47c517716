"""Programmes and municipalities (read)."""

import datetime as dt

from django.shortcuts import get_object_or_404
from ninja import Query, Router, Schema

from grannar.api.common import Code, Page, PageQuery, paginate
from grannar.api.errors import ERRORS
from grannar.programmes.models import Municipality
from grannar.programmes.selectors import access_programme, programme_list_for

router = Router(tags=["programmes"])


class ProgrammeOut(Schema):
    code: str
    name: str
    owner: str
    funder: str
    starts: dt.date
    ends: dt.date
    target_participants: int


class ProgrammePage(Page):
    items: list[ProgrammeOut]


class MunicipalityOut(Schema):
    code: str
    name: str


class MunicipalityPage(Page):
    items: list[MunicipalityOut]


class MunicipalityFilter(Schema):
    programme: Code | None = None


@router.get("/programmes", response={200: ProgrammePage, **ERRORS})
def list_programmes(request, page: Query[PageQuery]):
    """The programmes you work in."""
    return paginate(programme_list_for(request.user), page)


@router.get("/programmes/{code}", response={200: ProgrammeOut, **ERRORS})
def get_programme(request, code: Code):
    """One programme you work in."""
    return access_programme(user=request.user, code=code)


@router.get("/municipalities", response={200: MunicipalityPage, **ERRORS})
def list_municipalities(request, page: Query[PageQuery], filters: Query[MunicipalityFilter]):
    """Municipalities, or those that are members of one programme, by name."""
    municipalities = Municipality.objects.order_by("name", "code")
    if filters.programme:
        programme = access_programme(user=request.user, code=filters.programme)
        municipalities = municipalities.filter(memberships__programme=programme)
    return paginate(municipalities, page)


@router.get("/municipalities/{code}", response={200: MunicipalityOut, **ERRORS})
def get_municipality(request, code: Code):
    """One municipality by its four-digit code."""
    return get_object_or_404(Municipality, code=code)

"""Pilot workshops and their routines (read), and the routines' life-cycle steps, for the
programme's admins and the workshop's own coordinators."""

import datetime as dt
from typing import Literal

from django.core.exceptions import ValidationError
from django.http import Http404
from ninja import Field, Query, Router, Schema

from grannar.api.common import Code, Date, Id, MunicipalityCode, Page, PageQuery, paginate, text
from grannar.api.errors import ERRORS
from grannar.api.security import check_role
from grannar.collaboration import selectors
from grannar.collaboration.forms import STEP_FORMS
from grannar.collaboration.models import PilotWorkshop, Routine
from grannar.collaboration.services import ROUTINE_STEPS
from grannar.people.models import Role

router = Router(tags=["collaboration"])
MANAGERS = (Role.ADMIN, Role.COORDINATOR)


class WorkshopOut(Schema):
    id: int
    programme: str
    municipality: str
    focus: str
    subgoals: list[int]
    members: int
    sectors: int
    routines: int
    follow_ups_due: int

    @staticmethod
    def resolve_programme(workshop: PilotWorkshop) -> str:
        return workshop.programme.code

    @staticmethod
    def resolve_municipality(workshop: PilotWorkshop) -> str:
        return workshop.municipality.code

    @staticmethod
    def resolve_subgoals(workshop: PilotWorkshop) -> list[int]:
        return sorted(subgoal.number for subgoal in workshop.subgoals.all())

    @staticmethod
    def resolve_members(workshop: PilotWorkshop) -> int:
        return workshop.member_count

    @staticmethod
    def resolve_sectors(workshop: PilotWorkshop) -> int:
        return workshop.sector_count

    @staticmethod
    def resolve_routines(workshop: PilotWorkshop) -> int:
        return workshop.routine_count


class WorkshopPage(Page):
    items: list[WorkshopOut]


class WorkshopFilter(Schema):
    programme: Code | None = None
    municipality: MunicipalityCode | None = None


class RoutineOut(Schema):
    id: int
    workshop: int
    municipality: str
    title: str
    problem: str
    sectors: list[str]
    status: str
    testing_from: dt.date | None
    adopted_on: dt.date | None
    decided_by: str
    decision_reference: str
    follow_up_due: dt.date | None
    followed_up_on: dt.date | None
    in_use: str
    follow_up_note: str
    retired_on: dt.date | None

    @staticmethod
    def resolve_workshop(routine: Routine) -> int:
        return routine.workshop_id

    @staticmethod
    def resolve_municipality(routine: Routine) -> str:
        return routine.workshop.municipality.code

    @staticmethod
    def resolve_sectors(routine: Routine) -> list[str]:
        return sorted(sector.code for sector in routine.sectors.all())


class RoutinePage(Page):
    items: list[RoutineOut]


class RoutineFilter(Schema):
    workshop: Id | None = None
    programme: Code | None = None
    municipality: MunicipalityCode | None = None
    status: Routine.Status | None = None


class RoutineStepIn(Schema):
    step: Literal["testing", "adopt", "follow_up", "retire"]
    date: Date
    decided_by: text(200) = Field("", description="For `adopt`: who decided.")  # type: ignore[valid-type]
    reference: text(200) = Field("", description="For `adopt`: the decision's reference.")  # type: ignore[valid-type]
    in_use: Literal["", "yes", "partly", "no"] = Field("", description="For `follow_up`.")
    note: text(5000) = Field("", description="For `follow_up`.")  # type: ignore[valid-type]


def _workshops(request):
    check_role(request.user, *MANAGERS)
    return selectors.workshop_list(user=request.user).prefetch_related("subgoals")


@router.get("/workshops", response={200: WorkshopPage, **ERRORS})
def list_workshops(request, page: Query[PageQuery], filters: Query[WorkshopFilter]):
    """The pilot workshops you run: all for a programme admin, your municipality's for a
    coordinator."""
    workshops = _workshops(request)
    if filters.programme:
        workshops = workshops.filter(programme__code=filters.programme)
    if filters.municipality:
        workshops = workshops.filter(municipality__code=filters.municipality)
    return paginate(workshops.order_by("programme__name", "municipality__name", "id"), page)


@router.get("/workshops/{pk}", response={200: WorkshopOut, **ERRORS})
def get_workshop(request, pk: Id):
    """One pilot workshop you run; another municipality's is not found."""
    workshop = _workshops(request).filter(pk=pk).first()
    if workshop is None:
        raise Http404
    return workshop


def _routines(request):
    check_role(request.user, *MANAGERS)
    return selectors.routine_list(user=request.user)


@router.get("/routines", response={200: RoutinePage, **ERRORS})
def list_routines(request, page: Query[PageQuery], filters: Query[RoutineFilter]):
    """The routines of the workshops you run."""
    routines = _routines(request)
    if filters.workshop:
        routines = routines.filter(workshop_id=filters.workshop)
    if filters.programme:
        routines = routines.filter(workshop__programme__code=filters.programme)
    if filters.municipality:
        routines = routines.filter(workshop__municipality__code=filters.municipality)
    if filters.status:
        routines = routines.filter(status=filters.status)
    return paginate(routines.order_by("workshop_id", "title", "id"), page)


@router.get("/routines/{pk}", response={200: RoutineOut, **ERRORS})
def get_routine(request, pk: Id):
    """One routine of a workshop you run."""
    check_role(request.user, *MANAGERS)
    return selectors.access_routine(user=request.user, pk=pk)


@router.post("/routines/{pk}/steps", response={200: RoutineOut, **ERRORS})
def routine_step(request, pk: Id, payload: RoutineStepIn):
    """Take a routine one step in its life cycle: `testing` (draft → testing), `adopt`
    (with who decided and the reference), `follow_up` (with `in_use`), or `retire`."""
    check_role(request.user, *MANAGERS)
    routine = selectors.access_routine(user=request.user, pk=pk)
    data = payload.dict()
    step = data.pop("step")
    data["date"] = data["date"].isoformat()
    form = STEP_FORMS[step](data)
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())
    ROUTINE_STEPS[step](routine=routine, by=request.user, **form.cleaned_data)
    return selectors.access_routine(user=request.user, pk=pk)

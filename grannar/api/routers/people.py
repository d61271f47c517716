"""Persons, scoped as the people pages are: admins all, coordinators their own municipality's
staff; nobody else. The personnummer is never part of the API."""

from django.db.models import Q
from ninja import Query, Router, Schema

from grannar.api.common import Code, Id, MunicipalityCode, Page, PageQuery, paginate, text
from grannar.api.errors import ERRORS
from grannar.api.security import check_role
from grannar.core.audit import log_action
from grannar.people.models import Person, Role
from grannar.people.selectors import access_person, person_list

router = Router(tags=["persons"])


class PersonOut(Schema):
    id: int
    first_name: str
    last_name: str
    email: str
    municipality: str
    workplace: str | None
    staff_category: str | None
    gender: str
    birth_year: int | None
    support_resource: bool

    @staticmethod
    def resolve_municipality(person: Person) -> str:
        return person.municipality.code

    @staticmethod
    def resolve_workplace(person: Person) -> str | None:
        return person.workplace.name if person.workplace_id else person.workplace_name or None

    @staticmethod
    def resolve_staff_category(person: Person) -> str | None:
        return person.staff_category.code if person.staff_category_id else None


class PersonPage(Page):
    items: list[PersonOut]


class PersonFilter(Schema):
    municipality: MunicipalityCode | None = None
    staff_category: Code | None = None
    q: text(100) = ""  # type: ignore[valid-type]


@router.get("/persons", response={200: PersonPage, **ERRORS})
def list_persons(request, page: Query[PageQuery], filters: Query[PersonFilter]):
    """The people you manage: everyone for a programme admin, your municipality's staff for a
    coordinator. Each list is audit-logged."""
    check_role(request.user, Role.ADMIN, Role.COORDINATOR)
    people = person_list(user=request.user, query=filters.q)
    if filters.municipality:
        people = people.filter(municipality__code=filters.municipality)
    if filters.staff_category:
        people = people.filter(Q(staff_category__code=filters.staff_category))
    result = paginate(people.order_by("last_name", "first_name", "id"), page)
    log_action(
        action="people.person.listed",
        actor=request.user,
        data={"results": result["count"], "offset": page.offset, "api": True},
    )
    return result


@router.get("/persons/{pk}", response={200: PersonOut, **ERRORS})
def get_person(request, pk: Id):
    """One person you manage; another municipality's is not found."""
    check_role(request.user, Role.ADMIN, Role.COORDINATOR)
    person = access_person(user=request.user, pk=pk)
    log_action(
        action="people.person.viewed",
        actor=request.user,
        target=person,
        municipality_id=person.municipality_id,
        data={"api": True},
    )
    return person

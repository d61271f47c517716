"""Reads of people, always scoped to what the asking user may see."""

from django.db.models import Q, QuerySet
from django.http import Http404

from grannar.people.models import Person, Role, User, Workplace
from grannar.programmes.models import Municipality


def can_manage_people(user: User) -> bool:
    return user.is_superuser or user.has_role(Role.ADMIN, Role.COORDINATOR)


def managed_municipality_ids(user: User) -> list[int] | None:
    """Municipalities whose people `user` may list and edit; None means all."""
    if user.is_superuser or user.has_role(Role.ADMIN):
        return None
    return user.coordinated_municipality_ids


def managed_municipalities(user: User) -> QuerySet:
    """The municipalities `user` may choose when managing people."""
    allowed = managed_municipality_ids(user)
    municipalities = Municipality.objects.all()
    return municipalities if allowed is None else municipalities.filter(pk__in=allowed)


def person_list(*, user: User, query: str = "", municipality_id: int | None = None) -> QuerySet:
    """People `user` may manage, optionally narrowed by a search text and a municipality."""
    people = Person.objects.select_related("municipality", "workplace", "staff_category")
    allowed = managed_municipality_ids(user)
    if allowed is not None:
        people = people.filter(municipality_id__in=allowed)
    if municipality_id:
        people = people.filter(municipality_id=municipality_id)
    for word in query.split():
        people = people.filter(
            Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(email__icontains=word)
            | Q(workplace__name__icontains=word)
        )
    return people


def access_person(*, user: User, pk: int) -> Person:
    """The person with `pk` if `user` may manage them; otherwise 404, never a hint it exists."""
    if not can_manage_people(user):
        raise Http404
    person = person_list(user=user).filter(pk=pk).first()
    if person is None:
        raise Http404
    return person


def workplace_list(*, user: User, municipality_id: int | None = None) -> QuerySet:
    """Workplaces in the municipalities `user` may manage, optionally in one of them."""
    workplaces = Workplace.objects.select_related("municipality", "sector")
    allowed = managed_municipality_ids(user)
    if allowed is not None:
        workplaces = workplaces.filter(municipality_id__in=allowed)
    if municipality_id:
        workplaces = workplaces.filter(municipality_id=municipality_id)
    return workplaces


def access_workplace(*, user: User, pk: int) -> Workplace:
    """The workplace with `pk` if `user` may manage its municipality's people; otherwise 404."""
    if not can_manage_people(user):
        raise Http404
    workplace = workplace_list(user=user).filter(pk=pk).first()
    if workplace is None:
        raise Http404
    return workplace


def programme_admin_emails() -> list[str]:
    """Where reports to the programme's administration go."""
    return sorted(
        set(
            User.objects.filter(roles__role=Role.ADMIN, is_active=True).values_list(
                "email", flat=True
            )
        )
    )

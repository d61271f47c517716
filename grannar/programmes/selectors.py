"""Reads of programmes and their municipalities."""

import datetime as dt

from django.db.models import Q, QuerySet
from django.http import Http404

from grannar.programmes.models import Membership, Programme


def programme_list_for(user) -> QuerySet:
    """The programmes `user` works in; superusers and programme-less roles see all."""
    programmes = Programme.objects.order_by("-starts", "name")
    if user.is_superuser:
        return programmes
    ids = {a.programme_id for a in user.role_assignments if a.programme_id}
    if not ids or any(a.programme_id is None for a in user.role_assignments):
        return programmes
    return programmes.filter(pk__in=ids)


def access_programme(*, user, code: str) -> Programme:
    """The programme with `code` if `user` works in it; otherwise 404."""
    programme = programme_list_for(user).filter(code=code).first()
    if programme is None:
        raise Http404
    return programme


def programme_overview(programme: Programme) -> dict:
    """What the overview page shows: sub-goals, memberships, categories and formats."""
    memberships = list(programme.memberships.select_related("municipality"))
    return {
        "programme": programme,
        "subgoals": list(programme.subgoals.all()),
        "memberships": memberships,
        "participating": [m for m in memberships if m.participates and not m.left_early],
        "left_early": [m for m in memberships if m.left_early],
        "outside": [m for m in memberships if not m.participates],
        "categories": list(
            programme.programme_categories.select_related("category__sector").order_by(
                "category__name"
            )
        ),
        "formats": list(programme.formats.all()),
    }


def leaving_dates(programme: Programme) -> dict[int, dt.date]:
    """The last day of membership per municipality id, for municipalities with a leaving date."""
    return dict(
        programme.memberships.filter(left__isnull=False).values_list("municipality_id", "left")
    )


def leaving_date_of(*, programme_id, municipality_id) -> QuerySet:
    """The leaving date of one municipality in one programme, if it has one, as a one-value
    query (either id may be an OuterRef, to read it along with another row)."""
    return Membership.objects.filter(
        programme_id=programme_id, municipality_id=municipality_id, left__isnull=False
    ).values("left")[:1]


def left_memberships(programme: Programme) -> list[Membership]:
    """Memberships that ended early or have a leaving date, by municipality name."""
    return list(
        programme.memberships.filter(Q(left_early=True) | Q(left__isnull=False))
        .select_related("municipality")
        .order_by("municipality__name")
    )


def members_on(programme: Programme, day: dt.date) -> QuerySet:
    """Ids of the municipalities taking part in the programme on `day`: participating, joined
    by then and not left (a municipality that left early without a date has left)."""
    return (
        programme.memberships.filter(participates=True)
        .filter(Q(joined__isnull=True) | Q(joined__lte=day))
        .filter(Q(left__isnull=True, left_early=False) | Q(left__gte=day))
        .values("municipality_id")
    )

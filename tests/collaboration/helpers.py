"""Builders for collaboration tests: a workshop in a municipality with a group across sectors."""

from grannar.collaboration.services import member_add, routine_create, workshop_create
from grannar.programmes.models import Sector
from tests.factories import make_person


def sector(code: str) -> Sector:
    return Sector.objects.get(code=code)


def make_workshop(
    world: dict, *, target: str = "own", sectors=("skola", "socialtjanst"), municipality=None
):
    """A workshop of the `target` municipality (or `municipality`) with one member per sector
    in `sectors`."""
    admin = world["users"]["admin"]
    municipality = municipality or world[target]
    workshop = workshop_create(
        programme=world["programme"],
        municipality=municipality,
        focus="Trygg skolstart för nyanlända",
        subgoals=world["programme"].subgoals.all()[:1],
        by=admin,
    )
    for index, code in enumerate(sectors):
        member_add(
            workshop=workshop,
            person=make_person(municipality=municipality),
            sector=sector(code),
            role="lead" if index == 0 else "member",
            by=admin,
        )
    return workshop


def make_routine(workshop, *, by=None):
    members = list(workshop.members.all())
    return routine_create(
        workshop=workshop,
        title="Gemensam överlämning skola–socialtjänst",
        problem="Information om eleven når inte skolan i tid.",
        sectors=[sector("skola"), sector("socialtjanst")],
        owner=members[0] if members else None,
        by=by,
    )

import datetime as dt

import pytest

from grannar.people.models import Gender
from grannar.programmes.models import StaffCategory
from tests.factories import make_person
from tests.reporting.builders import attend, held


@pytest.fixture
def populated(world, no_scope):
    """Fifteen participants: twelve in Mölndal (own), three in Partille (other), so that the
    programme-wide tables have small cells; one support resource."""
    programme = world["programme"]
    social = StaffCategory.objects.get(code="socialsekreterare")
    school = StaffCategory.objects.get(code="pedagogisk")
    sessions = [
        held(programme, on=dt.date(2024, 3, 4), subgoals=[1], host=world["own"]),
        held(programme, on=dt.date(2024, 9, 2), subgoals=[2, 3], credited="6"),
        held(programme, on=dt.date(2025, 2, 3), subgoals=[3]),
    ]
    people = []
    for i in range(12):
        person = make_person(
            municipality=world["own"],
            staff_category=social if i < 8 else school,
            gender=Gender.WOMAN if i < 9 else Gender.MAN,
            birth_year=1975 + i,
        )
        attend(person, sessions[i % 2], hours="2.5" if i == 0 else None)
        if i < 4:
            attend(person, sessions[2])
        people.append(person)
    for i in range(3):
        person = make_person(
            municipality=world["other"],
            staff_category=school,
            gender=Gender.OTHER if i == 0 else Gender.WOMAN,
            birth_year=1960,
        )
        attend(person, sessions[2])
        people.append(person)
    attend(make_person(municipality=world["own"], support_resource=True), sessions[0])
    return {"programme": programme, "people": people, "sessions": sessions, **world}

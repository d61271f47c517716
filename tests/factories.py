"""Test data builders. Related objects stay in the same municipality unless a test says so."""

import itertools

from grannar.people.models import Gender, Person, Role, User, Workplace
from grannar.people.services import role_assign
from grannar.programmes.models import Municipality, Programme, StaffCategory

_counter = itertools.count(1)


def make_workplace(*, municipality: Municipality, sector=None, name: str | None = None):
    category = StaffCategory.objects.order_by("id").first()
    return Workplace.objects.with_scopes_disabled().create(
        municipality=municipality,
        sector=sector or category.sector,
        name=name or f"Enhet {next(_counter)}",
    )


def make_person(*, municipality: Municipality, **fields) -> Person:
    n = next(_counter)
    category = fields.pop("staff_category", None) or StaffCategory.objects.order_by("id").first()
    workplace = fields.pop("workplace", None)
    if workplace is None and not fields.get("support_resource"):
        workplace = make_workplace(municipality=municipality, sector=category.sector)
    values = {
        "email": f"person{n}@test.example",
        "first_name": "Test",
        "last_name": f"Person{n}",
        "gender": Gender.WOMAN,
        "birth_year": 1980,
        "municipality": municipality,
        "workplace": workplace,
        "staff_category": None if fields.get("support_resource") else category,
    }
    values.update(fields)
    return Person.objects.with_scopes_disabled().create(**values)


def make_user(
    *,
    role: str | None = None,
    programme: Programme | None = None,
    municipality: Municipality | None = None,
    person: Person | None = None,
    email: str | None = None,
    password: str = "correct horse battery",
) -> User:
    user = User.objects.create_user(
        email or f"user{next(_counter)}@test.example", password, person=person
    )
    if role:
        role_assign(
            user=user,
            role=role,
            by=None,
            programme=programme,
            municipality=municipality if role == Role.COORDINATOR else None,
        )
    return user


def sign_in(client, user: User) -> None:
    """Sign `user` in as after both steps: password and, where the role needs it, the code."""
    import time

    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from grannar.core.middleware import SESSION_RENEWED_KEY

    client.force_login(user)
    session = client.session
    # As after the sign-in page: the session middleware has just renewed the session.
    session[SESSION_RENEWED_KEY] = int(time.time())
    if user.requires_two_factor:
        device, _ = TOTPDevice.objects.get_or_create(
            user=user, name="test", defaults={"confirmed": True}
        )
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


# The heading of each role's own section on the start page.
START_HEADINGS = {
    "admin": "Programadministration",
    "coordinator": "Din kommun",
    "trainer": "Kursledare",
    "participant": "Dina uppgifter",
    "evaluator": "Utvärdering",
    "auditor": "Revision",
}


def make_session(*, programme: Programme, capacity: int = 10, days_ahead: int = 10, **fields):
    """A published course with one session `days_ahead` days from now."""
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from grannar.training.models import Course, Session

    n = next(_counter)
    course = Course.objects.create(
        programme=programme,
        code=f"kurs-{n}",
        title=f"Kurs {n}",
        credited_hours=Decimal("3"),
        status=Course.Status.PUBLISHED,
    )
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=days_ahead)
    values = {
        "course": course,
        "code": f"tillfalle-{n}",
        "starts": starts,
        "ends": starts + dt.timedelta(hours=3),
        "credited_hours": Decimal("3"),
        "capacity": capacity,
        "location": "Regionens hus",
    }
    values.update(fields)
    return Session.objects.create(**values)

"""Staff of a municipality that has left the programme cannot register for later sessions."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from grannar.core.models import AuditEvent
from grannar.programmes.models import Membership
from grannar.training.models import Registration, Session
from grannar.training.services import RegistrationError, registration_create
from tests.factories import make_person, make_session, sign_in

pytestmark = [pytest.mark.django_db]


def leave(world, municipality, on: dt.date) -> None:
    Membership.objects.filter(programme=world["programme"], municipality=municipality).update(
        left=on, left_early=True
    )


def day_of(session: Session) -> dt.date:
    return timezone.localtime(session.starts).date()


def count(session: Session) -> int:
    with scopes_disabled():
        return Registration.objects.filter(session=session).count()


def test_refused_after_the_leaving_date_with_the_date_named(world, no_scope):
    session = make_session(programme=world["programme"], days_ahead=10)
    leave(world, world["own"], day_of(session) - dt.timedelta(days=1))
    with pytest.raises(RegistrationError) as error:
        registration_create(session=session, person=world["own_person"], by=world["users"]["admin"])
    left = (day_of(session) - dt.timedelta(days=1)).isoformat()
    assert error.value.code == "left_programme"
    assert error.value.messages == [
        f"Mölndal lämnade Nya GRannar den {left}; kommunens personal kan inte anmäla sig "
        "till tillfällen efter det datumet."
    ]
    assert count(session) == 0
    assert Session.objects.get(pk=session.pk).seats_taken == 0
    assert not AuditEvent.objects.filter(action__startswith="training.registration").exists()


def test_allowed_on_the_leaving_day_for_other_municipalities_and_the_regular_catalogue(
    world, no_scope
):
    admin = world["users"]["admin"]
    on_the_day = make_session(programme=world["programme"], days_ahead=10)
    leave(world, world["own"], day_of(on_the_day))
    later = make_session(programme=world["programme"], days_ahead=12)
    regular = make_session(programme=None, days_ahead=12)
    registration_create(session=on_the_day, person=world["own_person"], by=admin)
    registration_create(session=later, person=world["other_person"], by=admin)
    registration_create(session=regular, person=world["own_person"], by=admin)
    assert count(on_the_day) == count(later) == count(regular) == 1


def test_self_registration_shows_the_refusal(client, world):
    with scopes_disabled():
        session = make_session(programme=world["programme"], days_ahead=10)
    leave(world, world["own"], day_of(session) - dt.timedelta(days=3))
    sign_in(client, world["users"]["participant"])
    response = client.post(reverse("training:register", args=[session.pk]), follow=True)
    assert "Mölndal lämnade Nya GRannar den" in response.content.decode()
    assert count(session) == 0


def test_staff_registration_refuses_only_the_leavers_staff(client, world):
    with scopes_disabled():
        session = make_session(programme=world["programme"], days_ahead=10)
    leave(world, world["other"], day_of(session) - dt.timedelta(days=3))
    sign_in(client, world["users"]["admin"])
    url = reverse("training:register_staff", args=[session.pk])
    people = [world["own_person"].pk, world["other_person"].pk]
    response = client.post(url, {"people": people}, follow=True)
    html = response.content.decode()
    assert "1 person anmäld med plats, 0 personer på reservlistan." in html
    assert f"{world['other_person'].full_name}: Partille lämnade Nya GRannar den" in html
    with scopes_disabled():
        registered = set(Registration.objects.filter(session=session).values_list("person_id"))
    assert registered == {(world["own_person"].pk,)}


def test_a_coordinator_of_the_leaver_is_refused_too(client, world):
    with scopes_disabled():
        session = make_session(programme=world["programme"], days_ahead=10)
        extra = make_person(municipality=world["own"], email="extra@test.example")
    leave(world, world["own"], day_of(session) - dt.timedelta(days=1))
    sign_in(client, world["users"]["coordinator"])
    url = reverse("training:register_staff", args=[session.pk])
    response = client.post(url, {"people": [extra.pk]}, follow=True)
    assert "0 personer anmälda med plats, 0 personer på reservlistan." in response.content.decode()
    assert "kan inte anmäla sig till tillfällen efter det datumet" in response.content.decode()
    assert count(session) == 0

import re

import pytest
from django.urls import reverse
from django_scopes import scope
from django_scopes.exceptions import ScopeError

from grannar.people.models import Person, Workplace
from tests.factories import make_person, sign_in

pytestmark = pytest.mark.django_db


def test_scoped_models_refuse_queries_outside_a_scope(world):
    with pytest.raises(ScopeError):
        list(Person.objects.all())
    with pytest.raises(ScopeError):
        Workplace.objects.count()


def test_a_municipality_scope_hides_other_municipalities(world):
    with scope(municipality=[world["own"].pk]):
        emails = set(Person.objects.values_list("email", flat=True))
    assert "anna.own@test.example" in emails
    assert "bo.other@test.example" not in emails


def test_middleware_scope_per_role(world):
    users = world["users"]
    assert users["admin"].municipality_scope() is None
    assert users["auditor"].municipality_scope() is None
    assert users["coordinator"].municipality_scope() == [world["own"].pk]
    assert users["trainer"].municipality_scope() == []
    # A participant reaches their own municipality (their own record), nothing more.
    assert users["participant"].municipality_scope() == [world["own"].pk]


def test_molndal_coordinator_gets_404_for_a_partille_person(client, world):
    sign_in(client, world["users"]["coordinator"])
    url = reverse("people:detail", args=[world["other_person"].pk])
    assert client.get(url).status_code == 404
    response = client.post(url, {"first_name": "Hacked"})
    assert response.status_code == 404
    with scope(municipality=None):
        assert Person.objects.get(pk=world["other_person"].pk).first_name == "Test"


def test_404_for_another_municipality_looks_like_404_for_nobody(client, world):
    sign_in(client, world["users"]["coordinator"])
    other = client.get(reverse("people:detail", args=[world["other_person"].pk]))
    missing = client.get(reverse("people:detail", args=[999999]))
    assert other.status_code == missing.status_code == 404

    def without_tokens(response) -> str:
        # The CSRF token and the page's own address (for the language switch) differ by design.
        text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())
        return re.sub(r'name="next" type="hidden" value="[^"]+"', "", text)

    assert without_tokens(other) == without_tokens(missing)


def test_coordinator_list_shows_only_own_municipality(client, world):
    for n in range(3):
        make_person(municipality=world["other"], email=f"other{n}@test.example")
    sign_in(client, world["users"]["coordinator"])
    response = client.get(reverse("people:list"))
    assert response.status_code == 200
    page = response.context["page"]
    assert {p.municipality_id for p in page.object_list} == {world["own"].pk}
    assert b"bo.other@test.example" not in response.content
    assert b"anna.own@test.example" in response.content


def test_admin_list_shows_every_municipality(client, world):
    sign_in(client, world["users"]["admin"])
    response = client.get(reverse("people:list"))
    municipalities = {p.municipality_id for p in response.context["page"].object_list}
    assert municipalities == {world["own"].pk, world["other"].pk}


def test_coordinator_cannot_move_a_person_to_another_municipality(client, world):
    sign_in(client, world["users"]["coordinator"])
    person = world["own_person"]
    data = {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "gender": person.gender,
        "birth_year": person.birth_year,
        "municipality": world["other"].pk,
        "staff_category": person.staff_category_id,
    }
    response = client.post(reverse("people:detail", args=[person.pk]), data)
    assert response.status_code == 200
    assert "municipality" in response.context["form"].errors
    with scope(municipality=None):
        assert Person.objects.get(pk=person.pk).municipality == world["own"]

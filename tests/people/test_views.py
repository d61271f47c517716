import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scope

from grannar.core.models import AuditEvent
from grannar.people.models import Person
from tests.factories import START_HEADINGS, make_person, sign_in

pytestmark = pytest.mark.django_db


def test_login_with_email_in_any_case(client, world):
    response = client.post(
        reverse("login"),
        {"username": "  SAMORDNARE@Test.Example ", "password": "correct horse battery"},
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("site:start")


def test_login_refusal_says_so_in_swedish(client, world):
    response = client.post(
        reverse("login"), {"username": "samordnare@test.example", "password": "wrong"}
    )
    assert response.status_code == 200
    assert "Fel e-postadress eller lösenord." in response.content.decode()


def test_start_page_per_role(client, world):
    for role, heading in START_HEADINGS.items():
        sign_in(client, world["users"][role])
        content = client.get(reverse("site:start")).content.decode()
        assert heading in content, role
        for other_role, other_heading in START_HEADINGS.items():
            if other_role != role:
                assert other_heading not in content, (role, other_heading)


def test_overview_shows_municipalities_membership_and_target(client, world):
    sign_in(client, world["users"]["coordinator"])
    response = client.get(reverse("programmes:overview", args=["nya-grannar"]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "1\xa0100" in content or "1 100" in content
    for name in ("Göteborg", "Mölndal", "Öckerö", "Kungsbacka"):
        assert name in content
    assert "Lämnade i förtid" in content
    assert "Deltar inte" in content
    assert "Stärkt samverkan" in content


def test_unknown_programme_is_404(client, world):
    sign_in(client, world["users"]["admin"])
    assert client.get(reverse("programmes:overview", args=["nope"])).status_code == 404


def test_people_search_and_paging(client, world, settings):
    settings.PEOPLE_PAGE_SIZE = 5
    for n in range(12):
        make_person(municipality=world["own"], last_name=f"Lindgren{n}", email=f"l{n}@test.example")
    sign_in(client, world["users"]["coordinator"])
    response = client.get(reverse("people:list"), {"q": "lindgren"})
    page = response.context["page"]
    assert page.paginator.count == 12
    assert len(page.object_list) == 5
    assert "page=2" in response.content.decode()
    assert "q=lindgren" in response.content.decode()
    third = client.get(reverse("people:list"), {"q": "lindgren", "page": 3})
    assert len(third.context["page"].object_list) == 2
    assert client.get(reverse("people:list"), {"q": "zzz"}).context["page"].paginator.count == 0


def test_people_list_htmx_returns_only_the_results(client, world):
    sign_in(client, world["users"]["coordinator"])
    response = client.get(reverse("people:list"), {"q": "anna"}, HTTP_HX_REQUEST="true")
    content = response.content.decode()
    assert "<html" not in content
    assert "anna.own@test.example" in content


def test_people_list_query_count_does_not_grow_with_people(client, world):
    sign_in(client, world["users"]["admin"])

    def queries() -> int:
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("people:list")).status_code == 200
        return len(context.captured_queries)

    few = queries()
    for n in range(30):
        make_person(municipality=world["own"], email=f"q{n}@test.example")
    assert queries() == few


def test_create_person(client, world):
    sign_in(client, world["users"]["coordinator"])
    own = world["own_person"]
    response = client.post(
        reverse("people:create"),
        {
            "first_name": "Karin",
            "last_name": "Berg",
            "email": "Karin.Berg@Example.se",
            "gender": "kvinna",
            "birth_year": "1990",
            "municipality": world["own"].pk,
            "workplace": own.workplace_id,
            "staff_category": own.staff_category_id,
            "personnummer": "19900101-0017",
        },
    )
    assert response.status_code == 302
    with scope(municipality=None):
        person = Person.objects.get(email="karin.berg@example.se")
    assert response["Location"] == reverse("people:detail", args=[person.pk])
    assert person.has_personnummer
    assert AuditEvent.objects.filter(action="people.person.created", target_id=str(person.pk))
    page = client.get(response["Location"]).content.decode()
    assert "199001010017" not in page
    assert "19900101-0017" not in page


def test_refused_form_shows_swedish_messages_tied_to_fields(client, world):
    sign_in(client, world["users"]["coordinator"])
    response = client.post(
        reverse("people:create"),
        {"first_name": "", "email": "not-an-email", "personnummer": "19900101-0018"},
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "Detta fält måste fyllas i." in content
    assert "Fyll i en giltig e-postadress." in content
    assert "Inte ett giltigt personnummer" in content
    assert 'aria-describedby="id_email_error"' in content
    assert 'aria-invalid="true"' in content
    assert 'href="#id_email"' in content


def test_edit_person_and_nothing_changed_message(client, world):
    sign_in(client, world["users"]["admin"])
    person = world["own_person"]
    url = reverse("people:detail", args=[person.pk])
    form = client.get(url).context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None}
    data.pop("id", None)
    data["first_name"] = "Annika"
    response = client.post(url, data, follow=True)
    assert "Ändringarna har sparats." in response.content.decode()
    response = client.post(url, data, follow=True)
    assert "Inget ändrades." in response.content.decode()


def test_language_switch_to_english(client, world):
    sign_in(client, world["users"]["admin"])
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    content = client.get(reverse("site:start")).content.decode()
    assert '<html lang="en">' in content
    assert "Programme administration" in content
    world["users"]["admin"].refresh_from_db()
    assert world["users"]["admin"].language == "en"


def test_swedish_even_when_the_browser_prefers_english(client, world):
    sign_in(client, world["users"]["admin"])
    response = client.get(reverse("site:start"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="sv">' in response.content.decode()
    assert response["Content-Language"] == "sv"


def test_people_list_shows_a_kept_workplace_name(client, world):
    make_person(
        municipality=world["own"],
        last_name="Stödresurs",
        support_resource=True,
        workplace_name="Ungdomsmottagningen",
    )
    sign_in(client, world["users"]["coordinator"])
    content = client.get(reverse("people:list"), {"q": "stödresurs"}).content.decode()
    assert "Ungdomsmottagningen" in content


# A workplace's own organisation number ------------------------------------------------------


def workplace_url(person) -> str:
    return reverse("people:workplace", args=[person.workplace_id])


def test_a_coordinator_sets_a_private_employers_number(client, world):
    own = world["own_person"]
    sign_in(client, world["users"]["coordinator"])
    page = client.get(workplace_url(own)).content.decode()
    assert "Saknas: deltagare härifrån" in page
    response = client.post(workplace_url(own), {"organisation_number": " 5560360793 "})
    assert response.status_code == 302
    own.workplace.refresh_from_db()
    assert own.workplace.organisation_number == "556036-0793"
    event = AuditEvent.objects.get(action="people.workplace.changed")
    assert event.target_id == str(own.workplace_id)
    assert event.data == {"fields": ["organisation_number"]}
    assert "556036-0793 (arbetsplatsens eget)" in client.get(workplace_url(own)).content.decode()
    person_page = client.get(reverse("people:detail", args=[own.pk])).content.decode()
    assert "556036-0793" in person_page
    assert workplace_url(own) in person_page


def test_the_workplace_number_wins_over_the_municipalitys_and_clearing_falls_back(client, world):
    own = world["own_person"]
    world["own"].organisation_number = "212000-1256"
    world["own"].save()
    with scope(municipality=[world["own"].pk]):
        workplace = own.workplace
        assert workplace.employer_organisation_number == "212000-1256"
        workplace.organisation_number = "556036-0793"
        workplace.save()
        assert workplace.employer_organisation_number == "556036-0793"
    sign_in(client, world["users"]["admin"])
    client.post(workplace_url(own), {"organisation_number": ""})
    page = client.get(workplace_url(own)).content.decode()
    assert "212000-1256 (kommunens)" in page
    client.post(workplace_url(own), {"organisation_number": ""})
    assert AuditEvent.objects.filter(action="people.workplace.changed").count() == 1


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("556036-0794", "556036-0794 är inte ett giltigt organisationsnummer"),
        ("55603-0793", "Ett organisationsnummer har tio siffror"),
    ],
)
def test_a_wrong_number_is_refused_in_swedish_and_nothing_is_saved(client, world, number, message):
    own = world["own_person"]
    sign_in(client, world["users"]["coordinator"])
    response = client.post(workplace_url(own), {"organisation_number": number})
    assert response.status_code == 200
    assert message in response.content.decode()
    own.workplace.refresh_from_db()
    assert own.workplace.organisation_number == ""
    assert not AuditEvent.objects.filter(action="people.workplace.changed").exists()


def test_another_municipalitys_workplace_is_not_found_for_a_coordinator(client, world):
    sign_in(client, world["users"]["coordinator"])
    url = workplace_url(world["other_person"])
    assert client.post(url, {"organisation_number": "556036-0793"}).status_code == 404
    with scope(municipality=[world["other"].pk]):
        world["other_person"].workplace.refresh_from_db()
        assert world["other_person"].workplace.organisation_number == ""

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import translation

from grannar.core.crypto import decrypt_text
from grannar.core.models import AuditEvent
from grannar.people.checks import check_personnummer
from grannar.people.forms import PersonForm
from grannar.people.models import Person
from grannar.people.services import person_create, person_update
from tests.factories import make_person, make_workplace

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]


@pytest.mark.parametrize(
    ("raw", "normalised"),
    [
        ("19900101-0017", "199001010017"),
        ("900101-0017", "199001010017"),
        ("199001010017", "199001010017"),
        ("  19811218-9876 ", "198112189876"),
    ],
)
def test_valid_personnummer_is_normalised(raw, normalised):
    assert check_personnummer(raw) == normalised


@pytest.mark.parametrize("raw", ["19900101-0018", "19901301-0017", "abc", "1990-01-01", "123"])
def test_invalid_personnummer_is_refused(raw):
    with pytest.raises(ValidationError) as error:
        check_personnummer(raw)
    assert error.value.code == "invalid_personnummer"


def test_coordination_number_is_not_a_personnummer():
    with pytest.raises(ValidationError) as error:
        check_personnummer("19900161-0014")  # day + 60
    assert error.value.code == "coordination_number"


def test_email_is_stored_trimmed_and_lower_case(molndal):
    person = make_person(municipality=molndal, email="  Anna.Svensson@Example.SE ")
    assert person.email == "anna.svensson@example.se"


def test_database_refuses_the_same_email_in_another_case(molndal, partille):
    make_person(municipality=molndal, email="anna@example.se")
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.with_scopes_disabled().bulk_create(
            [
                Person(
                    email="ANNA@example.se",
                    first_name="A",
                    last_name="B",
                    municipality=partille,
                    support_resource=True,
                )
            ]
        )


def test_database_requires_a_category_unless_support_resource(molndal):
    with pytest.raises(IntegrityError), transaction.atomic():
        Person.objects.with_scopes_disabled().create(
            email="x@example.se", first_name="X", last_name="Y", municipality=molndal
        )


def form_data(municipality_, workplace_, category_, /, **overrides):
    data = {
        "first_name": "Karin",
        "last_name": "Berg",
        "email": "Karin.Berg@Molndal.se",
        "phone": "",
        "gender": "kvinna",
        "birth_year": "1985",
        "municipality": str(municipality_.pk),
        "workplace": str(workplace_.pk),
        "staff_category": str(category_.pk),
        "personnummer": "",
    }
    data.update(overrides)
    return data


@pytest.fixture
def coordinator(world):
    return world["users"]["coordinator"]


@pytest.fixture
def admin(world):
    return world["users"]["admin"]


@pytest.fixture
def setting(world):
    workplace = world["own_person"].workplace
    return world["own"], workplace, world["own_person"].staff_category


def test_form_accepts_valid_data_and_normalises(setting, coordinator):
    form = PersonForm(form_data(*setting), user=coordinator)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["email"] == "karin.berg@molndal.se"


def test_form_finds_duplicate_email_case_insensitively(setting, coordinator, world):
    form = PersonForm(form_data(*setting, email="ANNA.OWN@test.example"), user=coordinator)
    assert not form.is_valid()
    assert form.has_error("email", "duplicate")


def test_form_messages_are_swedish_by_default(setting, coordinator):
    with translation.override("sv"):
        form = PersonForm(
            form_data(*setting, first_name="", personnummer="19900101-0018"), user=coordinator
        )
        assert not form.is_valid()
        assert form.errors["first_name"] == ["Detta fält måste fyllas i."]
        assert "Inte ett giltigt personnummer" in form.errors["personnummer"][0]


def test_form_requires_category_unless_support_resource(setting, coordinator):
    form = PersonForm(form_data(*setting, staff_category=""), user=coordinator)
    assert not form.is_valid()
    assert form.has_error("staff_category", "category_required")
    form = PersonForm(
        form_data(*setting, staff_category="", workplace="", support_resource="on"),
        user=coordinator,
    )
    assert form.is_valid(), form.errors


def test_form_refuses_a_workplace_of_another_municipality(setting, admin, world):
    other_workplace = world["other_person"].workplace
    municipality, _, category = setting
    form = PersonForm(form_data(municipality, other_workplace, category), user=admin)
    assert not form.is_valid()
    assert form.has_error("workplace", "workplace_municipality")


def test_coordinator_cannot_choose_another_municipality(setting, coordinator, world):
    _, workplace, category = setting
    form = PersonForm(form_data(world["other"], workplace, category), user=coordinator)
    assert not form.is_valid()
    assert form.has_error("municipality", "invalid_choice")


def test_form_checks_birth_year_against_personnummer(setting, coordinator):
    form = PersonForm(
        form_data(*setting, birth_year="1970", personnummer="19900101-0017"), user=coordinator
    )
    assert not form.is_valid()
    assert form.has_error("birth_year", "birth_year_mismatch")
    form = PersonForm(
        form_data(*setting, birth_year="", personnummer="19900101-0017"), user=coordinator
    )
    assert form.is_valid(), form.errors
    assert form.cleaned_data["birth_year"] == 1990


@pytest.mark.parametrize("year", ["1899", "2025", "abc"])
def test_form_refuses_impossible_birth_years(setting, coordinator, year):
    form = PersonForm(form_data(*setting, birth_year=year), user=coordinator)
    assert not form.is_valid()
    assert "birth_year" in form.errors


def test_personnummer_is_stored_encrypted_and_never_in_the_audit_log(setting, coordinator):
    form = PersonForm(
        form_data(*setting, birth_year="1990", personnummer="19900101-0017"), user=coordinator
    )
    assert form.is_valid(), form.errors
    person = person_create(
        by=coordinator, personnummer=form.personnummer_change(), **form.person_values()
    )
    stored = Person.objects.with_scopes_disabled().get(pk=person.pk).personnummer_encrypted
    assert "199001010017" not in stored
    assert decrypt_text(stored) == "199001010017"
    event = AuditEvent.objects.get(action="people.person.created")
    assert "personnummer" in event.data["fields"]
    assert "199001010017" not in str(event.data)
    assert "karin" not in str(event.data).lower()


def test_a_different_key_cannot_read_the_personnummer(world, admin):
    person_update(person=world["own_person"], by=admin, personnummer="199001010017")
    token = (
        Person.objects.with_scopes_disabled().get(pk=world["own_person"].pk).personnummer_encrypted
    )
    assert decrypt_text(token) == "199001010017"
    other_key = Fernet.generate_key().decode()
    with (
        override_settings(FIELD_ENCRYPTION_KEY=other_key),
        pytest.raises(ValueError, match="cannot be decrypted"),
    ):
        decrypt_text(token)


def test_update_audits_changed_field_names_only(world, coordinator):
    person = world["own_person"]
    changed = person_update(
        person=person, by=coordinator, first_name="Annika", last_name=person.last_name
    )
    assert changed == ["first_name"]
    event = AuditEvent.objects.get(action="people.person.changed")
    assert event.data == {"fields": ["first_name"]}
    assert event.actor == coordinator
    assert event.municipality_id == world["own"].pk
    assert person_update(person=person, by=coordinator, first_name="Annika") == []
    assert AuditEvent.objects.filter(action="people.person.changed").count() == 1


def test_update_compares_with_the_stored_row_not_the_instance(world, coordinator):
    person = world["own_person"]
    person.first_name = "Already set on the instance"
    changed = person_update(person=person, by=coordinator, first_name="Already set on the instance")
    assert changed == ["first_name"]


def test_clearing_the_personnummer(world, admin):
    person = world["own_person"]
    person_update(person=person, by=admin, personnummer="199001010017")
    person.refresh_from_db()
    assert person.has_personnummer
    assert person_update(person=person, by=admin, personnummer="") == ["personnummer"]
    person.refresh_from_db()
    assert not person.has_personnummer


def test_workplace_factory_keeps_the_municipality(molndal):
    assert make_workplace(municipality=molndal).municipality == molndal

"""The record of processing (art. 30) is read from the code and the programme file, so it cannot
drift: a model with personal data, a field of a person, a section of the own-data export or a
kind of retention rule left out fails here, and a change of permissions or retention shows."""

import io

import pytest
from django.apps import apps
from django.db import models
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from grannar.core.permissions import url_views
from grannar.people.models import Person, Role, User
from grannar.programmes.models import Programme
from grannar.programmes.retention import DATA_KINDS
from grannar.reporting.own_data import own_data
from grannar.reporting.processing import (
    CATEGORIES,
    LABELS_OF_PATHS,
    TECHNICAL_FIELDS,
    audience,
    processing_record,
)
from tests.factories import sign_in
from tests.html_checks import page_problems
from tests.pdf_checks import overlapping_words
from tests.test_permissions import TABLE


def covered_models() -> set[str]:
    return {".".join(path.split(".")[:2]) for c in CATEGORIES for path in c.fields}


def holds_personal_data(model) -> bool:
    """A person or an account, anything pointing at one, or an e-mail or IP address field."""
    if model in (Person, User):
        return True
    for field in model._meta.get_fields():
        if field.is_relation and field.concrete and field.related_model in (Person, User):
            return True
        if field.many_to_many and field.concrete and field.related_model in (Person, User):
            return True
        if isinstance(field, models.EmailField | models.GenericIPAddressField):
            return True
    return False


def test_every_model_with_personal_data_is_in_the_record():
    personal = {m._meta.label for m in apps.get_models() if holds_personal_data(m)}
    assert {"training.Registration", "axes.AccessAttempt", "site.AccessibilityReport"} <= personal
    assert personal - covered_models() == set()


def test_every_path_in_the_record_names_a_real_model_and_field():
    paths = {path for category in CATEGORIES for path in category.fields}
    assert set(LABELS_OF_PATHS) <= paths
    for category in CATEGORIES:
        for path in category.fields:
            label = ".".join(path.split(".")[:2])
            model = apps.get_model(label)
            if path.count(".") == 2:
                model._meta.get_field(path.split(".")[2])


def test_every_field_of_a_person_is_named():
    named = {path for c in CATEGORIES for path in c.fields}
    fields = {f"people.Person.{f.name}" for f in Person._meta.concrete_fields}
    assert fields - named - TECHNICAL_FIELDS == set()
    assert "people.User" in named


def test_the_record_names_every_section_of_the_own_data_export(world, no_scope):
    user = world["users"]["participant"]
    sections = {s.key for s in own_data(person=user.person, user=user).sections}
    claimed = {key for c in CATEGORIES for key in c.own_sections}
    assert sections == claimed


def test_every_kind_of_retention_rule_governs_a_category():
    assert {c.retention for c in CATEGORIES} - {None} == set(DATA_KINDS)


def test_the_recorded_roles_agree_with_the_permission_table():
    """A view's recorded roles are exactly the roles the permission table lets past it."""
    views = url_views()
    for name, case in TABLE.items():
        recorded = getattr(views[name], "roles", None)
        if recorded is None:
            continue
        passing = {
            role
            for role, status in case.expect.items()
            if role != "anonymous" and status not in (302, 403, 404)
        }
        assert passing == set(recorded), name


def test_who_sees_a_category_follows_the_views(monkeypatch):
    with translation.override("en"):
        personnummer = next(c for c in CATEGORIES if c.key == "personnummer")
        assert audience(personnummer) == [
            "programme admin",
            "auditor",
            "the person themself (My data)",
        ]
        view = url_views()["reporting:esf_export"]
        monkeypatch.setattr(view, "roles", frozenset({Role.ADMIN}))
        assert audience(personnummer) == ["programme admin", "the person themself (My data)"]


def test_retention_follows_the_programme_file(programme):
    with translation.override("en"):
        entry = {e.category.key: e for e in processing_record(programme).entries}
        assert entry["attestations"].retention == (
            "Kept 10 full calendar years after the programme's end, until 2028-12-31 "
            "(decision GR 2016:12 §2)."
        )
        assert "last sign-in" in entry["accounts"].retention
        assert entry["collaboration"].retention == (
            "No retention rule in the programme file: kept until erased."
        )
        rules = [r for r in programme.retention if r["data"] != "attestations"]
        rules[0] = {**rules[0], "keep_years": 5}
        Programme.objects.filter(pk=programme.pk).update(retention=rules)
        programme.refresh_from_db()
        entry = {e.category.key: e for e in processing_record(programme).entries}
        assert entry["attestations"].retention == (
            "The programme file has no rule for monthly attestations: kept until erased."
        )
        assert "Kept 5 full calendar years" in entry["training"].retention


def test_the_record_page_for_admins_and_auditors(world, client):
    code = world["programme"].code
    for role in ("admin", "auditor"):
        sign_in(client, world["users"][role])
        response = client.get(reverse("reporting:processing", args=[code]))
        assert response.status_code == 200
        html = response.content.decode()
        assert not page_problems(html)
        assert "GR 2016:12 §1" in html
        assert "Personnummer" in html
    for role in ("coordinator", "evaluator", "participant", "trainer"):
        sign_in(client, world["users"][role])
        assert client.get(reverse("reporting:processing", args=[code])).status_code == 403


def test_the_record_as_a_pdf(world, client):
    sign_in(client, world["users"]["auditor"])
    response = client.get(reverse("reporting:processing_document", args=[world["programme"].code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "attachment" in response["Content-Disposition"]
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert "GR 2016:12 §7" in text
    assert not overlapping_words(response.content)


@pytest.mark.parametrize("language", ["sv", "en"])
def test_every_category_has_a_purpose_basis_and_audience(programme, language):
    with translation.override(language):
        for entry in processing_record(programme).entries:
            assert entry.data
            assert entry.purpose
            assert entry.legal_basis.startswith("Art. 6.1")
            assert entry.audience

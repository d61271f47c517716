"""A person's own data (GDPR art. 15 and 20): complete, only theirs, on the page, as JSON and
PDF, from the command line, and audit-logged."""

import datetime as dt
import io
import json
import os
import re
import subprocess
import sys
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from grannar.collaboration.lessons import lesson_create
from grannar.collaboration.support import engagement_record, outcome_record
from grannar.core.crypto import encrypt_text
from grannar.core.models import AuditEvent
from grannar.evaluation.models import Response, Survey
from grannar.evaluation.services import response_submit
from grannar.people.models import Person
from grannar.reporting.own_data import own_data, subject_for_email
from grannar.site.models import AccessibilityReport
from grannar.training.certificates import certificate_issue
from grannar.training.models import MonthlyAttestation
from tests.evaluation.conftest import invite, open_survey
from tests.factories import make_person, make_user, sign_in
from tests.html_checks import page_problems
from tests.pdf_checks import overlapping_words
from tests.reporting.builders import attend, held

pytestmark = pytest.mark.django_db


def give_data(world, person, *, tag: str, captured) -> dict:
    """Training, an attestation, a certificate and survey answers of every mode for `person`."""
    programme = world["programme"]
    session = held(programme, on=dt.date(2024, 3, 4 if tag == "own" else 5))
    registration = attend(person, session, hours="2.5")
    certificate = certificate_issue(registration=registration, by=None)
    MonthlyAttestation.objects.create(
        person=person,
        programme=programme,
        month=dt.date(2024, 3, 1),
        hours=Decimal("2.5"),
        statement=f"Intygar 2,5 timmar ({tag})",
    )
    answers = {}
    for mode in ("named", "pseudonymous", "anonymous"):
        survey = open_survey(world, "reaction", mode)
        Survey.objects.filter(pk=survey.pk).update(title=f"Enkät {mode} {tag}")
        [token] = invite(survey, [person], world, captured)
        response = response_submit(
            token=token, answers={"relevant": 5, "better": f"Svar {mode} {tag}"}
        )
        answers[mode] = response
    return {"session": session, "certificate": certificate, "responses": answers}


@pytest.fixture
def two(world, no_scope, django_capture_on_commit_callbacks):
    """The participant and a person in another municipality, each with the same kinds of data."""
    person = world["users"]["participant"].person
    Person.objects.filter(pk=person.pk).update(
        phone="070-123 45 67", personnummer_encrypted=encrypt_text("198001011234")
    )
    person.refresh_from_db()
    mine = give_data(world, person, tag="own", captured=django_capture_on_commit_callbacks)
    theirs = give_data(
        world, world["other_person"], tag="other", captured=django_capture_on_commit_callbacks
    )
    return {"person": person, "user": world["users"]["participant"], "mine": mine, "theirs": theirs}


def export(person, user=None) -> dict:
    with translation.override("en"):
        return own_data(person=person, user=user).as_data()


def test_the_export_holds_everything_about_the_person(two, world):
    data = export(two["person"], two["user"])
    assert data["format"] == "grannar-own-data/1"
    person = data["person"]
    assert person["email"] == "deltagare@test.example"
    assert person["phone"] == "070-123 45 67"
    assert (person["gender"], person["birth_year"]) == ("kvinna", 1980)
    assert person["municipality"] == "Mölndal"
    assert data["account"]["email"] == "deltagare@test.example"
    assert [r["role"] for r in data["roles"]] == ["participant"]
    [registration] = data["registrations"]
    assert (registration["session"], registration["status"]) == (
        two["mine"]["session"].code,
        "attended",
    )
    [attendance] = data["attendance"]
    assert (attendance["hours"], attendance["method"]) == (2.5, "import")
    [attestation] = data["attestations"]
    assert (attestation["month"], attestation["statement"]) == (
        "2024-03",
        "Intygar 2,5 timmar (own)",
    )
    assert [c["code"] for c in data["certificates"]] == [two["mine"]["certificate"].code]
    assert len(data["survey_invitations"]) == 3
    modes = sorted(r["mode"] for r in data["survey_responses"])
    assert modes == ["named", "pseudonymous"]
    texts = {a["answer"] for a in data["survey_answers"]}
    assert {"Svar named own", "Svar pseudonymous own", 5.0} <= texts
    assert "Svar anonymous own" not in texts
    for key in ("engagements", "outcomes", "reference_letters", "figures", "audit_about_you"):
        assert key in data
    assert data["figures"][0]["hours"] == 2


def test_the_personnummer_is_never_shown_in_full(two):
    data = export(two["person"], two["user"])
    assert data["person"]["personnummer"] == "19800101-****"
    assert "1234" not in json.dumps(data)


def test_another_persons_data_is_never_included(two, world):
    text = json.dumps(export(two["person"], two["user"]), ensure_ascii=False)
    other = world["other_person"]
    for value in (
        other.email,
        other.last_name,
        two["theirs"]["session"].code,
        two["theirs"]["certificate"].code,
        "(other)",
        "Svar named other",
        "Svar pseudonymous other",
        "Enkät named other",
    ):
        assert value not in text
    response_ids = {r["response"] for r in export(two["person"])["survey_responses"]}
    theirs = {r.pk for r in two["theirs"]["responses"].values()}
    assert not response_ids & theirs


def test_pseudonymous_answers_are_found_by_the_key_and_anonymous_ones_never(two):
    pseudonymous = two["mine"]["responses"]["pseudonymous"]
    assert pseudonymous.person_id is None
    assert pseudonymous.pseudonym
    ids = {r["response"] for r in export(two["person"])["survey_responses"]}
    assert pseudonymous.pk in ids
    assert two["mine"]["responses"]["named"].pk in ids
    anonymous = Response.objects.filter(survey__mode="anonymous")
    assert not ids & set(anonymous.values_list("pk", flat=True))


def test_a_support_resources_engagements_and_outcomes(world, no_scope):
    helper = make_person(municipality=world["own"], support_resource=True)
    session = held(world["programme"], on=dt.date(2024, 4, 2))
    engagement_record(person=helper, session=session, role="panel", hours=Decimal(2), by=None)
    outcome_record(
        person=helper,
        programme=world["programme"],
        moment="programme_end",
        result="studies",
        recorded_on=dt.date(2025, 1, 10),
        by=None,
    )
    data = export(helper)
    assert [(e["role"], e["hours"]) for e in data["engagements"]] == [("panel", 2.0)]
    assert [o["outcome"] for o in data["outcomes"]] == ["studies"]
    assert "account" not in data
    assert data["person"]["support_resource"] is True


def test_the_audit_log_says_who_saw_or_exported_the_data(two, world, client):
    admin = world["users"]["admin"]
    sign_in(client, admin)
    assert client.get(reverse("people:detail", args=[two["person"].pk])).status_code == 200
    events = export(two["person"], two["user"])["audit_about_you"]
    viewed = [e for e in events if e["action"] == "people.person.viewed"]
    assert [e["by"] for e in viewed] == ["admin@test.example"]
    assert {"training.certificate.issued"} <= {e["action"] for e in events}
    # Another person's events are not among them.
    other = world["other_person"]
    client.get(reverse("people:detail", args=[other.pk]))
    again = export(two["person"], two["user"])["audit_about_you"]
    assert len([e for e in again if e["action"] == "people.person.viewed"]) == 1


def test_an_accessibility_report_with_the_persons_address_is_theirs(two):
    AccessibilityReport.objects.create(
        description="Knappen syns inte", reply_to="Deltagare@Test.example"
    )
    AccessibilityReport.objects.create(description="Någon annans", reply_to="annan@test.example")
    rows = export(two["person"], two["user"])["accessibility_reports"]
    assert [r["description"] for r in rows] == ["Knappen syns inte"]


def test_records_a_staff_member_made_are_counted(world, no_scope, client):
    admin = world["users"]["admin"]
    lesson_create(
        programme=world["programme"],
        title="Lärdom",
        context="C",
        what_we_did="W",
        what_happened="H",
        recommendation="R",
        by=admin,
    )
    sign_in(client, admin)
    data = json.loads(client.get(reverse("site:my_data_download", args=["json"])).content)
    assert data["records_made"] == [{"record": "lessons", "what": "Skrivna lärdomar", "count": 1}]
    assert "collaboration.lesson.created" in {e["action"] for e in data["audit_by_you"]}


def test_an_account_without_a_person_gets_its_account_data(world, no_scope):
    data = export(None, world["users"]["auditor"])
    assert "person" not in data
    assert "registrations" not in data
    assert [r["role"] for r in data["roles"]] == ["auditor"]


# --- the page and the downloads ---------------------------------------------------------------


def test_the_participant_reads_their_data_on_a_page(two, client):
    sign_in(client, two["user"])
    response = client.get(reverse("site:my_data"))
    assert response.status_code == 200
    html = response.content.decode()
    assert not page_problems(html)
    assert two["mine"]["certificate"].code in html
    assert "19800101-****" in html
    assert "Svar pseudonymous own" in html
    assert two["theirs"]["certificate"].code not in html
    assert "no-store" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="reporting.own_data.viewed")
    assert (event.actor, event.target_type, event.target_id) == (
        two["user"],
        "people.person",
        str(two["person"].pk),
    )
    assert event.data == {"format": "page", "via": "web"}


def test_a_long_section_is_cut_on_the_page_but_not_in_the_files(two, client, monkeypatch):
    monkeypatch.setattr("grannar.reporting.own_data.PAGE_ROWS", 1)
    sign_in(client, two["user"])
    html = client.get(reverse("site:my_data")).content.decode()
    assert "2 rader till finns i filerna." in html
    data = json.loads(client.get(reverse("site:my_data_download", args=["json"])).content)
    assert len(data["survey_answers"]) > 1


def test_the_participant_downloads_json_and_pdf(two, client):
    sign_in(client, two["user"])
    response = client.get(reverse("site:my_data_download", args=["json"]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["person"]["email"] == "deltagare@test.example"
    response = client.get(reverse("site:my_data_download", args=["pdf"]))
    assert response.status_code == 200
    assert response.content.startswith(b"%PDF")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(response.content)).pages)
    assert two["mine"]["certificate"].code in text
    assert two["theirs"]["certificate"].code not in text
    assert not overlapping_words(response.content)
    formats = sorted(
        e.data["format"] for e in AuditEvent.objects.filter(action="reporting.own_data.exported")
    )
    assert formats == ["json", "pdf"]
    assert client.get(reverse("site:my_data_download", args=["xlsx"])).status_code == 404


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get(reverse("site:my_data"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert client.get(reverse("site:my_data_download", args=["json"])).status_code == 302


def test_each_role_sees_only_their_own(world, two, client):
    """An admin's page shows the admin's account, never the participant's records."""
    sign_in(client, world["users"]["admin"])
    html = client.get(reverse("site:my_data")).content.decode()
    assert "admin@test.example" in html
    assert two["mine"]["certificate"].code not in html
    assert "deltagare@test.example" not in html


def test_the_profile_links_to_the_data(two, client):
    sign_in(client, two["user"])
    html = client.get(reverse("site:start")).content.decode()
    assert reverse("site:my_data") in html


# --- the command ------------------------------------------------------------------------------


def run(*argv: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    with translation.override("sv"):
        call_command("person", *argv, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_command_writes_the_export_to_a_file(two, tmp_path):
    output = tmp_path / "export.json"
    output.write_text("old")
    _out, err = run("export", "  DELTAGARE@test.example ", "--output", str(output))
    data = json.loads(output.read_text(encoding="utf-8"))
    assert data["person"]["email"] == "deltagare@test.example"
    assert oct(output.stat().st_mode & 0o777) == "0o600"
    assert [p.name for p in tmp_path.iterdir()] == ["export.json"]
    assert "export.json" in err
    event = AuditEvent.objects.get(action="reporting.own_data.exported")
    assert event.actor is None
    assert event.data == {"format": "json", "via": "command"}
    assert event.target_id == str(two["person"].pk)


def test_the_command_writes_a_pdf_and_json_to_standard_output(two, tmp_path):
    out, _err = run("export", "deltagare@test.example")
    assert json.loads(out)["account"]["email"] == "deltagare@test.example"
    run("export", "deltagare@test.example", "--format", "pdf", "--output", str(tmp_path / "a.pdf"))
    assert (tmp_path / "a.pdf").read_bytes().startswith(b"%PDF")


def test_the_command_refuses_an_unknown_address_and_a_missing_folder(two, tmp_path):
    message = "Ingen person eller inget konto har e-postadressen ingen@test.example."
    with pytest.raises(CommandError, match=re.escape(message)):
        run("export", "ingen@test.example")
    with pytest.raises(CommandError, match=r"x\.json"):
        run("export", "deltagare@test.example", "--output", str(tmp_path / "no" / "x.json"))
    with pytest.raises(CommandError, match="--output"):
        run("export", "deltagare@test.example", "--format", "pdf")
    assert not AuditEvent.objects.filter(action="reporting.own_data.exported").exists()


def test_the_console_script_exits_non_zero_without_a_traceback(tmp_path):
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'cli.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    cli = [sys.executable, "-m", "grannar.cli"]
    subprocess.run([*cli, "migrate", "-v0"], env=env, check=True, cwd=settings.BASE_DIR)
    result = subprocess.run(
        [*cli, "person", "export", "ingen@test.example"],
        env=env,
        cwd=settings.BASE_DIR,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 1
    assert result.stderr == (
        "Ingen person eller inget konto har e-postadressen ingen@test.example.\n"
    )
    assert "Traceback" not in result.stderr


def test_subject_for_email_finds_the_person_of_an_account(world, no_scope):
    user = make_user(email="konto@test.example", person=world["own_person"])
    person, found = subject_for_email("konto@test.example")
    assert (person, found) == (world["own_person"], user)
    with pytest.raises(LookupError):
        subject_for_email("ingen@test.example")

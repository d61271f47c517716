"""Erasure as anonymisation: the service, the command, the pages, refusals and permissions."""

import datetime as dt
from decimal import Decimal

import pytest
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tasks_db.models import DBTaskResult

from grannar.core.crypto import encrypt_text
from grannar.core.models import AuditEvent
from grannar.evaluation.models import Answer, Question, Response, Section, Survey
from grannar.evaluation.services import pseudonym
from grannar.people.models import ErasureRequest, Person, Role, User
from grannar.reporting import reports
from grannar.reporting.erasure import (
    ErasureError,
    ErasureRefused,
    access_erasable_person,
    erasure_holds,
    erasure_refuse,
    erasure_request,
    person_erase,
)
from grannar.site.models import AccessibilityReport
from grannar.training import rollups
from grannar.training.models import CalendarFeed, ImportJob, MonthlyAttestation
from tests.factories import make_person, make_user, sign_in
from tests.reporting.builders import attend, held

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]

EMAIL = "sigrid.ohrwall@kommun.example"
FIRST, LAST = "Sigrid", "Öhrwall-Bengtsdotter"
PERSONNUMMER = "198112189876"
AFTER_RETENTION = dt.date(2029, 1, 1)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _survey(programme, mode: str, series: str = "") -> Question:
    survey = Survey.objects.create(
        programme=programme,
        title=f"Enkät {mode}",
        phase="after",
        mode=mode,
        series=series,
        status=Survey.Status.CLOSED,
    )
    section = Section.objects.create(survey=survey, title="Del")
    return Question.objects.create(section=section, kind=Question.Kind.TEXT, text="Vad tyckte du?")


@pytest.fixture
def sigrid(world):
    """A participant whose identity is spread over every table that can hold it."""
    programme = world["programme"]
    person = make_person(
        municipality=world["own"],
        email=EMAIL,
        first_name=FIRST,
        last_name=LAST,
        phone="070-123 45 67",
        workplace_name="Öhrwalls familjehem",
        birth_year=1981,
        personnummer_encrypted=encrypt_text(PERSONNUMMER),
    )
    session = held(programme, on=dt.date(2017, 5, 8), subgoals=[1])
    attend(person, session, hours="2.5")
    MonthlyAttestation.objects.create(
        person=person,
        programme=programme,
        month=dt.date(2017, 5, 1),
        hours=Decimal("2.5"),
        statement="I attest that ...",
    )
    user = make_user(role=Role.PARTICIPANT, programme=programme, person=person, email=EMAIL)
    TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    AccessAttempt.objects.create(
        username=EMAIL, ip_address="127.0.0.1", user_agent="x", failures_since_start=1
    )
    DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {"to": [EMAIL], "body": f"Hej {FIRST}!"}},
        task_path="grannar.core.tasks.send_email",
        backend_name="default",
        run_after=timezone.now(),
    )
    CalendarFeed.objects.create(person=person, token_hash="f" * 64)
    ImportJob.objects.create(
        kind=ImportJob.Kind.ATTENDANCE,
        programme=programme,
        filename="narvaro.csv",
        content=f"session_code,email,first_name,last_name\nx,{EMAIL},{FIRST},{LAST}\n".encode(),
        status=ImportJob.Status.DONE,
        report={"lines": [f"row 2: {EMAIL} added"]},
    )
    other_file = ImportJob.objects.create(
        kind=ImportJob.Kind.ATTENDANCE,
        programme=programme,
        filename="annan.csv",
        content=b"session_code,email\nx,someone@else.example\n",
        status=ImportJob.Status.DONE,
    )
    AccessibilityReport.objects.create(description="Kontrasten", reply_to=EMAIL)
    named = _survey(programme, Survey.Mode.NAMED)
    response = Response.objects.create(
        survey=named.section.survey, person=person, submitted=dt.date(2017, 6, 1)
    )
    Answer.objects.create(response=response, question=named, text=f"{FIRST} tyckte om kursen")
    pseudonymous = _survey(programme, Survey.Mode.PSEUDONYMOUS, series="serie")
    hashed = Response.objects.create(
        survey=pseudonymous.section.survey,
        pseudonym=pseudonym(programme_id=programme.pk, series="serie", person_id=person.pk),
        submitted=dt.date(2017, 6, 1),
    )
    Answer.objects.create(response=hashed, question=pseudonymous, text=f"Mvh {FIRST} {LAST}")
    return {"person": person, "user": user, "other_file": other_file, **world}


def _everywhere(*needles: str) -> list[str]:
    """Every table and column whose text holds any of `needles` (case-insensitive)."""
    found = []
    lowered = [needle.lower() for needle in needles]
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            columns = [column[0] for column in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    if isinstance(value, bytes | memoryview):
                        value = bytes(value).decode("utf-8", errors="replace")
                    text = str(value).lower()
                    found += [f"{table}.{column}" for needle in lowered if needle in text]
    return sorted(set(found))


def test_the_identity_is_in_many_tables_before(sigrid):
    assert len(_everywhere(EMAIL, LAST)) >= 6


def test_erased_email_and_name_appear_nowhere_afterwards(sigrid):
    person = sigrid["person"]
    person_erase(person=person, by=None, reason="Begäran enligt art. 17", legal_ground="Art. 17")
    assert _everywhere(EMAIL, LAST, FIRST, "070-123", "Öhrwalls familjehem") == []
    person.refresh_from_db()
    assert person.erased is not None
    assert person.last_name.startswith("anon-")
    assert person.email.endswith("@erased.invalid")
    assert person.personnummer_encrypted == ""
    # The counted facts stay.
    assert (person.municipality, person.birth_year, person.gender) == (
        sigrid["own"],
        1981,
        "kvinna",
    )
    assert person.staff_category_id is not None
    assert person.workplace_id is not None
    user = sigrid["user"]
    user.refresh_from_db()
    assert not user.is_active
    assert not user.has_usable_password()
    assert not user.roles.exists()
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not CalendarFeed.objects.filter(person=person).exists()
    assert Answer.objects.filter(text="").count() == 2
    # An import that never named her keeps its file.
    sigrid["other_file"].refresh_from_db()
    assert bytes(sigrid["other_file"].content)
    assert AccessibilityReport.objects.get().description == "Kontrasten"


def test_every_figure_and_the_rollups_stay(sigrid):
    programme = sigrid["programme"]
    before = reports.summary_json(programme)
    person_erase(person=sigrid["person"], by=None, reason="Begäran", legal_ground="Art. 17")
    assert reports.summary_json(programme) == before
    assert rollups.verify(programme) == []


def test_refused_while_the_funders_evidence_is_kept(sigrid):
    person = sigrid["person"]
    holds = erasure_holds(person=person, today=dt.date(2026, 12, 3))
    assert [(hold.rule.data, hold.until) for hold in holds] == [
        ("attendance_evidence", dt.date(2028, 12, 31)),
        ("attestations", dt.date(2028, 12, 31)),
    ]
    with pytest.raises(ErasureRefused) as refused:
        person_erase(person=person, by=None, reason="Begäran", today=dt.date(2026, 12, 3))
    message = str(refused.value)
    assert "GR 2016:12 §1" in message
    assert "2028-12-31" in message
    assert "GR 2016:12 §2" in message
    person.refresh_from_db()
    assert person.erased is None
    assert person.email == EMAIL
    assert not ErasureRequest.objects.exists()
    assert not AuditEvent.objects.filter(action="people.person.erased").exists()


def test_no_hold_once_the_rules_have_run_out(sigrid):
    person = sigrid["person"]
    assert erasure_holds(person=person, today=AFTER_RETENTION) == []
    person_erase(person=person, by=None, reason="Begäran", today=AFTER_RETENTION)
    person.refresh_from_db()
    assert person.erased is not None


def test_someone_without_funder_evidence_is_erased_without_a_legal_ground(world):
    person = make_person(municipality=world["own"], email="bara.registrerad@test.example")
    person_erase(person=person, by=world["users"]["admin"], reason="Slutat")
    assert not Person.objects.filter(email="bara.registrerad@test.example").exists()


def test_the_audit_entry_names_no_personal_data(sigrid):
    person = sigrid["person"]
    admin = sigrid["users"]["admin"]
    request = person_erase(
        person=person, by=admin, reason=f"{FIRST} bad om det", legal_ground="Art. 17.1 a"
    )
    event = AuditEvent.objects.get(action="people.person.erased")
    assert event.actor == admin
    assert event.target_id == str(person.pk)
    assert event.data["request"] == request.pk
    assert event.data["legal_ground"] is True
    assert event.data["held_by"] == [
        "attendance_evidence GR 2016:12 §1",
        "attestations GR 2016:12 §2",
    ]
    request.refresh_from_db()
    # The reason that named her now names the pseudonym; the legal ground is kept.
    assert FIRST not in request.reason
    assert request.legal_ground == "Art. 17.1 a"


def test_erasing_twice_is_refused(sigrid):
    person = sigrid["person"]
    person_erase(person=person, by=None, reason="Begäran", legal_ground="Art. 17")
    with pytest.raises(ErasureError, match="already been erased"):
        person_erase(person=person, by=None, reason="Begäran", legal_ground="Art. 17")


def test_a_reason_is_required(sigrid):
    with pytest.raises(ErasureError, match="reason"):
        person_erase(person=sigrid["person"], by=None, reason="  ", legal_ground="Art. 17")


def test_coordinator_may_request_only_for_own_staff(world):
    coordinator = world["users"]["coordinator"]
    assert (
        access_erasable_person(user=coordinator, email="ANNA.OWN@test.example")
        == (world["own_person"])
    )
    with pytest.raises(ErasureError) as other:
        access_erasable_person(user=coordinator, email="bo.other@test.example")
    with pytest.raises(ErasureError) as missing:
        access_erasable_person(user=coordinator, email="nobody@test.example")
    assert str(other.value) == str(missing.value)
    admin = world["users"]["admin"]
    assert (
        access_erasable_person(user=admin, email="bo.other@test.example") == (world["other_person"])
    )


def test_request_then_refuse(world):
    coordinator = world["users"]["coordinator"]
    request = erasure_request(person=world["own_person"], by=coordinator, reason="Har slutat")
    with pytest.raises(ErasureError, match="already been requested"):
        erasure_request(person=world["own_person"], by=coordinator, reason="Igen")
    with pytest.raises(ErasureError):
        erasure_refuse(request=request, by=world["users"]["admin"], refusal=" ")
    erasure_refuse(request=request, by=world["users"]["admin"], refusal="Pågående revision")
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.REFUSED
    with pytest.raises(ErasureError, match="already been decided"):
        person_erase(person=world["own_person"], by=world["users"]["admin"], request=request)
    assert AuditEvent.objects.filter(action="people.erasure.refused").count() == 1


def test_an_erasure_answers_the_requests_still_waiting(world):
    person = world["own_person"]
    waiting = erasure_request(person=person, by=world["users"]["coordinator"], reason="Slutat")
    person_erase(person=person, by=world["users"]["admin"], reason="Slutat")
    waiting.refresh_from_db()
    assert waiting.status == ErasureRequest.Status.ERASED
    assert waiting.decided_by == world["users"]["admin"]


# The command ------------------------------------------------------------------------------


def test_command_refuses_naming_the_rule_and_exits_non_zero(sigrid):
    with pytest.raises(CommandError) as refused:
        call_command("person", "erase", EMAIL, "--reason", "Begäran")
    assert "GR 2016:12 §1" in str(refused.value)
    assert "2028-12-31" in str(refused.value)
    assert Person.objects.filter(email=EMAIL).exists()


def test_command_erases_with_a_legal_ground(sigrid, capsys):
    call_command("person", "erase", EMAIL, "--reason", "Begäran", "--legal-ground", "Art. 17.1 a")
    assert "anon-" in capsys.readouterr().out
    assert not Person.objects.filter(email=EMAIL).exists()
    assert ErasureRequest.objects.get().legal_ground == "Art. 17.1 a"


def test_command_unknown_person(world):
    with pytest.raises(CommandError, match="No person"):
        call_command("person", "erase", "nobody@test.example", "--reason", "x")


# The pages --------------------------------------------------------------------------------


def test_coordinator_requests_for_own_staff_on_the_page(client, world):
    coordinator = world["users"]["coordinator"]
    sign_in(client, coordinator)
    url = reverse("reporting:erasure")
    assert client.get(url).status_code == 200
    response = client.post(url, {"email": "anna.own@test.example", "reason": "Har slutat"})
    assert response.status_code == 302
    request = ErasureRequest.objects.get()
    assert request.person == world["own_person"]
    assert request.requested_by == coordinator
    response = client.post(url, {"email": "bo.other@test.example", "reason": "Har slutat"})
    assert response.status_code == 200
    assert ErasureRequest.objects.count() == 1
    # The coordinator cannot decide.
    decide = reverse("reporting:erasure_decide", args=[request.pk])
    assert client.post(decide, {"decision": "erase"}).status_code == 403


def test_coordinator_sees_only_own_municipalitys_requests(client, world):
    admin = world["users"]["admin"]
    erasure_request(person=world["other_person"], by=admin, reason="Annan kommun")
    sign_in(client, world["users"]["coordinator"])
    page = client.get(reverse("reporting:erasure")).content.decode()
    assert "Annan kommun" not in page


def test_admin_carries_out_a_request_with_a_legal_ground(client, sigrid):
    coordinator = sigrid["users"]["coordinator"]
    request = erasure_request(person=sigrid["person"], by=coordinator, reason="Har slutat")
    admin = sigrid["users"]["admin"]
    sign_in(client, admin)
    page = client.get(reverse("reporting:erasure")).content.decode()
    assert "Har slutat" in page
    assert "GR 2016:12 §1" in page
    decide = reverse("reporting:erasure_decide", args=[request.pk])
    refused = client.post(decide, {"decision": "erase", "legal_ground": ""})
    assert refused.status_code == 200
    assert "2028-12-31" in refused.content.decode()
    assert Person.objects.filter(email=EMAIL).exists()
    done = client.post(decide, {"decision": "erase", "legal_ground": "Art. 17.1 a"})
    assert done.status_code == 302
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.ERASED
    assert request.decided_by == admin
    assert not Person.objects.filter(email=EMAIL).exists()


def test_admin_refuses_a_request(client, world):
    request = erasure_request(
        person=world["own_person"], by=world["users"]["coordinator"], reason="Har slutat"
    )
    sign_in(client, world["users"]["admin"])
    decide = reverse("reporting:erasure_decide", args=[request.pk])
    assert client.post(decide, {"decision": "refuse", "refusal": ""}).status_code == 200
    assert client.post(decide, {"decision": "refuse", "refusal": "Revision"}).status_code == 302
    request.refresh_from_db()
    assert request.status == ErasureRequest.Status.REFUSED
    assert request.refusal == "Revision"


@pytest.mark.parametrize("role", ["trainer", "participant", "evaluator", "auditor"])
def test_other_roles_may_not_open_the_erasure_page(client, world, role):
    sign_in(client, world["users"][role])
    assert client.get(reverse("reporting:erasure")).status_code == 403


def test_a_decision_on_an_unknown_request_is_404(client, world):
    sign_in(client, world["users"]["admin"])
    decide = reverse("reporting:erasure_decide", args=[999999])
    assert client.post(decide, {"decision": "refuse", "refusal": "x"}).status_code == 404


def test_erased_user_is_signed_out_for_good(rf, sigrid):
    user = User.objects.get(email=EMAIL)
    request = rf.post("/")
    assert authenticate(request, email=EMAIL, password="correct horse battery") == user
    person_erase(person=sigrid["person"], by=None, reason="Begäran", legal_ground="Art. 17")
    assert authenticate(request, email=EMAIL, password="correct horse battery") is None
    user.refresh_from_db()
    assert not user.is_active

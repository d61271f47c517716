"""The retention run: the plan, carrying it out all or nothing, the command, the daily job."""

import datetime as dt
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone, translation

from grannar.collaboration.models import Outcome
from grannar.core.models import AuditEvent
from grannar.evaluation.models import Answer, Question, Response, Section, Survey
from grannar.people.models import Person, User
from grannar.programmes.services import programme_load
from grannar.reporting import retention as reporting_retention
from grannar.reporting.counting import figures
from grannar.reporting.retention import retention_plan, retention_run
from grannar.training import rollups
from grannar.training.facts import Scope
from grannar.training.models import ImportJob, MonthlyAttestation
from tests.factories import make_person, make_user, sign_in
from tests.reporting.builders import attend, held

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]

TODAY = dt.date(2026, 12, 3)
AFTER = dt.date(2029, 1, 1)  # the day after the ten-year rules of the reference programme


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def _old(event_or_events, day: dt.date) -> None:
    AuditEvent.objects.filter(pk__in=[e.pk for e in event_or_events]).update(
        created=timezone.make_aware(dt.datetime.combine(day, dt.time(12)))
    )


@pytest.fixture
def ended(world):
    """The reference programme (ended 2018) with something of every kind, and a programme
    still running whose people keep their identity."""
    programme = world["programme"]
    running = programme_load(
        text=(Path(__file__).with_name("other-programme.toml"))
        .read_text(encoding="utf-8")
        .replace("ends = 2025-12-31", "ends = 2031-12-31")
        + '\n[[retention]]\ndata = "attendance_evidence"\nkeep_years = 10\ndecision = "X 1"\n'
        + '\n[[retention]]\ndata = "audit_log"\nkeep_years = 10\ndecision = "X 2"\n'
    ).programme
    session = held(programme, on=dt.date(2017, 3, 6), subgoals=[1])
    gone = make_person(municipality=world["own"], email="bara.programmet@test.example")
    attend(gone, session)
    also_running = make_person(municipality=world["own"], email="fortsatter@test.example")
    attend(also_running, session)
    attend(also_running, held(running, on=dt.date(2025, 3, 3)))
    catalogue = make_person(municipality=world["own"], email="katalog@test.example")
    attend(catalogue, session)
    attend(catalogue, held(None, on=dt.date(2020, 3, 2)))
    signed_in = make_person(municipality=world["own"], email="konto@test.example")
    attend(signed_in, session)
    make_user(person=signed_in, email="konto@test.example")
    MonthlyAttestation.objects.create(
        person=gone, programme=programme, month=dt.date(2017, 3, 1), hours=Decimal(3), statement="."
    )
    support = make_person(municipality=world["own"], support_resource=True)
    Outcome.objects.create(
        person=support,
        programme=programme,
        moment=Outcome.Moment.PROGRAMME_END,
        result=Outcome.Result.WORK,
        recorded_on=dt.date(2018, 12, 1),
    )
    survey = Survey.objects.create(
        programme=programme, title="Efter", phase="after", mode="anonymous", status="closed"
    )
    question = Question.objects.create(
        section=Section.objects.create(survey=survey, title="Del"), kind="text", text="Något?"
    )
    response = Response.objects.create(survey=survey, submitted=dt.date(2017, 4, 1))
    Answer.objects.create(response=response, question=question, text="Bra kurs")
    job = ImportJob.objects.create(
        kind=ImportJob.Kind.ATTENDANCE,
        programme=programme,
        filename="lista.csv",
        content=b"session_code,email\nx,bara.programmet@test.example\n",
        status=ImportJob.Status.DONE,
    )
    idle = make_user(email="vilande@test.example")
    User.objects.filter(pk=idle.pk).update(
        last_login=timezone.make_aware(dt.datetime(2020, 5, 4, 10))
    )
    old = [AuditEvent.objects.create(action="core.demo.loaded") for _ in range(3)]
    _old(old[:2], dt.date(2017, 6, 1))
    _old(old[2:], dt.date(2025, 6, 1))  # in the running programme's period: kept
    return {
        **world,
        "running": running,
        "gone": gone,
        "also_running": also_running,
        "catalogue": catalogue,
        "signed_in": signed_in,
        "job": job,
        "idle": idle,
        "old": old,
    }


def _plan(today):
    return {(item.programme.code, item.data): item for item in retention_plan(today=today)}


def test_the_plan_names_every_rule_and_what_is_due_today(ended):
    plan = _plan(TODAY)
    evidence = plan[("nya-grannar", "attendance_evidence")]
    assert evidence.rule.decision == "GR 2016:12 §1"
    assert evidence.keep_until == dt.date(2028, 12, 31)
    assert not evidence.due
    free_text = plan[("nya-grannar", "survey_free_text")]
    assert free_text.keep_until == dt.date(2020, 12, 31)
    assert free_text.count == 1
    accounts = plan[("nya-grannar", "accounts")]
    assert accounts.keep_until is None
    # Last signed in 2020: kept to the end of 2023.
    assert accounts.ids == [ended["idle"].pk]
    assert plan[("annat-program", "attendance_evidence")].keep_until == dt.date(2041, 12, 31)


def test_an_account_is_kept_to_the_end_of_the_third_year_after_its_last_sign_in(ended):
    recent = make_user(email="nyligen@test.example")
    User.objects.filter(pk=recent.pk).update(
        last_login=timezone.make_aware(dt.datetime(2023, 1, 1, 0, 30))
    )
    boss = User.objects.create_superuser("chef@test.example", "x")
    User.objects.filter(pk=boss.pk).update(
        last_login=timezone.make_aware(dt.datetime(2019, 1, 1, 12))
    )
    assert _plan(dt.date(2026, 12, 31))[("nya-grannar", "accounts")].ids == [ended["idle"].pk]
    due = _plan(dt.date(2027, 1, 1))[("nya-grannar", "accounts")].ids
    assert due == sorted([ended["idle"].pk, recent.pk])


def test_the_plan_after_the_ten_years(ended):
    plan = _plan(AFTER)
    evidence = plan[("nya-grannar", "attendance_evidence")]
    # Only the person nothing else still needs; the file that names them goes too.
    assert evidence.ids == [ended["gone"].pk]
    assert evidence.files == [ended["job"].pk]
    assert plan[("nya-grannar", "attestations")].count == 1
    assert plan[("nya-grannar", "survey_answers")].count == 1
    assert plan[("nya-grannar", "support_resource_outcomes")].count == 1
    # Audit entries up to the programme's end, none from the running programme's time.
    assert plan[("nya-grannar", "audit_log")].ids == sorted(e.pk for e in ended["old"][:2])
    assert not plan[("annat-program", "audit_log")].due


def test_running_it_disposes_of_what_is_due_and_logs_each_decision(ended):
    programme = ended["programme"]
    before = figures(Scope(programme=programme))
    admin = ended["users"]["admin"]
    retention_run(by=admin, today=AFTER)
    gone = Person.objects.get(pk=ended["gone"].pk)
    assert gone.erased is not None
    assert not Person.objects.filter(email="bara.programmet@test.example").exists()
    for key in ("also_running", "catalogue", "signed_in"):
        assert Person.objects.get(pk=ended[key].pk).erased is None
    ended["job"].refresh_from_db()
    assert bytes(ended["job"].content) == b""
    assert not MonthlyAttestation.objects.exists()
    assert not Response.objects.exists()
    assert not Answer.objects.exists()
    assert not Outcome.objects.exists()
    idle = User.objects.get(pk=ended["idle"].pk)
    assert not idle.is_active
    assert idle.email.endswith("@erased.invalid")
    assert User.objects.get(email="admin@test.example").is_active
    assert AuditEvent.objects.filter(pk=ended["old"][2].pk).exists()
    assert not AuditEvent.objects.filter(pk__in=[e.pk for e in ended["old"][:2]]).exists()
    entries = AuditEvent.objects.filter(action="reporting.retention.disposed")
    assert {(e.data["data"], e.data["decision"]) for e in entries} == {
        ("attendance_evidence", "GR 2016:12 §1"),
        ("attestations", "GR 2016:12 §2"),
        ("survey_answers", "GR 2016:12 §3"),
        ("survey_free_text", "GR 2016:12 §4"),
        ("support_resource_outcomes", "GR 2016:12 §5"),
        ("accounts", "GR 2016:12 §6"),
        ("audit_log", "GR 2016:12 §7"),
    }
    assert all(e.actor == admin for e in entries)
    # The figures stay: identity went, the counted facts did not.
    after = figures(Scope(programme=programme))
    assert (after.participants, after.attended_hours, after.by_gender) == (
        before.participants,
        before.attended_hours,
        before.by_gender,
    )
    assert rollups.verify(programme) == []
    # Nothing is due any more.
    assert not any(item.due for item in retention_plan(today=AFTER))


def test_it_is_all_or_nothing(ended, monkeypatch):
    def broken(**kwargs):
        raise RuntimeError("disk full")

    # The last kind to be disposed of fails: the earlier ones are rolled back with it.
    monkeypatch.setattr(reporting_retention, "audit_events_delete", broken)
    with pytest.raises(RuntimeError):
        retention_run(today=AFTER)
    assert Person.objects.get(pk=ended["gone"].pk).erased is None
    assert MonthlyAttestation.objects.count() == 1
    assert Outcome.objects.count() == 1
    assert User.objects.get(pk=ended["idle"].pk).is_active
    assert not AuditEvent.objects.filter(action="reporting.retention.disposed").exists()


def test_dry_run_command_lists_the_plan_and_changes_nothing(ended, capsys):
    call_command("retention", "run", "--dry-run")
    out = capsys.readouterr().out
    for decision in ("GR 2016:12 §1", "GR 2016:12 §4", "GR 2016:12 §7"):
        assert decision in out
    assert "kept until 2028-12-31" in out
    assert "nothing was changed" in out
    assert Answer.objects.exclude(text="").count() == 1
    assert not AuditEvent.objects.filter(action="reporting.retention.disposed").exists()


def test_run_command_carries_out_what_is_due_today(ended, capsys):
    call_command("retention", "run")
    out = capsys.readouterr().out
    assert "disposed of" in out
    # Today only the free text (kept two years) and the idle account have fallen due.
    assert Answer.objects.exclude(text="").count() == 0
    assert Response.objects.count() == 1
    assert not User.objects.get(pk=ended["idle"].pk).is_active
    entries = AuditEvent.objects.filter(action="reporting.retention.disposed")
    assert sorted(e.data["decision"] for e in entries) == ["GR 2016:12 §4", "GR 2016:12 §6"]


def test_no_rules_no_plan(db, capsys):
    call_command("retention", "run", "--dry-run")
    assert "No programme has retention rules" in capsys.readouterr().out


def test_the_daily_job_runs_when_switched_on(ended, settings):
    from grannar.site.management.commands.serve import queue_daily_jobs

    settings.GRANNAR_RETENTION_DAILY = False
    queue_daily_jobs()
    assert not AuditEvent.objects.filter(action="reporting.retention.disposed").exists()
    settings.GRANNAR_RETENTION_DAILY = True
    queue_daily_jobs()  # the test backend runs jobs at once
    assert AuditEvent.objects.filter(action="reporting.retention.disposed").exists()


def test_the_admin_sees_the_plan(client, ended):
    sign_in(client, ended["users"]["admin"])
    page = client.get(reverse("reporting:retention")).content.decode()
    assert "GR 2016:12 §1" in page
    assert "2028-12-31" in page
    assert "GR 2016:12 §6" in page
    sign_in(client, ended["users"]["coordinator"])
    assert client.get(reverse("reporting:retention")).status_code == 403


def test_console_scripts(tmp_path):
    """As an operator runs them: the dry run lists the plan; an erasure the funder's rules
    forbid is refused with a plain message and a non-zero exit, and with a legal ground done."""
    database = tmp_path / "cli.sqlite3"
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{database}",
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
    }
    run = [sys.executable, "-m", "grannar.cli"]

    def grannar(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*run, *args], env=env, cwd=settings.BASE_DIR, capture_output=True, text=True
        )

    assert grannar("migrate", "-v0").returncode == 0
    assert grannar("demo", "--scale", "small").returncode == 0
    plan = grannar("retention", "run", "--dry-run")
    assert plan.returncode == 0, plan.stderr
    assert "GR 2016:12 §1" in plan.stdout
    assert "2028-12-31" in plan.stdout
    with sqlite3.connect(database) as connection:
        (email,) = connection.execute(
            "SELECT p.email FROM people_person p JOIN training_registration r"
            " ON r.person_id = p.id WHERE r.status = 'attended' AND p.support_resource = 0"
            " ORDER BY p.id LIMIT 1"
        ).fetchone()
    refused = grannar("person", "erase", email, "--reason", "Begäran")
    assert refused.returncode != 0
    assert "GR 2016:12 §1" in refused.stderr
    assert "Traceback" not in refused.stderr
    done = grannar("person", "erase", email, "--reason", "Begäran", "--legal-ground", "Art. 17")
    assert done.returncode == 0, done.stderr
    with sqlite3.connect(database) as connection:
        assert not connection.execute(
            "SELECT 1 FROM people_person WHERE email = ?", (email,)
        ).fetchone()

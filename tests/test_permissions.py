"""Every URL and every API operation × every role × own/other municipality → the expected
status: one table for pages and API.

The URL names come from the URL configuration, so a new view that is not in TABLE fails
`test_every_url_is_in_the_table` until someone decides who may open it; the API's operations
come from its OpenAPI document, so a new operation that is not in API_TABLE fails
`test_every_api_operation_is_in_the_table`. An API request carries a personal token of the
role's user (none for "anonymous"), and acts with exactly that user's roles.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.factories import sign_in

ROLES = ("anonymous", "admin", "coordinator", "trainer", "participant", "evaluator", "auditor")


@dataclass
class Case:
    url: Callable[[dict, str], str]
    expect: dict[str, int]
    # Statuses that differ when the object belongs to the other municipality.
    other: dict[str, int] = field(default_factory=dict)
    method: str = "get"
    page: bool = True  # False for a download, which the page walks skip

    def status(self, role: str, target: str) -> int:
        if target == "other" and role in self.other:
            return self.other[role]
        return self.expect[role]


def everyone(status: int, **overrides: int) -> dict[str, int]:
    return {role: overrides.get(role, status) for role in ROLES}


SIGNED_IN = everyone(200, anonymous=302)
MANAGERS = everyone(403, anonymous=302, admin=200, coordinator=200)
ADMINS = everyone(403, anonymous=302, admin=200)
POST_ONLY = everyone(405, anonymous=302)
TRAINERS = everyone(404, anonymous=302, admin=200, trainer=200)
AUDIT = everyone(403, anonymous=302, admin=200, auditor=200)
SURVEYS = everyone(403, anonymous=302, admin=200, evaluator=200)
FIGURES = everyone(403, anonymous=302, admin=200, coordinator=200, evaluator=200, auditor=200)


def training_session(world: dict):
    """A session the world's trainer trains, with the own person registered (made once)."""
    if "session" not in world:
        from grannar.training.services import registration_create
        from tests.factories import make_session

        session = make_session(programme=world["programme"])
        session.trainers.add(world["users"]["trainer"])
        world["session"] = session
        world["registration"] = registration_create(
            session=session, person=world["own_person"], by=world["users"]["admin"]
        )
    return world["session"]


def session_url(name: str) -> Callable[[dict, str], str]:
    return lambda world, target: reverse(name, args=[training_session(world).pk])


def registration_url(name: str) -> Callable[[dict, str], str]:
    def url(world, target):
        training_session(world)
        return reverse(name, args=[world["registration"].pk])

    return url


def evidence_url(world: dict, target: str) -> str:
    """A session that has taken place, with the own person marked present (made once)."""
    if "past_session" not in world:
        import datetime as dt

        from django.utils import timezone

        from grannar.training.models import Attendance, Session
        from grannar.training.services import attendance_record, registration_create
        from tests.factories import make_session

        session = make_session(programme=world["programme"])
        registration = registration_create(
            session=session, person=world["own_person"], by=world["users"]["admin"]
        )
        past = timezone.now() - dt.timedelta(days=3)
        Session.objects.filter(pk=session.pk).update(starts=past, ends=past + dt.timedelta(hours=3))
        session.refresh_from_db()
        registration.session = session
        attendance_record(
            registration=registration,
            present=True,
            by=world["users"]["admin"],
            method=Attendance.Method.TRAINER,
        )
        world["past_session"] = session
    return reverse("training:evidence", args=[world["past_session"].pk])


def import_job_url(name: str) -> Callable[[dict, str], str]:
    def url(world, target):
        if "import_job" not in world:
            from grannar.training.models import ImportJob

            world["import_job"] = ImportJob.objects.create(
                kind="sessions",
                programme=world["programme"],
                filename="s.csv",
                content=b"",
                status=ImportJob.Status.PREVIEWED,
            )
        return reverse(name, args=[world["import_job"].pk])

    return url


def programme_url(name: str, *args: str) -> Callable[[dict, str], str]:
    return lambda world, target: reverse(name, args=[world["programme"].code, *args])


def survey_url(name: str, *args: str) -> Callable[[dict, str], str]:
    """A URL about an open survey of the programme (made once)."""

    def url(world, target):
        if "survey" not in world:
            from grannar.evaluation.services import (
                survey_create_from_template,
                survey_set_status,
            )

            admin = world["users"]["admin"]
            survey = survey_create_from_template(
                programme=world["programme"], template="reaction", mode="anonymous", by=admin
            )
            world["survey"] = survey_set_status(survey=survey, status="open", by=admin)
        if name == "evaluation:question_edit":
            from grannar.evaluation.models import Question

            return reverse(
                name, args=[Question.objects.filter(section__survey=world["survey"]).first().pk]
            )
        return reverse(name, args=[world["survey"].pk, *args])

    return url


def person_url(name: str) -> Callable[[dict, str], str]:
    return lambda world, target: reverse(name, args=[world[f"{target}_person"].pk])


def collaboration_url(name: str, kind: str = "workshop") -> Callable[[dict, str], str]:
    """A URL about the `target` municipality's pilot workshop, its first member or its first
    routine (made where the data has none)."""

    def url(world, target):
        from django_scopes import scopes_disabled

        from grannar.collaboration.models import PilotWorkshop
        from tests.collaboration.helpers import make_routine, make_workshop

        with scopes_disabled():
            municipality = world[f"{target}_person"].municipality
            workshop = PilotWorkshop.objects.filter(
                programme=world["programme"], municipality=municipality
            ).first() or make_workshop(world, municipality=municipality)
            objects = {
                "workshop": workshop,
                "member": workshop.members.first(),
                "routine": workshop.routines.first() or make_routine(workshop),
            }
        args = [objects[kind].pk] + (["testing"] if name == "collaboration:routine_step" else [])
        return reverse(name, args=args)

    return url


def support_url(name: str, kind: str = "person") -> Callable[[dict, str], str]:
    """A URL about a support resource of the `target` municipality, their engagement or their
    reference letter (made where the data has none)."""

    def url(world, target):
        from decimal import Decimal

        from django_scopes import scopes_disabled

        from grannar.collaboration.support import engagement_record, reference_letter_issue
        from grannar.people.models import Person
        from tests.factories import make_person, make_session

        with scopes_disabled():
            municipality = world[f"{target}_person"].municipality
            person = Person.objects.filter(
                support_resource=True, municipality=municipality
            ).first() or make_person(municipality=municipality, support_resource=True)
            engagement = person.engagements.first() or engagement_record(
                person=person,
                session=make_session(programme=world["programme"], days_ahead=-1),
                role="panel",
                hours=Decimal(1),
                by=None,
            )
            letter = person.reference_letters.first() or reference_letter_issue(
                person=person, programme=world["programme"], by=None
            )
        objects = {"person": person, "engagement": engagement, "letter": letter}
        return reverse(name, args=[objects[kind].pk])

    return url


def plan_url(name: str, kind: str = "plan") -> Callable[[dict, str], str]:
    """A URL about a competence-supply plan of the `target` municipality or its need."""

    def url(world, target):
        import datetime as dt

        from django_scopes import scopes_disabled

        from grannar.collaboration.models import CompetencePlan
        from grannar.collaboration.plans import need_set, plan_create
        from grannar.programmes.models import StaffCategory
        from tests.factories import make_workplace

        with scopes_disabled():
            municipality = world[f"{target}_person"].municipality
            plan = CompetencePlan.objects.filter(
                workplace__municipality=municipality, status="draft"
            ).first() or plan_create(
                programme=world["programme"],
                workplace=make_workplace(municipality=municipality),
                period_start=dt.date(2025, 1, 1),
                period_end=dt.date(2025, 12, 31),
                by=None,
            )
            need = plan.needs.first() or need_set(
                plan=plan, staff_category=StaffCategory.objects.first(), head_count=2, by=None
            )
        args = [plan.pk] if kind == "plan" else [need.pk]
        if name == "collaboration:plan_step":
            args.append("adopt")
        return reverse(name, args=args)

    return url


def lesson_url(world, target):
    """A lesson the coordinator wrote ('own') or an admin wrote ('other')."""
    from django_scopes import scopes_disabled

    from grannar.collaboration.lessons import lesson_create

    author = world["users"]["coordinator" if target == "own" else "admin"]
    with scopes_disabled():
        lesson = lesson_create(
            programme=world["programme"],
            title="Lärdom",
            context="C",
            what_we_did="W",
            what_happened="H",
            recommendation="R",
            by=author,
        )
    return reverse("collaboration:lesson_edit", args=[lesson.pk])


MANAGER_OWN = {"other": {"coordinator": 404}}
MANAGER_POST = everyone(403, anonymous=302, admin=405, coordinator=405)

TABLE: dict[str, Case] = {
    "healthz": Case(lambda w, t: reverse("healthz"), everyone(200)),
    "login": Case(lambda w, t: reverse("login"), everyone(302, anonymous=200)),
    "logout": Case(lambda w, t: reverse("logout"), everyone(405)),
    "set_language": Case(lambda w, t: reverse("set_language"), everyone(405)),
    "site:start": Case(lambda w, t: reverse("site:start"), SIGNED_IN),
    "programmes:overview": Case(
        lambda w, t: reverse("programmes:overview", args=[w["programme"].code]), SIGNED_IN
    ),
    "account:two_factor": Case(lambda w, t: reverse("account:two_factor"), everyone(302)),
    "account:two_factor_setup": Case(lambda w, t: reverse("account:two_factor_setup"), SIGNED_IN),
    "account:recovery_codes": Case(lambda w, t: reverse("account:recovery_codes"), SIGNED_IN),
    # Single sign-on is off unless a provider is configured (tests/people/test_sso.py).
    "account:sso": Case(lambda w, t: reverse("account:sso"), everyone(404)),
    "account:sso_callback": Case(lambda w, t: reverse("account:sso_callback"), everyone(404)),
    "site:page": Case(lambda w, t: reverse("site:page", args=["tillganglighet"]), everyone(200)),
    "site:page_edit": Case(
        lambda w, t: reverse("site:page_edit", args=["personuppgifter"]), ADMINS
    ),
    "site:accessibility_report": Case(
        lambda w, t: reverse("site:accessibility_report"), everyone(200)
    ),
    "site:my_data": Case(lambda w, t: reverse("site:my_data"), SIGNED_IN),
    "site:my_data_download": Case(
        lambda w, t: reverse("site:my_data_download", args=["json"]), SIGNED_IN, page=False
    ),
    "site:audit_log": Case(lambda w, t: reverse("site:audit_log"), AUDIT),
    "site:audit_log_export": Case(
        lambda w, t: reverse("site:audit_log_export", args=["csv"]), AUDIT, page=False
    ),
    "training:catalogue": Case(lambda w, t: reverse("training:catalogue"), SIGNED_IN),
    "training:session": Case(session_url("training:session"), SIGNED_IN),
    "training:register": Case(session_url("training:register"), POST_ONLY),
    "training:register_staff": Case(session_url("training:register_staff"), MANAGERS),
    "training:attendance": Case(session_url("training:attendance"), TRAINERS),
    "training:checkin_code": Case(session_url("training:checkin_code"), TRAINERS),
    "training:cancel": Case(registration_url("training:cancel"), POST_ONLY),
    "training:mark_attendance": Case(registration_url("training:mark_attendance"), POST_ONLY),
    "training:undo_attendance": Case(registration_url("training:undo_attendance"), POST_ONLY),
    "training:checkin": Case(lambda w, t: reverse("training:checkin"), SIGNED_IN),
    "training:my_registrations": Case(lambda w, t: reverse("training:my_registrations"), SIGNED_IN),
    "training:attestations": Case(lambda w, t: reverse("training:attestations"), SIGNED_IN),
    "training:attestation_audit": Case(
        lambda w, t: reverse("training:attestation_audit"),
        everyone(403, anonymous=302, admin=200, auditor=200),
    ),
    "training:attestation_export": Case(
        lambda w, t: reverse("training:attestation_export"), AUDIT, page=False
    ),
    "training:evidence_list": Case(lambda w, t: reverse("training:evidence_list"), AUDIT),
    "training:evidence": Case(evidence_url, AUDIT),
    "training:course_list": Case(lambda w, t: reverse("training:course_list"), ADMINS),
    "training:course_create": Case(lambda w, t: reverse("training:course_create"), ADMINS),
    "training:course_edit": Case(
        lambda w, t: reverse("training:course_edit", args=[training_session(w).course_id]), ADMINS
    ),
    "training:course_handover": Case(
        lambda w, t: reverse("training:course_handover", args=[training_session(w).course_id]),
        everyone(403, anonymous=302, admin=405),
    ),
    "training:session_create": Case(lambda w, t: reverse("training:session_create"), ADMINS),
    "training:session_edit": Case(session_url("training:session_edit"), ADMINS),
    "training:reserve": Case(
        session_url("training:reserve"), everyone(403, anonymous=302, admin=405)
    ),
    "training:session_cancel": Case(
        session_url("training:session_cancel"), everyone(403, anonymous=302, admin=405)
    ),
    # The registration is not attended: the page says so and offers nothing to issue.
    "training:certificate_download": Case(
        registration_url("training:certificate_download"),
        everyone(404, anonymous=302, admin=200, coordinator=200),
    ),
    "training:monthly_certificate": Case(
        lambda w, t: (
            reverse("training:monthly_certificate", args=[w[f"{t}_person"].pk, "2017-03"])
            + f"?programme={w['programme'].code}"
        ),
        everyone(404, anonymous=302),
    ),
    "certificate_verify": Case(
        lambda w, t: reverse("certificate_verify", args=["NOSUCHCODE"]), everyone(404)
    ),
    "training:session_calendar": Case(
        session_url("training:session_calendar"), SIGNED_IN, page=False
    ),
    "training:calendar_feed_manage": Case(
        lambda w, t: reverse("training:calendar_feed_manage"), SIGNED_IN
    ),
    "training:calendar_feed": Case(
        lambda w, t: reverse("training:calendar_feed", args=["no-such-token"]),
        everyone(404),
        page=False,
    ),
    "training:municipality": Case(
        lambda w, t: reverse("training:municipality"),
        everyone(403, anonymous=302, coordinator=200),
    ),
    "training:person": Case(person_url("training:person"), MANAGERS, other={"coordinator": 404}),
    "training:import_upload": Case(lambda w, t: reverse("training:import_upload"), ADMINS),
    "training:import_status": Case(import_job_url("training:import_status"), ADMINS),
    "training:import_confirm": Case(
        import_job_url("training:import_confirm"), everyone(403, anonymous=302, admin=405)
    ),
    "reporting:dashboard": Case(programme_url("reporting:dashboard"), FIGURES),
    "reporting:retention": Case(lambda w, t: reverse("reporting:retention"), ADMINS),
    "reporting:erasure": Case(lambda w, t: reverse("reporting:erasure"), MANAGERS),
    "reporting:erasure_decide": Case(
        lambda w, t: reverse("reporting:erasure_decide", args=[1]),
        everyone(403, anonymous=302, admin=405),
    ),
    "reporting:processing": Case(programme_url("reporting:processing"), AUDIT),
    "reporting:processing_document": Case(
        programme_url("reporting:processing_document"), AUDIT, page=False
    ),
    "reporting:esf_export": Case(
        programme_url("reporting:esf_export", "cofinancing"), AUDIT, page=False
    ),
    "reporting:summary": Case(programme_url("reporting:summary", "xlsx"), AUDIT, page=False),
    "reporting:final_report": Case(
        programme_url("reporting:final_report", "html"), AUDIT, page=False
    ),
    "reporting:final_summary": Case(
        programme_url("reporting:final_summary", "pdf"), AUDIT, page=False
    ),
    "evaluation:survey_list": Case(lambda w, t: reverse("evaluation:survey_list"), SURVEYS),
    "evaluation:survey_create": Case(
        programme_url("evaluation:survey_create"), everyone(403, anonymous=302, admin=405)
    ),
    "evaluation:survey": Case(survey_url("evaluation:survey"), ADMINS),
    "evaluation:survey_status": Case(
        survey_url("evaluation:survey_status"), everyone(403, anonymous=302, admin=405)
    ),
    "evaluation:survey_series": Case(
        survey_url("evaluation:survey_series"), everyone(403, anonymous=302, admin=405)
    ),
    "evaluation:survey_invite": Case(
        survey_url("evaluation:survey_invite"), everyone(403, anonymous=302, admin=405)
    ),
    "evaluation:survey_results": Case(survey_url("evaluation:survey_results"), SURVEYS),
    "evaluation:survey_export": Case(
        survey_url("evaluation:survey_export", "csv"), SURVEYS, page=False
    ),
    "evaluation:question_edit": Case(survey_url("evaluation:question_edit"), ADMINS),
    "survey_answer": Case(
        lambda w, t: reverse("survey_answer", args=["no-such-token"]), everyone(404)
    ),
    "people:list": Case(lambda w, t: reverse("people:list"), MANAGERS),
    "people:create": Case(lambda w, t: reverse("people:create"), MANAGERS),
    "people:detail": Case(person_url("people:detail"), MANAGERS, other={"coordinator": 404}),
    "people:workplace": Case(
        lambda world, target: reverse(
            "people:workplace", args=[world[f"{target}_person"].workplace_id]
        ),
        MANAGERS,
        other={"coordinator": 404},
    ),
    "collaboration:workshop_list": Case(
        lambda w, t: reverse("collaboration:workshop_list"), MANAGERS
    ),
    "collaboration:workshop_create": Case(
        lambda w, t: reverse("collaboration:workshop_create"), MANAGERS
    ),
    "collaboration:workshop": Case(
        collaboration_url("collaboration:workshop"), MANAGERS, **MANAGER_OWN
    ),
    "collaboration:workshop_edit": Case(
        collaboration_url("collaboration:workshop_edit"), MANAGERS, **MANAGER_OWN
    ),
    "collaboration:member_add": Case(collaboration_url("collaboration:member_add"), MANAGER_POST),
    "collaboration:member_remove": Case(
        collaboration_url("collaboration:member_remove", "member"), MANAGER_POST
    ),
    "collaboration:meeting_create": Case(
        collaboration_url("collaboration:meeting_create"), MANAGERS, **MANAGER_OWN
    ),
    "collaboration:routine_create": Case(
        collaboration_url("collaboration:routine_create"), MANAGERS, **MANAGER_OWN
    ),
    "collaboration:routine": Case(
        collaboration_url("collaboration:routine", "routine"), MANAGERS, **MANAGER_OWN
    ),
    "collaboration:routine_edit": Case(
        collaboration_url("collaboration:routine_edit", "routine"), MANAGERS, **MANAGER_OWN
    ),
    "collaboration:routine_step": Case(
        collaboration_url("collaboration:routine_step", "routine"), MANAGER_POST
    ),
    "collaboration:support_list": Case(
        lambda w, t: reverse("collaboration:support_list"), MANAGERS
    ),
    "collaboration:support_resource": Case(
        support_url("collaboration:support_resource"), MANAGERS, **MANAGER_OWN
    ),
    "collaboration:engagement_add": Case(support_url("collaboration:engagement_add"), MANAGER_POST),
    "collaboration:engagement_remove": Case(
        support_url("collaboration:engagement_remove", "engagement"), MANAGER_POST
    ),
    "collaboration:outcome_set": Case(support_url("collaboration:outcome_set"), MANAGER_POST),
    "collaboration:letter_issue": Case(support_url("collaboration:letter_issue"), MANAGER_POST),
    "collaboration:letter_download": Case(
        support_url("collaboration:letter_download", "letter"),
        MANAGERS,
        page=False,
        **MANAGER_OWN,
    ),
    "collaboration:plan_list": Case(lambda w, t: reverse("collaboration:plan_list"), MANAGERS),
    "collaboration:plan_create": Case(lambda w, t: reverse("collaboration:plan_create"), MANAGERS),
    "collaboration:plan": Case(plan_url("collaboration:plan"), MANAGERS, **MANAGER_OWN),
    "collaboration:plan_edit": Case(plan_url("collaboration:plan_edit"), MANAGERS, **MANAGER_OWN),
    "collaboration:need_set": Case(plan_url("collaboration:need_set"), MANAGER_POST),
    "collaboration:need_remove": Case(plan_url("collaboration:need_remove", "need"), MANAGER_POST),
    "collaboration:plan_step": Case(plan_url("collaboration:plan_step"), MANAGER_POST),
    "collaboration:lesson_list": Case(
        lambda w, t: reverse("collaboration:lesson_list"),
        everyone(403, anonymous=302, admin=200, coordinator=200, evaluator=200),
    ),
    "collaboration:lesson_create": Case(
        lambda w, t: reverse("collaboration:lesson_create"), MANAGERS
    ),
    "collaboration:lesson_edit": Case(lesson_url, MANAGERS, **MANAGER_OWN),
    "collaboration:reference_verify": Case(
        lambda w, t: reverse("collaboration:reference_verify", args=["NOSUCHCODE"]),
        everyone(404),
    ),
    "api_tokens": Case(lambda w, t: reverse("api_tokens"), SIGNED_IN),
    "api_token_revoke": Case(lambda w, t: reverse("api_token_revoke", args=[1]), POST_ONLY),
    "api:openapi-json": Case(lambda w, t: reverse("api:openapi-json"), everyone(200), page=False),
    "api:openapi-view": Case(lambda w, t: reverse("api:openapi-view"), everyone(200)),
}


def url_names(patterns=None, namespace: str = "") -> set[str]:
    names: set[str] = set()
    for pattern in patterns if patterns is not None else get_resolver().url_patterns:
        if isinstance(pattern, URLResolver):
            inner = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
            names |= url_names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            assert pattern.name, f"URL pattern {pattern.pattern} has no name"
            names.add(f"{namespace}{pattern.name}")
    return names


def test_every_url_is_in_the_table():
    # The API's operations are in API_TABLE, checked against the OpenAPI document below.
    pages = {name for name in url_names() if not name.startswith("api:") or name in TABLE}
    assert pages == set(TABLE)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(TABLE))
def test_permission_table(name, world, client):
    case = TABLE[name]
    failures = []
    for role in ROLES:
        for target in ("own", "other"):
            client.logout()
            if role != "anonymous":
                sign_in(client, world["users"][role])
            response = getattr(client, case.method)(case.url(world, target))
            expected = case.status(role, target)
            if response.status_code != expected:
                failures.append(f"{role}/{target}: {response.status_code} != {expected}")
    assert not failures, failures


# The API --------------------------------------------------------------------------------------


def api_everyone(status: int, **overrides: int) -> dict[str, int]:
    return everyone(status, anonymous=401, **overrides)


API_SIGNED_IN = api_everyone(200)
API_MANAGERS = api_everyone(403, admin=200, coordinator=200)
API_ADMINS = api_everyone(403, admin=200)
API_ADMINS_CREATE = api_everyone(403, admin=201)
API_FIGURES = api_everyone(403, admin=200, coordinator=200, evaluator=200, auditor=200)
API_TRAINERS = api_everyone(404, admin=200, trainer=200)
# Someone's registration: the admin, the coordinator of its municipality; to anyone else it
# does not exist.
API_REGISTRATION = api_everyone(404, admin=200, coordinator=200)
OTHER_404 = {"coordinator": 404}


@dataclass
class ApiCase:
    method: str
    path: Callable[[dict, str], str]
    expect: dict[str, int]
    other: dict[str, int] = field(default_factory=dict)
    body: Callable[[dict, str], dict] | None = None

    def status(self, role: str, target: str) -> int:
        if target == "other" and role in self.other:
            return self.other[role]
        return self.expect[role]


_api_counter = iter(range(1, 1_000_000))


def fresh_registration(world: dict, target: str, *, past: bool = False, marked: bool = False):
    """A new registration of the `target` municipality's person on a new session (one the
    world's trainer trains); with `past`, on a session that has started; with `marked` also
    marked present."""
    import datetime as dt

    from django.utils import timezone

    from grannar.training.models import Session
    from grannar.training.services import registration_create
    from tests.factories import make_session

    session = make_session(programme=world["programme"])
    session.trainers.add(world["users"]["trainer"])
    registration = registration_create(
        session=session, person=world[f"{target}_person"], by=world["users"]["admin"]
    )
    if past:
        start = timezone.now() - dt.timedelta(hours=1)
        Session.objects.filter(pk=session.pk).update(
            starts=start, ends=start + dt.timedelta(hours=3)
        )
        registration.session.refresh_from_db()
    if marked:
        from grannar.training.models import Attendance
        from grannar.training.services import attendance_record

        attendance_record(
            registration=registration,
            present=True,
            by=world["users"]["admin"],
            method=Attendance.Method.TRAINER,
        )
    return registration


def routine_of(world: dict, target: str):
    """A new draft routine of the `target` municipality's workshop."""
    from django_scopes import scopes_disabled

    from grannar.collaboration.models import PilotWorkshop
    from tests.collaboration.helpers import make_routine, make_workshop

    with scopes_disabled():
        municipality = world[target]
        workshop = PilotWorkshop.objects.filter(
            programme=world["programme"], municipality=municipality
        ).first() or make_workshop(world, municipality=municipality)
        return make_routine(workshop)


def workshop_of(world: dict, target: str):
    return routine_of(world, target).workshop


def course_body(world: dict, target: str) -> dict:
    return {
        "programme": world["programme"].code,
        "code": f"api-kurs-{next(_api_counter)}",
        "title": "Trauma och stress",
        "subgoals": [1],
        "credited_hours": 3,
        "status": "published",
    }


def session_body(world: dict, target: str) -> dict:
    import datetime as dt

    from django.utils import timezone

    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=20)
    return {
        "course": training_session(world).course_id,
        "code": f"api-tillfalle-{next(_api_counter)}",
        "starts": starts.isoformat(),
        "ends": (starts + dt.timedelta(hours=3)).isoformat(),
        "capacity": 12,
        "host_municipality": world[target].code,
    }


def _registration_path(suffix: str = "", **state: bool):
    return lambda w, t: f"/registrations/{fresh_registration(w, t, **state).pk}{suffix}"


API_TABLE: dict[str, ApiCase] = {
    "GET /programmes": ApiCase("get", lambda w, t: "/programmes", API_SIGNED_IN),
    "GET /programmes/{code}": ApiCase(
        "get", lambda w, t: f"/programmes/{w['programme'].code}", API_SIGNED_IN
    ),
    "GET /programmes/{code}/summary": ApiCase(
        "get", lambda w, t: f"/programmes/{w['programme'].code}/summary", API_FIGURES
    ),
    "GET /municipalities": ApiCase("get", lambda w, t: "/municipalities", API_SIGNED_IN),
    "GET /municipalities/{code}": ApiCase(
        "get", lambda w, t: f"/municipalities/{w[t].code}", API_SIGNED_IN
    ),
    "GET /courses": ApiCase("get", lambda w, t: "/courses", API_SIGNED_IN),
    "POST /courses": ApiCase("post", lambda w, t: "/courses", API_ADMINS_CREATE, body=course_body),
    "GET /courses/{pk}": ApiCase(
        "get", lambda w, t: f"/courses/{training_session(w).course_id}", API_SIGNED_IN
    ),
    "PATCH /courses/{pk}": ApiCase(
        "patch",
        lambda w, t: f"/courses/{training_session(w).course_id}",
        API_ADMINS,
        body=lambda w, t: {"title": "Ny titel"},
    ),
    "GET /sessions": ApiCase("get", lambda w, t: "/sessions", API_SIGNED_IN),
    "POST /sessions": ApiCase(
        "post", lambda w, t: "/sessions", API_ADMINS_CREATE, body=session_body
    ),
    "GET /sessions/{pk}": ApiCase(
        "get", lambda w, t: f"/sessions/{training_session(w).pk}", API_SIGNED_IN
    ),
    "PATCH /sessions/{pk}": ApiCase(
        "patch",
        lambda w, t: f"/sessions/{training_session(w).pk}",
        API_ADMINS,
        body=lambda w, t: {"location": "Stadshuset"},
    ),
    "GET /sessions/{pk}/attendance": ApiCase(
        "get", lambda w, t: f"/sessions/{training_session(w).pk}/attendance", API_TRAINERS
    ),
    "GET /registrations": ApiCase("get", lambda w, t: "/registrations", API_SIGNED_IN),
    "POST /registrations": ApiCase(
        "post",
        lambda w, t: "/registrations",
        api_everyone(404, admin=201, coordinator=201),
        other=OTHER_404,
        body=lambda w, t: registration_body(w, t),
    ),
    "GET /registrations/{pk}": ApiCase(
        "get", _registration_path(), API_REGISTRATION, other=OTHER_404
    ),
    "POST /registrations/{pk}/cancel": ApiCase(
        "post", _registration_path("/cancel"), API_REGISTRATION, other=OTHER_404
    ),
    "PUT /registrations/{pk}/attendance": ApiCase(
        "put",
        _registration_path("/attendance", past=True),
        API_TRAINERS,
        body=lambda w, t: {"present": True},
    ),
    "DELETE /registrations/{pk}/attendance": ApiCase(
        "delete", _registration_path("/attendance", past=True, marked=True), API_TRAINERS
    ),
    "GET /persons": ApiCase("get", lambda w, t: "/persons", API_MANAGERS),
    "GET /persons/{pk}": ApiCase(
        "get", lambda w, t: f"/persons/{w[f'{t}_person'].pk}", API_MANAGERS, other=OTHER_404
    ),
    "GET /workshops": ApiCase("get", lambda w, t: "/workshops", API_MANAGERS),
    "GET /workshops/{pk}": ApiCase(
        "get", lambda w, t: f"/workshops/{workshop_of(w, t).pk}", API_MANAGERS, other=OTHER_404
    ),
    "GET /routines": ApiCase("get", lambda w, t: "/routines", API_MANAGERS),
    "GET /routines/{pk}": ApiCase(
        "get", lambda w, t: f"/routines/{routine_of(w, t).pk}", API_MANAGERS, other=OTHER_404
    ),
    "POST /routines/{pk}/steps": ApiCase(
        "post",
        lambda w, t: f"/routines/{routine_of(w, t).pk}/steps",
        API_MANAGERS,
        other=OTHER_404,
        body=lambda w, t: {"step": "testing", "date": "2017-03-01"},
    ),
}


def registration_body(world: dict, target: str) -> dict:
    """A new person of the `target` municipality and a new session to register them for."""
    from tests.factories import make_person, make_session

    return {
        "session": make_session(programme=world["programme"]).pk,
        "person": make_person(municipality=world[target]).pk,
    }


def api_operations() -> set[str]:
    from grannar.api.api import api

    prefix = "/api/v1"
    return {
        f"{method.upper()} {path.removeprefix(prefix)}"
        for path, methods in api.get_openapi_schema()["paths"].items()
        for method in methods
    }


def test_every_api_operation_is_in_the_table():
    assert api_operations() == set(API_TABLE)


@pytest.mark.django_db
@pytest.mark.parametrize("operation", sorted(API_TABLE))
def test_api_permission_table(operation, world, client):
    from grannar.api.tokens import token_create

    case = API_TABLE[operation]
    secrets = {
        role: token_create(user=user, name="table", days=1, by=None)[1]
        for role, user in world["users"].items()
    }
    failures = []
    for role in ROLES:
        for target in ("own", "other"):
            headers = {"Authorization": f"Bearer {secrets[role]}"} if role != "anonymous" else {}
            path = "/api/v1" + case.path(world, target)
            if case.method in ("get", "delete"):
                response = getattr(client, case.method)(path, headers=headers)
            else:
                body = case.body(world, target) if case.body else {}
                response = getattr(client, case.method)(
                    path, body, content_type="application/json", headers=headers
                )
            expected = case.status(role, target)
            if response.status_code != expected:
                failures.append(
                    f"{role}/{target}: {response.status_code} != {expected} {response.content[:200]}"
                )
    assert not failures, failures

"""Each API resource: what it returns, its filters and pagination, its refusals (with the field
and what is wrong) and its scope by role and municipality."""

import datetime as dt

import pytest
from django.utils import timezone
from django_scopes import scopes_disabled

from grannar.collaboration.models import Routine
from grannar.core.models import AuditEvent
from grannar.core.suppression import PRIMARY
from grannar.people.services import person_update
from grannar.training.models import Course, Registration, Session
from grannar.training.services import registration_create
from tests.collaboration.helpers import make_routine, make_workshop
from tests.factories import make_person, make_session
from tests.reporting.conftest import populated  # noqa: F401 - the dashboard's figures
from tests.test_permissions import fresh_registration

pytestmark = pytest.mark.django_db


# Errors and pagination ---------------------------------------------------------------------


def test_a_bad_parameter_names_the_field(api_as):
    response = api_as("admin").get("/sessions", {"limit": 500, "date_from": "31/12"})
    assert response.status_code == 422
    body = response.json()
    assert set(body) == {"detail", "errors"}
    assert {error["field"] for error in body["errors"]} == {"limit", "date_from"}
    assert all(error["message"] for error in body["errors"])


def test_a_bad_body_names_the_field(api_as, world):
    response = api_as("admin").post("/sessions", {"course": "x", "code": "a b"})
    assert response.status_code == 422
    fields = {error["field"] for error in response.json()["errors"]}
    assert {"course", "code", "starts", "ends", "capacity"} <= fields


def test_pagination_counts_and_pages(api_as, world):
    for _ in range(5):
        make_session(programme=world["programme"])
    api = api_as("participant")
    first = api.get("/sessions", {"limit": 2}).json()
    rest = api.get("/sessions", {"limit": 2, "offset": 4}).json()
    assert first["count"] == 5
    assert len(first["items"]) == 2
    assert len(rest["items"]) == 1
    assert first["items"][0]["starts"] <= first["items"][1]["starts"]


# Sessions and courses ----------------------------------------------------------------------


def test_sessions_show_free_seats_and_filter(api_as, world, molndal, partille):
    full = make_session(programme=world["programme"], capacity=1, host_municipality=molndal)
    open_ = make_session(programme=world["programme"], capacity=5, host_municipality=partille)
    later_start = timezone.now() + dt.timedelta(days=40)
    Session.objects.filter(pk=open_.pk).update(
        starts=later_start, ends=later_start + dt.timedelta(hours=3)
    )
    admin = world["users"]["admin"]
    registration_create(session=full, person=world["own_person"], by=admin)
    registration_create(session=full, person=world["other_person"], by=admin)
    api = api_as("participant")
    item = api.get(f"/sessions/{full.pk}").json()
    assert (item["capacity"], item["seats_taken"], item["free_seats"], item["waiting"]) == (
        1,
        1,
        0,
        1,
    )
    assert item["host_municipality"] == "1481"
    assert item["programme"] == world["programme"].code

    def codes(**filters):
        return {s["code"] for s in api.get("/sessions", filters).json()["items"]}

    assert codes(free_only=True) == {open_.code}
    assert codes(municipality="1402") == {open_.code}
    later = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert codes(date_from=later) == {open_.code}
    assert codes(date_to=later) == {full.code}
    assert codes(programme="finns-inte") == set()
    assert codes(status="cancelled") == set()


def test_drafts_are_for_admins_only(api_as, world):
    session = make_session(programme=world["programme"])
    Course.objects.filter(pk=session.course_id).update(status=Course.Status.DRAFT)
    assert api_as("admin").get(f"/sessions/{session.pk}").status_code == 200
    assert api_as("coordinator").get(f"/sessions/{session.pk}").status_code == 404
    assert api_as("coordinator").get(f"/courses/{session.course_id}").status_code == 404


def test_admin_creates_and_changes_courses_and_sessions(api_as, world):
    api = api_as("admin")
    course = api.post(
        "/courses",
        {
            "programme": world["programme"].code,
            "code": "trauma-api",
            "title": "Trauma och stress",
            "subgoals": [1, 3],
            "target_categories": ["socialsekreterare"],
            "credited_hours": 3.5,
            "status": "published",
        },
    )
    assert course.status_code == 201, course.content
    assert course.json()["subgoals"] == [1, 3]
    course_id = course.json()["id"]
    changed = api.patch(f"/courses/{course_id}", {"title": "Trauma"})
    assert changed.json()["title"] == "Trauma"
    assert changed.json()["subgoals"] == [1, 3]  # what was not sent stays
    starts = timezone.now().replace(microsecond=0) + dt.timedelta(days=30)
    session = api.post(
        "/sessions",
        {
            "course": course_id,
            "code": "trauma-api-1",
            "starts": starts.isoformat(),
            "ends": (starts + dt.timedelta(hours=3)).isoformat(),
            "capacity": 1,
            "host_municipality": "1481",
            "trainers": [world["users"]["trainer"].email],
        },
    )
    assert session.status_code == 201, session.content
    body = session.json()
    assert (body["credited_hours"], body["free_seats"]) == (3.5, 1)
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "training.course.created",
        "training.course.changed",
        "training.session.created",
    }
    # More seats go to the waiting line at once, as on the page.
    with scopes_disabled():
        stored = Session.objects.get(pk=body["id"])
        registration_create(session=stored, person=world["own_person"], by=world["users"]["admin"])
        waiting = registration_create(
            session=stored, person=world["other_person"], by=world["users"]["admin"]
        )
    assert api.patch(f"/sessions/{body['id']}", {"capacity": 2}).json()["free_seats"] == 0
    with scopes_disabled():
        waiting.refresh_from_db()
    assert waiting.status == Registration.Status.CONFIRMED


def test_course_and_session_refusals_say_which_field(api_as, world):
    api = api_as("admin")
    refused = api.post(
        "/courses",
        {"programme": "finns-inte", "code": "x", "title": "X", "credited_hours": 1},
    )
    assert refused.status_code == 400
    assert [e["field"] for e in refused.json()["errors"]] == ["programme"]
    session = make_session(programme=world["programme"])
    backwards = api.patch(
        f"/sessions/{session.pk}", {"ends": (session.starts - dt.timedelta(hours=1)).isoformat()}
    )
    assert backwards.status_code == 400
    assert backwards.json()["errors"][0]["field"] == "ends"
    unknown = api.patch(f"/sessions/{session.pk}", {"trainers": ["ingen@test.example"]})
    assert unknown.json()["errors"][0]["field"] == "trainers"
    assert api_as("coordinator").post("/courses", {}).status_code in (403, 422)


# Registrations -----------------------------------------------------------------------------


def test_a_participant_registers_and_cancels_themselves(api_as, world):
    session = make_session(programme=world["programme"], capacity=1)
    api = api_as("participant")
    made = api.post("/registrations", {"session": session.pk})
    assert made.status_code == 201
    assert made.json()["status"] == "confirmed"
    twice = api.post("/registrations", {"session": session.pk})
    assert twice.status_code == 400
    assert "redan" in twice.json()["detail"]
    cancelled = api.post(f"/registrations/{made.json()['id']}/cancel")
    assert cancelled.json()["status"] == "cancelled"


def test_the_waiting_line_moves_when_a_seat_is_freed(api_as, world):
    session = make_session(programme=world["programme"], capacity=1)
    api = api_as("coordinator")
    first = api.post("/registrations", {"session": session.pk, "person": world["own_person"].pk})
    other = make_person(municipality=world["own"])
    second = api.post("/registrations", {"session": session.pk, "person": other.pk})
    assert second.json()["status"] == "waitlisted"
    assert second.json()["waitlist_position"] == 1
    api.post(f"/registrations/{first.json()['id']}/cancel")
    promoted = api.get(f"/registrations/{second.json()['id']}").json()
    assert promoted["status"] == "confirmed"
    assert promoted["waitlist_position"] is None


def test_a_coordinator_cannot_act_on_another_municipality(api_as, world):
    session = make_session(programme=world["programme"])
    api = api_as("coordinator")
    refused = api.post(
        "/registrations", {"session": session.pk, "person": world["other_person"].pk}
    )
    assert refused.status_code == 404
    theirs = fresh_registration(world, "other")
    assert api.post(f"/registrations/{theirs.pk}/cancel").status_code == 404
    assert api.get(f"/registrations/{theirs.pk}").status_code == 404
    with scopes_disabled():
        theirs.refresh_from_db()
        assert theirs.status == Registration.Status.CONFIRMED
        assert not Registration.objects.filter(person=world["other_person"], session=session)
    listed = api.get("/registrations").json()
    assert {r["municipality"] for r in listed["items"]} <= {"1481"}


def test_registration_list_filters(api_as, world):
    own = fresh_registration(world, "own")
    fresh_registration(world, "other")
    api = api_as("admin")
    assert api.get("/registrations").json()["count"] == 2
    assert [
        r["id"] for r in api.get("/registrations", {"municipality": "1481"}).json()["items"]
    ] == [own.pk]
    assert api.get("/registrations", {"session": own.session_id}).json()["count"] == 1
    assert api.get("/registrations", {"status": "waitlisted"}).json()["count"] == 0


def test_registering_is_refused_when_the_session_has_started(api_as, world):
    session = make_session(programme=world["programme"], days_ahead=-1)
    response = api_as("participant").post("/registrations", {"session": session.pk})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] is None


def test_an_account_without_a_person_must_name_one(api_as, world):
    session = make_session(programme=world["programme"])
    response = api_as("admin").post("/registrations", {"session": session.pk})
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "person"


# Persons -----------------------------------------------------------------------------------


def test_a_coordinator_reads_only_their_own_staff_and_never_a_personnummer(api_as, world):
    with scopes_disabled():
        person_update(person=world["own_person"], by=None, personnummer="19900101-0017")
    api = api_as("coordinator")
    listed = api.get("/persons").json()
    assert {p["municipality"] for p in listed["items"]} == {"1481"}
    assert world["other_person"].pk not in {p["id"] for p in listed["items"]}
    assert api.get(f"/persons/{world['other_person'].pk}").status_code == 404
    one = api.get(f"/persons/{world['own_person'].pk}")
    assert one.status_code == 200
    assert "personnummer" not in one.content.decode().lower()
    assert "19900101" not in one.content.decode()
    assert AuditEvent.objects.filter(action="people.person.listed").exists()
    assert AuditEvent.objects.filter(action="people.person.viewed").exists()
    searched = api.get("/persons", {"q": "anna.own"}).json()
    assert [p["id"] for p in searched["items"]] == [world["own_person"].pk]


# Attendance --------------------------------------------------------------------------------


def test_a_trainer_marks_attendance_on_own_sessions_only(api_as, world):
    registration = fresh_registration(world, "own", past=True)
    api = api_as("trainer")
    rows = api.get(f"/sessions/{registration.session_id}/attendance").json()
    assert [row["registration"] for row in rows] == [registration.pk]
    assert set(rows[0]) >= {"first_name", "last_name", "workplace"}
    too_many = api.put(
        f"/registrations/{registration.pk}/attendance", {"present": True, "hours": 9}
    )
    assert too_many.status_code == 400
    assert too_many.json()["errors"][0]["field"] == "hours"
    marked = api.put(f"/registrations/{registration.pk}/attendance", {"present": True, "hours": 2})
    assert marked.json()["status"] == "attended"
    assert marked.json()["hours"] == 2.0
    undone = api.delete(f"/registrations/{registration.pk}/attendance")
    assert undone.json()["status"] == "confirmed"
    someone_elses = make_session(programme=world["programme"], days_ahead=-1)
    assert api.get(f"/sessions/{someone_elses.pk}/attendance").status_code == 404


def test_attendance_before_the_start_is_refused(api_as, world):
    registration = fresh_registration(world, "own")
    response = api_as("trainer").put(
        f"/registrations/{registration.pk}/attendance", {"present": True}
    )
    assert response.status_code == 400


# Figures -----------------------------------------------------------------------------------


def _table(summary: dict, key: str, section: int = 0) -> dict:
    tables = {t["key"]: t for t in summary["sections"][section]["breakdowns"]}
    return {row["code"]: row["value"] for row in tables[key]["rows"]}


def test_figures_are_suppressed_by_role_as_on_the_dashboard(api_as, populated):  # noqa: F811
    code = f"/programmes/{populated['programme'].code}/summary"
    admin = api_as("admin").get(code).json()
    assert _table(admin, "by_municipality") == {"1402": 3, "1481": 12}
    coordinator = api_as("coordinator").get(code).json()
    assert _table(coordinator, "by_staff_category", 0) == {"pedagogisk": 4, "socialsekreterare": 8}
    assert _table(coordinator, "by_municipality", 1) == {"1402": PRIMARY, "1481": ".."}
    assert coordinator["sections"][1]["suppressed"] is True
    evaluator = api_as("evaluator").get(code).json()
    assert len(evaluator["sections"]) == 1
    assert _table(evaluator, "by_municipality") == {"1402": PRIMARY, "1481": ".."}
    period = api_as("admin").get(code, {"date_from": "2025-01-01"}).json()
    assert _table(period, "by_municipality") == {"1402": 3, "1481": 4}
    other = api_as("coordinator").get(code, {"municipality": "1402"}).json()
    assert other["sections"][0]["suppressed"] is True


def test_figure_filters_are_checked(api_as, populated):  # noqa: F811
    code = f"/programmes/{populated['programme'].code}/summary"
    backwards = api_as("admin").get(code, {"date_from": "2025-01-01", "date_to": "2024-01-01"})
    assert backwards.status_code == 400
    assert backwards.json()["errors"][0]["field"] == "date_to"
    outside = api_as("admin").get(code, {"municipality": "9999"})
    assert outside.status_code == 400
    assert outside.json()["errors"][0]["field"] == "municipality"
    assert api_as("admin").get("/programmes/finns-inte/summary").status_code == 404


# Pilot workshops and routines --------------------------------------------------------------


def test_routines_take_their_steps_through_the_api(api_as, world):
    with scopes_disabled():
        routine = make_routine(make_workshop(world))
    api = api_as("coordinator")
    path = f"/routines/{routine.pk}/steps"
    assert api.post(path, {"step": "testing", "date": "2025-01-10"}).json()["status"] == "testing"
    refused = api.post(path, {"step": "adopt", "date": "2025-02-01"})
    assert refused.status_code == 400
    assert {e["field"] for e in refused.json()["errors"]} == {"decided_by", "reference"}
    early = api.post(
        path,
        {
            "step": "adopt",
            "date": "2024-01-01",
            "decided_by": "Ledningsgruppen",
            "reference": "§ 12",
        },
    )
    assert early.status_code == 400
    adopted = api.post(
        path,
        {
            "step": "adopt",
            "date": "2025-02-01",
            "decided_by": "Ledningsgruppen",
            "reference": "§ 12",
        },
    ).json()
    assert adopted["status"] == "adopted"
    assert adopted["follow_up_due"] is not None
    followed = api.post(path, {"step": "follow_up", "date": "2025-09-01", "in_use": "yes"}).json()
    assert followed["status"] == Routine.Status.FOLLOWED_UP
    assert api.get("/routines", {"status": "followed_up"}).json()["count"] == 1


def test_workshops_are_scoped_to_the_coordinators_municipality(api_as, world):
    with scopes_disabled():
        own = make_workshop(world)
        other = make_workshop(world, target="other")
        make_routine(other)
    api = api_as("coordinator")
    assert [w["id"] for w in api.get("/workshops").json()["items"]] == [own.pk]
    assert api.get(f"/workshops/{other.pk}").status_code == 404
    assert api.get("/routines").json()["count"] == 0
    assert api_as("admin").get("/workshops", {"municipality": "1402"}).json()["count"] == 1
    with scopes_disabled():
        routine = other.routines.get()
    refused = api.post(f"/routines/{routine.pk}/steps", {"step": "retire", "date": "2025-01-01"})
    assert refused.status_code == 404
    routine.refresh_from_db()
    assert routine.status == Routine.Status.DRAFT


# The documents -----------------------------------------------------------------------------


def test_the_openapi_document_describes_every_operation(client):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    operations = [op for methods in schema["paths"].values() for op in methods.values()]
    assert len(operations) >= 25
    for operation in operations:
        assert operation.get("description") or operation.get("summary")
        assert operation["security"] == [{"TokenAuth": []}]
        assert {"401", "404", "422"} <= set(operation["responses"])


def test_the_docs_page_uses_only_local_files(client):
    html = client.get("/api/v1/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "cdn" not in html.lower()
    assert "https://" not in html


def test_null_lists_in_a_change_clear_them(api_as, world):
    session = make_session(programme=world["programme"])
    session.trainers.add(world["users"]["trainer"])
    api = api_as("admin")
    changed = api.patch(f"/sessions/{session.pk}", {"trainers": None})
    assert changed.status_code == 200
    assert not session.trainers.exists()
    course = api.patch(
        f"/courses/{session.course_id}", {"subgoals": None, "target_categories": None}
    )
    assert course.status_code == 200
    assert course.json()["subgoals"] == []

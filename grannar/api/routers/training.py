"""Courses and sessions (read; admins write), registrations (through the seat services, so the
waiting line and the no-overbooking guarantee hold) and attendance (a session's trainers)."""

import datetime as dt
from decimal import Decimal
from typing import Annotated

from django.core.exceptions import ValidationError
from django.db.models import Count, F, Q, QuerySet
from django.forms.models import model_to_dict
from django.http import Http404
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from grannar.api.common import (
    Code,
    Date,
    DateTime,
    Id,
    MunicipalityCode,
    Page,
    PageQuery,
    paginate,
    text,
)
from grannar.api.errors import ERRORS
from grannar.api.security import check_role
from grannar.core.audit import log_action
from grannar.people.models import Role, User
from grannar.people.selectors import person_list
from grannar.programmes.models import Format, Municipality, Programme, StaffCategory, SubGoal
from grannar.training import selectors
from grannar.training.forms import CourseForm, SessionForm
from grannar.training.models import Attendance, Course, Registration, Session
from grannar.training.services import (
    attendance_record,
    attendance_undo,
    course_save,
    registration_cancel,
    registration_create,
    session_save,
    waitlist_position,
)

router = Router(tags=["training"])
SubGoalNumber = Annotated[int, Field(ge=1, le=1000)]
HoursValue = Annotated[float, Field(ge=0, le=1000)]


def _is_admin(user: User) -> bool:
    return user.is_superuser or user.has_role(Role.ADMIN)


def _hours(value: float | None) -> str:
    return "" if value is None else str(Decimal(str(value)).quantize(Decimal("0.01")))


def _check_form(form) -> None:
    if not form.is_valid():
        raise ValidationError(form.errors.as_data())


# Courses -----------------------------------------------------------------------------------


class CourseOut(Schema):
    id: int
    programme: str | None
    code: str
    title: str
    description: str
    format: str | None
    subgoals: list[int]
    target_categories: list[str]
    credited_hours: float
    status: str
    handed_over_on: dt.date | None

    @staticmethod
    def resolve_programme(course: Course) -> str | None:
        return course.programme.code if course.programme_id else None

    @staticmethod
    def resolve_format(course: Course) -> str | None:
        return course.format.code if course.format_id else None

    @staticmethod
    def resolve_subgoals(course: Course) -> list[int]:
        return sorted(subgoal.number for subgoal in course.subgoals.all())

    @staticmethod
    def resolve_target_categories(course: Course) -> list[str]:
        return sorted(category.code for category in course.target_categories.all())


class CoursePage(Page):
    items: list[CourseOut]


class CourseFilter(Schema):
    programme: Code | None = None
    status: Course.Status | None = None


class CourseIn(Schema):
    programme: Code | None = Field(None, description="Empty: the regular catalogue.")
    code: Code
    title: text(200, min_length=1)  # type: ignore[valid-type]
    description: text(5000) = ""  # type: ignore[valid-type]
    format: Code | None = None
    subgoals: list[SubGoalNumber] = Field(default_factory=list, max_length=20)
    target_categories: list[Code] = Field(default_factory=list, max_length=50)
    credited_hours: HoursValue
    status: Course.Status = Course.Status.DRAFT


class CoursePatch(Schema):
    programme: Code | None = None
    code: Code | None = None
    title: text(200, min_length=1) | None = None  # type: ignore[valid-type]
    description: text(5000) | None = None  # type: ignore[valid-type]
    format: Code | None = None
    subgoals: list[SubGoalNumber] | None = Field(None, max_length=20)
    target_categories: list[Code] | None = Field(None, max_length=50)
    credited_hours: HoursValue | None = None
    status: Course.Status | None = None


def _courses(user: User) -> QuerySet:
    courses = Course.objects.select_related("programme", "format").prefetch_related(
        "subgoals", "target_categories"
    )
    return courses if _is_admin(user) else courses.filter(status=Course.Status.PUBLISHED)


def _pk_of(model, code: str | None):
    """The primary key of the object with `code`, or the code itself, which the form then
    refuses as not one of the choices."""
    if code is None:
        return ""
    return model.objects.filter(code=code).values_list("pk", flat=True).first() or code


def _course_data(given: dict, course: Course | None) -> dict:
    """The form's data: the course's current values overlaid with what was sent, codes turned
    into the form's keys."""
    data = model_to_dict(course, fields=CourseForm._meta.fields) if course else {}
    if course:
        data["subgoals"] = [s.pk for s in data.get("subgoals", [])]
        data["target_categories"] = [c.pk for c in data.get("target_categories", [])]
    if "programme" in given:
        data["programme"] = _pk_of(Programme, given["programme"])
    if "format" in given:
        data["format"] = _pk_of(Format, given["format"])
    for name in ("code", "title", "description", "status"):
        if name in given:
            data[name] = given[name]
    if "credited_hours" in given:
        data["credited_hours"] = _hours(given["credited_hours"])
    if "subgoals" in given:
        numbers = set(given["subgoals"] or [])
        programme_id = data.get("programme")
        found = dict(
            SubGoal.objects.filter(
                programme_id=programme_id if isinstance(programme_id, int) else 0,
                number__in=numbers,
            ).values_list("number", "pk")
        )
        if numbers - set(found):
            raise ValidationError(
                {"subgoals": _("Choose only sub-goals of the course's programme.")}
            )
        data["subgoals"] = list(found.values())
    if "target_categories" in given:
        codes = set(given["target_categories"] or [])
        found = dict(StaffCategory.objects.filter(code__in=codes).values_list("code", "pk"))
        if codes - set(found):
            raise ValidationError({"target_categories": _("Unknown staff category.")})
        data["target_categories"] = list(found.values())
    return data


@router.get("/courses", response={200: CoursePage, **ERRORS})
def list_courses(request, page: Query[PageQuery], filters: Query[CourseFilter]):
    """Published courses (all, for a programme admin), by title."""
    courses = _courses(request.user)
    if filters.programme:
        courses = courses.filter(programme__code=filters.programme)
    if filters.status:
        courses = courses.filter(status=filters.status)
    return paginate(courses.order_by("title", "id"), page)


@router.get("/courses/{pk}", response={200: CourseOut, **ERRORS})
def get_course(request, pk: Id):
    """One course."""
    course = _courses(request.user).filter(pk=pk).first()
    if course is None:
        raise Http404
    return course


@router.post("/courses", response={201: CourseOut, **ERRORS})
def create_course(request, payload: CourseIn):
    """Add a course (programme admins)."""
    check_role(request.user, Role.ADMIN)
    form = CourseForm(_course_data(payload.dict(), None))
    _check_form(form)
    return Status(201, course_save(form=form, by=request.user))


@router.patch("/courses/{pk}", response={200: CourseOut, **ERRORS})
def change_course(request, pk: Id, payload: CoursePatch):
    """Change a course's fields that are sent (programme admins)."""
    check_role(request.user, Role.ADMIN)
    course = _courses(request.user).filter(pk=pk).first()
    if course is None:
        raise Http404
    form = CourseForm(_course_data(payload.dict(exclude_unset=True), course), instance=course)
    _check_form(form)
    return course_save(form=form, by=request.user)


# Sessions ----------------------------------------------------------------------------------


class SessionOut(Schema):
    id: int
    code: str
    course: int
    course_code: str
    course_title: str
    programme: str | None
    starts: dt.datetime
    ends: dt.datetime
    location: str
    online_url: str
    host_municipality: str | None
    credited_hours: float
    capacity: int
    seats_taken: int
    free_seats: int = Field(description="Seats anyone may still take (reserved ones excluded).")
    waiting: int = Field(description="People on the waiting list.")
    status: str
    registration_opens: dt.datetime | None
    registration_closes: dt.datetime | None
    cancellation_deadline: dt.datetime | None

    @staticmethod
    def resolve_course(session: Session) -> int:
        return session.course_id

    @staticmethod
    def resolve_course_code(session: Session) -> str:
        return session.course.code

    @staticmethod
    def resolve_course_title(session: Session) -> str:
        return session.course.title

    @staticmethod
    def resolve_programme(session: Session) -> str | None:
        programme = session.course.programme
        return programme.code if programme else None

    @staticmethod
    def resolve_host_municipality(session: Session) -> str | None:
        return session.host_municipality.code if session.host_municipality_id else None

    @staticmethod
    def resolve_free_seats(session: Session) -> int:
        return max(session.capacity - session.seats_taken - session.reserved_free, 0)

    @staticmethod
    def resolve_waiting(session: Session) -> int:
        waiting = getattr(session, "waiting", None)
        return selectors.waiting_count(session) if waiting is None else waiting


class SessionPage(Page):
    items: list[SessionOut]


class SessionFilter(Schema):
    programme: Code | None = None
    municipality: MunicipalityCode | None = Field(None, description="The host municipality.")
    course: Id | None = None
    date_from: Date | None = Field(None, description="Sessions starting on or after this day.")
    date_to: Date | None = Field(None, description="Sessions starting on or before this day.")
    status: Session.Status | None = None
    free_only: bool = False


class SessionIn(Schema):
    course: Id
    code: Code
    starts: DateTime
    ends: DateTime
    location: text(200) = ""  # type: ignore[valid-type]
    online_url: text(200) = ""  # type: ignore[valid-type]
    host_municipality: MunicipalityCode | None = None
    credited_hours: HoursValue | None = Field(None, description="Empty: the course's hours.")
    capacity: int = Field(ge=0, le=100_000)
    registration_opens: DateTime | None = None
    registration_closes: DateTime | None = None
    cancellation_deadline: DateTime | None = None
    trainers: list[text(254)] = Field(  # type: ignore[valid-type]
        default_factory=list, max_length=20, description="The trainers' e-mail addresses."
    )


class SessionPatch(Schema):
    course: Id | None = None
    code: Code | None = None
    starts: DateTime | None = None
    ends: DateTime | None = None
    location: text(200) | None = None  # type: ignore[valid-type]
    online_url: text(200) | None = None  # type: ignore[valid-type]
    host_municipality: MunicipalityCode | None = None
    credited_hours: HoursValue | None = None
    capacity: int | None = Field(None, ge=0, le=100_000)
    registration_opens: DateTime | None = None
    registration_closes: DateTime | None = None
    cancellation_deadline: DateTime | None = None
    trainers: list[text(254)] | None = Field(None, max_length=20)  # type: ignore[valid-type]


SESSION_TIMES = ("starts", "ends", "registration_opens", "registration_closes")


def _sessions(user: User) -> QuerySet:
    sessions = Session.objects.select_related("course__programme", "host_municipality").annotate(
        waiting=Count("registrations", filter=Q(registrations__status="waitlisted"))
    )
    if not _is_admin(user):
        sessions = sessions.filter(course__status=Course.Status.PUBLISHED)
    return sessions


def _session_data(given: dict, session: Session | None) -> dict:
    data = model_to_dict(session, fields=SessionForm._meta.fields) if session else {}
    if session:
        data["trainers"] = [u.pk for u in data.get("trainers", [])]
        for name in (*SESSION_TIMES, "cancellation_deadline", "reservations_release_at"):
            if data.get(name):
                data[name] = data[name].isoformat()
    for name, value in given.items():
        if name == "host_municipality":
            data[name] = _pk_of(Municipality, value)
        elif name == "credited_hours":
            data[name] = _hours(value)
        elif name == "trainers":
            emails = {email.strip().lower() for email in value or []}
            found = dict(User.objects.filter(email__in=emails).values_list("email", "pk"))
            if emails - set(found):
                raise ValidationError({"trainers": _("No account has that e-mail address.")})
            data[name] = list(found.values())
        elif isinstance(value, dt.datetime):
            data[name] = value.isoformat()
        else:
            data[name] = "" if value is None else value
    return data


@router.get("/sessions", response={200: SessionPage, **ERRORS})
def list_sessions(request, page: Query[PageQuery], filters: Query[SessionFilter]):
    """Sessions of published courses (all, for a programme admin) by start, with free seats."""
    sessions = _sessions(request.user)
    if filters.programme:
        sessions = sessions.filter(course__programme__code=filters.programme)
    if filters.municipality:
        sessions = sessions.filter(host_municipality__code=filters.municipality)
    if filters.course:
        sessions = sessions.filter(course_id=filters.course)
    if filters.date_from:
        sessions = sessions.filter(starts__date__gte=filters.date_from)
    if filters.date_to:
        sessions = sessions.filter(starts__date__lte=filters.date_to)
    if filters.status:
        sessions = sessions.filter(status=filters.status)
    if filters.free_only:
        sessions = sessions.filter(seats_taken__lt=F("capacity") - F("reserved_free"))
    return paginate(sessions.order_by("starts", "id"), page)


@router.get("/sessions/{pk}", response={200: SessionOut, **ERRORS})
def get_session(request, pk: Id):
    """One session, with its free seats and waiting line."""
    session = _sessions(request.user).filter(pk=pk).first()
    if session is None:
        raise Http404
    return session


@router.post("/sessions", response={201: SessionOut, **ERRORS})
def create_session(request, payload: SessionIn):
    """Add a session (programme admins)."""
    check_role(request.user, Role.ADMIN)
    form = SessionForm(_session_data(payload.dict(), None))
    _check_form(form)
    session = session_save(form=form, by=request.user)
    return Status(201, _sessions(request.user).get(pk=session.pk))


@router.patch("/sessions/{pk}", response={200: SessionOut, **ERRORS})
def change_session(request, pk: Id, payload: SessionPatch):
    """Change a session's fields that are sent; more seats go to the waiting line at once
    (programme admins)."""
    check_role(request.user, Role.ADMIN)
    session = _sessions(request.user).filter(pk=pk).first()
    if session is None:
        raise Http404
    form = SessionForm(_session_data(payload.dict(exclude_unset=True), session), instance=session)
    _check_form(form)
    session_save(form=form, by=request.user)
    return _sessions(request.user).get(pk=pk)


# Registrations -----------------------------------------------------------------------------


class RegistrationOut(Schema):
    id: int
    session: int
    person: int
    municipality: str
    status: str
    waitlist_position: int | None = Field(description="1 is first in line; null with a seat.")
    created: dt.datetime

    @staticmethod
    def resolve_session(registration: Registration) -> int:
        return registration.session_id

    @staticmethod
    def resolve_person(registration: Registration) -> int:
        return registration.person_id

    @staticmethod
    def resolve_municipality(registration: Registration) -> str:
        return registration.municipality.code

    @staticmethod
    def resolve_waitlist_position(registration: Registration) -> int | None:
        return waitlist_position(registration)


class RegistrationPage(Page):
    items: list[RegistrationOut]


class RegistrationFilter(Schema):
    session: Id | None = None
    programme: Code | None = None
    municipality: MunicipalityCode | None = None
    status: Registration.Status | None = None
    date_from: Date | None = Field(None, description="Sessions starting on or after this day.")
    date_to: Date | None = Field(None, description="Sessions starting on or before this day.")


class RegistrationIn(Schema):
    session: Id
    person: Id | None = Field(
        None, description="Empty: yourself. A coordinator may name their municipality's staff."
    )


def _registrations(user: User) -> QuerySet:
    """Registrations `user` may see: all for an admin, their municipality's for a coordinator,
    otherwise their own."""
    registrations = Registration.objects.with_scopes_disabled().select_related(
        "municipality", "session__course"
    )
    if _is_admin(user):
        return registrations
    own = Q(person_id=user.person_id) if user.person_id else Q(pk__in=[])
    return registrations.filter(own | Q(municipality_id__in=user.coordinated_municipality_ids))


def _access_registration(user: User, pk: int) -> Registration:
    registration = _registrations(user).filter(pk=pk).first()
    if registration is None:
        raise Http404
    return registration


@router.get("/registrations", response={200: RegistrationPage, **ERRORS})
def list_registrations(request, page: Query[PageQuery], filters: Query[RegistrationFilter]):
    """Your registrations; a coordinator's also their municipality's staff's, an admin's all."""
    registrations = _registrations(request.user)
    if filters.session:
        registrations = registrations.filter(session_id=filters.session)
    if filters.programme:
        registrations = registrations.filter(session__course__programme__code=filters.programme)
    if filters.municipality:
        registrations = registrations.filter(municipality__code=filters.municipality)
    if filters.status:
        registrations = registrations.filter(status=filters.status)
    if filters.date_from:
        registrations = registrations.filter(session__starts__date__gte=filters.date_from)
    if filters.date_to:
        registrations = registrations.filter(session__starts__date__lte=filters.date_to)
    return paginate(registrations.order_by("-session__starts", "id"), page)


@router.get("/registrations/{pk}", response={200: RegistrationOut, **ERRORS})
def get_registration(request, pk: Id):
    """One registration you may see."""
    return _access_registration(request.user, pk)


@router.post("/registrations", response={201: RegistrationOut, **ERRORS})
def create_registration(request, payload: RegistrationIn):
    """Register yourself, or (a coordinator) one of your municipality's staff: a seat if one
    is free, otherwise a place in the waiting line."""
    user = request.user
    session = selectors.access_session_for_registration(user=user, pk=payload.session)
    if payload.person is None or payload.person == user.person_id:
        person = user.person
        if person is None:
            raise ValidationError(
                {"person": _("Your account is not linked to a participant; name the person.")}
            )
    else:
        with scopes_disabled():
            person = person_list(user=user).filter(pk=payload.person).first()
        if person is None or not (_is_admin(user) or user.has_role(Role.COORDINATOR)):
            raise Http404
    registration = registration_create(session=session, person=person, by=user)
    return Status(201, _registrations(user).get(pk=registration.pk))


@router.post("/registrations/{pk}/cancel", response={200: RegistrationOut, **ERRORS})
def cancel_registration(request, pk: Id):
    """Cancel a registration; a freed seat goes to the first in line who may take it."""
    registration = _access_registration(request.user, pk)
    registration_cancel(registration=registration, by=request.user)
    return _registrations(request.user).get(pk=pk)


# Attendance --------------------------------------------------------------------------------


class AttendanceOut(Schema):
    registration: int
    person: int
    first_name: str
    last_name: str
    workplace: str | None
    status: str
    hours: float | None = Field(description="Null: the whole session (its credited hours).")
    method: str | None

    @staticmethod
    def resolve_registration(row: Registration) -> int:
        return row.pk

    @staticmethod
    def resolve_person(row: Registration) -> int:
        return row.person_id

    @staticmethod
    def resolve_first_name(row: Registration) -> str:
        return row.person.first_name

    @staticmethod
    def resolve_last_name(row: Registration) -> str:
        return row.person.last_name

    @staticmethod
    def resolve_workplace(row: Registration) -> str | None:
        person = row.person
        return person.workplace.name if person.workplace_id else person.workplace_name or None

    @staticmethod
    def _attendance(row: Registration) -> Attendance | None:
        try:
            return row.attendance
        except Attendance.DoesNotExist:
            return None

    @staticmethod
    def resolve_hours(row: Registration) -> float | None:
        attendance = AttendanceOut._attendance(row)
        return float(attendance.hours) if attendance and attendance.hours is not None else None

    @staticmethod
    def resolve_method(row: Registration) -> str | None:
        attendance = AttendanceOut._attendance(row)
        return attendance.method if attendance else None


class AttendanceIn(Schema):
    present: bool
    hours: HoursValue | None = Field(None, description="Empty: the whole session.")


@router.get("/sessions/{pk}/attendance", response={200: list[AttendanceOut], **ERRORS})
def session_attendance(request, pk: Id):
    """The participant list of a session you train (names and workplace), for marking."""
    session = selectors.access_trained_session(user=request.user, pk=pk)
    rows = list(selectors.attendance_list(session))
    log_action(
        action="training.attendance.listed",
        actor=request.user,
        target=session,
        data={"results": len(rows), "api": True},
    )
    return rows


def _trained_registration(user: User, pk: int) -> Registration:
    registration = (
        Registration.objects.with_scopes_disabled()
        .select_related("session__course", "person__workplace")
        .filter(pk=pk)
        .first()
    )
    if registration is None:
        raise Http404
    selectors.access_trained_session(user=user, pk=registration.session_id)
    return registration


def _attendance_row(pk: int) -> Registration:
    return (
        Registration.objects.with_scopes_disabled()
        .select_related("person__workplace", "attendance")
        .get(pk=pk)
    )


@router.put("/registrations/{pk}/attendance", response={200: AttendanceOut, **ERRORS})
def mark_attendance(request, pk: Id, payload: AttendanceIn):
    """Mark someone on a session you train present (all or some hours) or absent."""
    registration = _trained_registration(request.user, pk)
    hours = Decimal(_hours(payload.hours)) if payload.hours is not None else None
    try:
        attendance_record(
            registration=registration,
            present=payload.present,
            hours=hours,
            by=request.user,
            method=Attendance.Method.TRAINER,
        )
    except ValidationError as error:
        if not hasattr(error, "error_dict") and error.code == "hours_range":
            raise ValidationError({"hours": error.messages}) from error
        raise
    return _attendance_row(pk)


@router.delete("/registrations/{pk}/attendance", response={200: AttendanceOut, **ERRORS})
def undo_attendance(request, pk: Id):
    """Undo a present or absent mark on a session you train."""
    registration = _trained_registration(request.user, pk)
    attendance_undo(registration=registration, by=request.user)
    return _attendance_row(pk)

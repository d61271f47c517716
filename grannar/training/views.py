import datetime as dt

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_scopes import scopes_disabled

from grannar.core.audit import log_action
from grannar.core.pagination import paginate
from grannar.core.permissions import object_access, role_required
from grannar.core.redirects import next_url
from grannar.people.models import Person, Role
from grannar.people.selectors import person_list
from grannar.programmes.models import Programme, SubGoal
from grannar.training import selectors
from grannar.training.certificates import (
    CertificateError,
    certificate_issue,
    certificate_pdf,
    certificate_verify,
    monthly_certificate_pdf,
)
from grannar.training.forms import (
    AttendanceForm,
    AttestationFilterForm,
    AttestForm,
    CatalogueFilterForm,
    CheckinForm,
    CourseForm,
    CourseHandoverForm,
    ReservationForm,
    SessionCancelForm,
    SessionForm,
    StaffRegistrationForm,
)
from grannar.training.models import Attendance, Certificate, Course, Registration, Session
from grannar.training.services import (
    RegistrationError,
    attendance_record,
    attendance_undo,
    attestation_create,
    checkin,
    course_hand_over,
    course_save,
    registration_cancel,
    registration_create,
    reservation_set,
    session_cancel,
    session_save,
)


@login_required
@require_GET
def catalogue_view(request):
    subgoals = (
        SubGoal.objects.filter(programme__courses__isnull=False).order_by("number").distinct()
    )
    form = CatalogueFilterForm(request.GET or None, subgoals=subgoals)
    criteria = form.cleaned_data if form.is_valid() else {}
    sessions = selectors.catalogue(
        subgoal=criteria.get("subgoal"),
        category_id=criteria["category"].pk if criteria.get("category") else None,
        municipality_id=criteria["municipality"].pk if criteria.get("municipality") else None,
        month=criteria.get("month"),
        free_only=criteria.get("free_only", False),
    )
    page, query_string = paginate(request, sessions)
    return render(
        request,
        "training/catalogue.html",
        {"form": form, "page": page, "query_string": query_string},
    )


@login_required
@require_GET
def session_view(request, pk: int):
    session = selectors.access_session(user=request.user, pk=pk)
    user = request.user
    return render(
        request,
        "training/session.html",
        {
            "session": session,
            "waiting": selectors.waiting_count(session),
            "own": selectors.registration_of(session=session, person_id=user.person_id),
            "can_register_staff": user.is_superuser or user.has_role(Role.ADMIN, Role.COORDINATOR),
            "trains": user.is_superuser
            or user.has_role(Role.ADMIN)
            or session.trainers.filter(pk=user.pk).exists(),
        },
    )


def _registration_message(request, registration: Registration) -> None:
    if registration.status == Registration.Status.CONFIRMED:
        messages.success(request, _("You have a seat. A confirmation has been sent by e-mail."))
    else:
        messages.info(
            request,
            _(
                "The session is full; you are on the waiting list and get a seat "
                "automatically if one becomes free."
            ),
        )


@login_required
@require_POST
def register_view(request, pk: int):
    person = request.user.person
    if person is None:
        session = selectors.access_session_for_registration(user=request.user, pk=pk)
        messages.error(request, _("Your account is not linked to a participant."))
        return redirect("training:session", pk=session.pk)
    session, state = selectors.access_session_to_register(user=request.user, pk=pk, person=person)
    try:
        registration = registration_create(
            session=session, person=person, by=request.user, state=state
        )
    except RegistrationError as error:
        messages.error(request, error.messages[0])
    else:
        _registration_message(request, registration)
    return redirect("training:session", pk=session.pk)


@role_required(Role.ADMIN, Role.COORDINATOR)
@require_http_methods(["GET", "POST"])
def register_staff_view(request, pk: int):
    session = selectors.access_session(user=request.user, pk=pk)
    registered = Registration.objects.filter(session=session).exclude(
        status=Registration.Status.CANCELLED
    )
    query = request.GET.get("q", "").strip()
    candidates = person_list(user=request.user, query=query).exclude(
        pk__in=registered.values("person_id")
    )
    form = StaffRegistrationForm(request.POST or None, people=candidates)
    if request.method == "POST" and form.is_valid():
        done, refused = [], []
        for person in form.cleaned_data["people"]:
            try:
                done.append(registration_create(session=session, person=person, by=request.user))
            except RegistrationError as error:
                refused.append(f"{person.full_name}: {error.messages[0]}")
        seated = sum(r.status == Registration.Status.CONFIRMED for r in done)
        messages.success(
            request,
            _("%(seated)s, %(waiting)s.")
            % {
                "seated": ngettext(
                    "%(count)s person registered with a seat",
                    "%(count)s people registered with a seat",
                    seated,
                )
                % {"count": seated},
                "waiting": ngettext(
                    "%(count)s person on the waiting list",
                    "%(count)s people on the waiting list",
                    len(done) - seated,
                )
                % {"count": len(done) - seated},
            },
        )
        for problem in refused:
            messages.error(request, problem)
        return redirect("training:session", pk=session.pk)
    log_action(
        action="people.person.listed",
        actor=request.user,
        data={"results": candidates.count(), "page": 1},
    )
    return render(
        request,
        "training/register_staff.html",
        {"session": session, "form": form, "query": query},
    )


@login_required
@require_POST
def cancel_view(request, pk: int):
    with scopes_disabled():
        registration = get_object_or_404(Registration.objects.select_related("session"), pk=pk)
    user = request.user
    may_see = (
        user.is_superuser
        or user.has_role(Role.ADMIN)
        or registration.person_id == user.person_id
        or registration.municipality_id in user.coordinated_municipality_ids
    )
    if not may_see:
        return render(request, "404.html", status=404)
    try:
        registration_cancel(registration=registration, by=user)
    except RegistrationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The registration has been cancelled."))
    return redirect(next_url(request, reverse("training:my_registrations")))


@login_required
@require_GET
def my_registrations_view(request):
    person_id = request.user.person_id
    registrations = selectors.person_registrations(person_id=person_id) if person_id else []
    return render(request, "training/my_registrations.html", {"registrations": registrations})


@object_access(Role.ADMIN, Role.TRAINER)
@require_GET
def attendance_list_view(request, pk: int):
    session = selectors.access_trained_session(user=request.user, pk=pk)
    rows = selectors.attendance_list(session)
    log_action(
        action="training.attendance.listed",
        actor=request.user,
        target=session,
        data={"results": len(rows)},
    )
    covered = selectors.covered_registration_ids(session, rows)
    for row in rows:
        row.attested = row.pk in covered
    return render(
        request,
        "training/attendance.html",
        {"session": session, "rows": rows, "started": session.starts <= timezone.now()},
    )


def _attendance_row(request, session, registration_pk: int, error: str):
    """The row again after a change: the fragment for htmx, else back to the list."""
    with scopes_disabled():
        row = Registration.objects.select_related(
            "person__workplace", "attendance", "session__course"
        ).get(pk=registration_pk)
    row.attested = selectors.covering_attestation(row) is not None
    if request.htmx:
        started = session.starts <= timezone.now()
        context = {"session": session, "row": row, "error": error, "started": started}
        return render(request, "training/_attendance_row.html", context)
    if error:
        messages.error(request, error)
    return redirect("training:attendance", pk=session.pk)


@login_required
@require_POST
def mark_attendance_view(request, pk: int):
    with scopes_disabled():
        registration = get_object_or_404(
            Registration.objects.select_related("session__course", "person__workplace"), pk=pk
        )
    session = selectors.access_trained_session(user=request.user, pk=registration.session_id)
    form = AttendanceForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            registration = attendance_record(
                registration=registration,
                present=form.cleaned_data["present"],
                hours=form.cleaned_data["hours"],
                by=request.user,
                method=Attendance.Method.TRAINER,
            )
        except ValidationError as problem:
            error = problem.messages[0]
    else:
        error = next(iter(form.errors.values()))[0]
    return _attendance_row(request, session, registration.pk, error)


@login_required
@require_POST
def undo_attendance_view(request, pk: int):
    with scopes_disabled():
        registration = get_object_or_404(Registration, pk=pk)
    session = selectors.access_trained_session(user=request.user, pk=registration.session_id)
    error = ""
    try:
        attendance_undo(registration=registration, by=request.user)
    except ValidationError as problem:
        error = problem.messages[0]
    return _attendance_row(request, session, registration.pk, error)


@login_required
@require_GET
def checkin_code_view(request, pk: int):
    session = selectors.access_trained_session(user=request.user, pk=pk)
    url = f"{settings.GRANNAR_SITE_URL}{reverse('training:checkin')}?code={session.checkin_code}"
    qr = segno.make(url, error="m").svg_data_uri(scale=8, border=2)
    return render(request, "training/checkin_code.html", {"session": session, "qr": qr, "url": url})


@login_required
@require_http_methods(["GET", "POST"])
def checkin_view(request):
    form = CheckinForm(request.POST or None, initial={"code": request.GET.get("code", "")})
    if request.method == "POST" and form.is_valid():
        person = request.user.person
        if person is None:
            form.add_error(None, _("Your account is not linked to a participant."))
        else:
            try:
                registration = checkin(
                    person=person, code=form.cleaned_data["code"], by=request.user
                )
            except RegistrationError as error:
                form.add_error("code", error.messages[0])
            else:
                messages.success(
                    request,
                    _("Welcome! You are checked in to %(title)s.")
                    % {"title": registration.session.course.title},
                )
                return redirect("training:my_registrations")
    return render(request, "training/checkin.html", {"form": form})


@login_required
@require_http_methods(["GET", "POST"])
def attestations_view(request):
    person = request.user.person
    if request.method == "POST" and person is not None:
        form = AttestForm(request.POST)
        if form.is_valid():
            programme = get_object_or_404(Programme, pk=form.cleaned_data["programme"])
            try:
                attestation_create(
                    person=person,
                    programme=programme,
                    month=form.cleaned_data["month"],
                    by=request.user,
                )
            except RegistrationError as error:
                messages.error(request, error.messages[0])
            else:
                messages.success(request, _("Thank you. Your hours for the month are attested."))
        return redirect("training:attestations")
    months = selectors.attestable_months(person_id=person.pk) if person else []
    return render(request, "training/attestations.html", {"months": months, "person": person})


@role_required(Role.ADMIN, Role.AUDITOR)
@require_GET
def attestation_audit_view(request):
    form = AttestationFilterForm(request.GET or None)
    page, query_string = paginate(request, selectors.attestation_overview(**form.filters()))
    log_action(
        action="training.attestation.listed",
        actor=request.user,
        data={"results": page.paginator.count, "page": page.number},
    )
    export_query = request.GET.copy()
    export_query.pop("page", None)
    return render(
        request,
        "training/attestation_audit.html",
        {
            "form": form,
            "page": page,
            "query_string": query_string,
            "export_query": export_query.urlencode(),
        },
    )


@role_required(Role.ADMIN)
@require_GET
def course_list_view(request):
    courses = (
        Course.objects.select_related("programme", "format")
        .annotate(session_count=Count("sessions"))
        .order_by("programme__name", "title")
    )
    page, query_string = paginate(request, courses)
    return render(
        request, "training/course_list.html", {"page": page, "query_string": query_string}
    )


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def course_edit_view(request, pk: int | None = None):
    course = get_object_or_404(Course, pk=pk) if pk else None
    form = CourseForm(request.POST or None, instance=course)
    if request.method == "POST" and form.is_valid():
        course = course_save(form=form, by=request.user)
        messages.success(request, _("The course has been saved."))
        return redirect("training:course_edit", pk=course.pk)
    sessions = course.sessions.order_by("starts") if course else []
    context = {"form": form, "course": course, "sessions": sessions}
    if course is not None and course.programme_id and course.handed_over_on is None:
        context["handover_form"] = CourseHandoverForm()
    return render(request, "training/course_form.html", context)


@role_required(Role.ADMIN)
@require_POST
def course_handover_view(request, pk: int):
    course = get_object_or_404(Course, pk=pk)
    form = CourseHandoverForm(request.POST)
    if form.is_valid():
        try:
            course_hand_over(
                course=course,
                on=form.cleaned_data["on"],
                receiving_organiser=form.cleaned_data["receiving_organiser"],
                by=request.user,
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(
                request, _("The course has been handed over to the regular catalogue.")
            )
    else:
        for name, errors in form.errors.items():
            messages.error(request, f"{form.fields[name].label}: {errors[0]}")
    return redirect("training:course_edit", pk=course.pk)


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def session_edit_view(request, pk: int | None = None):
    session = get_object_or_404(Session, pk=pk) if pk else None
    initial = {}
    if session is None and request.GET.get("course"):
        initial["course"] = request.GET["course"]
    form = SessionForm(request.POST or None, instance=session, initial=initial)
    if request.method == "POST" and form.is_valid():
        session = session_save(form=form, by=request.user)
        messages.success(request, _("The session has been saved."))
        return redirect("training:session_edit", pk=session.pk)
    context = {"form": form, "session": session}
    if session is not None:
        context["reservation_form"] = ReservationForm()
        context["cancel_form"] = SessionCancelForm()
        context["reservations"] = session.reservations.select_related("municipality")
    return render(request, "training/session_form.html", context)


@role_required(Role.ADMIN)
@require_POST
def reservation_view(request, pk: int):
    session = get_object_or_404(Session, pk=pk)
    form = ReservationForm(request.POST)
    if form.is_valid():
        try:
            reservation_set(
                session=session,
                municipality_id=form.cleaned_data["municipality"].pk,
                seats_reserved=form.cleaned_data["seats"],
                by=request.user,
            )
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("The reserved seats have been saved."))
    else:
        for errors in form.errors.values():
            messages.error(request, errors[0])
    return redirect("training:session_edit", pk=session.pk)


@role_required(Role.ADMIN)
@require_POST
def session_cancel_view(request, pk: int):
    session = get_object_or_404(Session, pk=pk)
    form = SessionCancelForm(request.POST)
    if form.is_valid():
        count = session_cancel(session=session, by=request.user)
        messages.success(
            request,
            ngettext(
                "The session is cancelled; %(count)s registered person is told by e-mail.",
                "The session is cancelled; %(count)s registered people are told by e-mail.",
                count,
            )
            % {"count": count},
        )
    else:
        messages.error(request, _("Tick the box to confirm the cancellation."))
    return redirect("training:session_edit", pk=session.pk)


def _may_see_person_documents(user, person, *, auditor: bool) -> bool:
    return (
        user.is_superuser
        or user.has_role(Role.ADMIN)
        or (auditor and user.has_role(Role.AUDITOR))
        or person.pk == user.person_id
        or person.municipality_id in user.coordinated_municipality_ids
    )


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def certificate_download_view(request, pk: int):
    """GET reads: the issued certificate as PDF, or a page offering to issue it. POST issues."""
    with scopes_disabled():
        registration = (
            Registration.objects.select_related(
                "person", "session__course__programme", "attendance"
            )
            .filter(pk=pk)
            .first()
        )
    if registration is None or not _may_see_person_documents(
        request.user, registration.person, auditor=False
    ):
        raise Http404
    if request.method == "POST":
        try:
            certificate_issue(registration=registration, by=request.user)
        except CertificateError as error:
            messages.error(request, str(error))
            return redirect("training:my_registrations")
        return redirect("training:certificate_download", pk=registration.pk)
    certificate = Certificate.objects.filter(registration=registration).first()
    if certificate is None:
        return render(
            request,
            "training/certificate.html",
            {
                "registration": registration,
                "may_issue": registration.status == Registration.Status.ATTENDED,
            },
        )
    log_action(
        action="training.certificate.downloaded",
        actor=request.user,
        target=certificate,
        municipality_id=registration.municipality_id,
    )
    return _pdf(certificate_pdf(certificate), f"intyg-{certificate.code}.pdf")


@require_GET
def certificate_verify_view(request, code: str):
    result = certificate_verify(code)
    if result is None:
        raise Http404
    return render(request, "training/certificate_verify.html", {"result": result, "code": code})


@login_required
@require_GET
def monthly_certificate_view(request, person_pk: int, month: str):
    with scopes_disabled():
        person = (
            Person.objects.select_related("municipality", "workplace").filter(pk=person_pk).first()
        )
    try:
        first_day = dt.datetime.strptime(month, "%Y-%m").date()
    except ValueError:
        raise Http404 from None
    if person is None or not _may_see_person_documents(request.user, person, auditor=True):
        raise Http404
    programme = get_object_or_404(Programme, code=request.GET.get("programme", ""))
    try:
        content = monthly_certificate_pdf(person=person, programme=programme, month=first_day)
    except CertificateError:
        raise Http404 from None
    log_action(
        action="training.monthly_certificate.downloaded",
        actor=request.user,
        target=person,
        municipality_id=person.municipality_id,
        data={"month": month},
    )
    return _pdf(content, f"narvarointyg-{month}-{person.pk}.pdf")

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_scopes import scopes_disabled

from grannar.collaboration import selectors
from grannar.collaboration.forms import (
    PLAN_STEP_FORMS,
    STEP_FORMS,
    EngagementForm,
    LessonForm,
    LetterForm,
    MeetingForm,
    MemberForm,
    NeedForm,
    OutcomeForm,
    PlanForm,
    RoutineForm,
    WorkshopForm,
)
from grannar.collaboration.lessons import TEXT_FIELDS as LESSON_TEXTS
from grannar.collaboration.lessons import lesson_create, lesson_update, may_edit_lesson
from grannar.collaboration.models import (
    CompetencePlan,
    Engagement,
    GroupMember,
    Meeting,
    PilotWorkshop,
    PlanNeed,
    ReferenceLetter,
    Routine,
)
from grannar.collaboration.plans import (
    PLAN_STEPS,
    need_remove,
    need_set,
    plan_create,
    plan_update,
)
from grannar.collaboration.services import (
    ROUTINE_STEPS,
    meeting_record,
    member_add,
    member_remove,
    routine_create,
    routine_update,
    workshop_create,
    workshop_update,
)
from grannar.collaboration.support import (
    engagement_record,
    engagement_remove,
    outcome_record,
    reference_letter_issue,
    reference_letter_pdf,
    reference_verify,
)
from grannar.core.audit import log_action
from grannar.core.pagination import paginate
from grannar.core.permissions import role_required
from grannar.people.models import Person, Role
from grannar.programmes.models import Municipality
from grannar.programmes.selectors import programme_list_for
from grannar.training.models import Course, Session

MANAGERS = (Role.ADMIN, Role.COORDINATOR)
ENGAGEMENT_SESSIONS_BACK = dt.timedelta(days=730)


@role_required(*MANAGERS)
@require_GET
def workshop_list_view(request):
    workshops = list(selectors.workshop_list(user=request.user))
    return render(
        request,
        "collaboration/workshop_list.html",
        {
            "workshops": workshops,
            "full_coverage": selectors.FULL_SECTOR_COVERAGE,
            "due": list(selectors.follow_ups_due(user=request.user)),
        },
    )


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def workshop_create_view(request):
    allowed = selectors.managed_municipality_ids(request.user)
    municipalities = Municipality.objects.filter(memberships__participates=True).distinct()
    if allowed is not None:
        municipalities = municipalities.filter(pk__in=allowed)
    form = WorkshopForm(
        request.POST or None,
        programmes=programme_list_for(request.user),
        municipalities=municipalities.order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            workshop = workshop_create(
                programme=data["programme"],
                municipality=data["municipality"],
                focus=data["focus"],
                subgoals=data["subgoals"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The pilot workshop has been started."))
            return redirect("collaboration:workshop", pk=workshop.pk)
    return render(request, "collaboration/workshop_form.html", {"form": form})


@role_required(*MANAGERS)
@require_GET
def workshop_view(request, pk: int):
    workshop = selectors.access_workshop(user=request.user, pk=pk)
    members = selectors.workshop_members(workshop)
    sectors = selectors.sectors_covered(members)
    return render(
        request,
        "collaboration/workshop.html",
        {
            "workshop": workshop,
            "subgoals": workshop.subgoals.order_by("number"),
            "members": members,
            "sectors": sectors,
            "full_coverage": len(sectors) >= selectors.FULL_SECTOR_COVERAGE,
            "required_sectors": selectors.FULL_SECTOR_COVERAGE,
            "meetings": selectors.workshop_meetings(workshop),
            "routines": list(selectors.routine_list(user=request.user, workshop=workshop)),
            "member_form": _member_form(workshop),
        },
    )


def _member_form(workshop: PilotWorkshop, data=None) -> MemberForm:
    people = (
        Person.objects.filter(municipality_id=workshop.municipality_id, support_resource=False)
        .exclude(pk__in=workshop.members.values("person_id"))
        .order_by("last_name", "first_name")
    )
    return MemberForm(data, people=people)


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def workshop_edit_view(request, pk: int):
    workshop = selectors.access_workshop(user=request.user, pk=pk)
    initial = {"focus": workshop.focus, "subgoals": list(workshop.subgoals.all())}
    form = WorkshopForm(request.POST or None, initial=initial)
    form.fields["subgoals"].queryset = workshop.programme.subgoals.order_by("number")
    if request.method == "POST" and form.is_valid():
        try:
            workshop_update(
                workshop=workshop,
                focus=form.cleaned_data["focus"],
                subgoals=form.cleaned_data["subgoals"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The pilot workshop has been saved."))
            return redirect("collaboration:workshop", pk=workshop.pk)
    return render(request, "collaboration/workshop_form.html", {"form": form, "workshop": workshop})


@role_required(*MANAGERS)
@require_POST
def member_add_view(request, pk: int):
    workshop = selectors.access_workshop(user=request.user, pk=pk)
    form = _member_form(workshop, request.POST)
    if form.is_valid():
        try:
            member_add(workshop=workshop, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, error.messages[0])
        else:
            messages.success(request, _("The member has been added to the group."))
    else:
        for field, errors in form.errors.items():
            messages.error(request, f"{form.fields[field].label}: {errors[0]}")
    return redirect("collaboration:workshop", pk=workshop.pk)


@role_required(*MANAGERS)
@require_POST
def member_remove_view(request, pk: int):
    member = GroupMember.objects.select_related("workshop").filter(pk=pk).first()
    if member is None:
        raise Http404
    workshop = selectors.access_workshop(user=request.user, pk=member.workshop_id)
    member_remove(member=member, by=request.user)
    messages.success(request, _("The member has left the group."))
    return redirect("collaboration:workshop", pk=workshop.pk)


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def meeting_create_view(request, pk: int):
    workshop = selectors.access_workshop(user=request.user, pk=pk)
    form = MeetingForm(
        request.POST or None, members=workshop.members.select_related("person", "sector")
    )
    if request.method == "POST" and form.is_valid():
        try:
            meeting_record(workshop=workshop, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The meeting has been recorded."))
            return redirect("collaboration:workshop", pk=workshop.pk)
    return render(request, "collaboration/meeting_form.html", {"form": form, "workshop": workshop})


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def routine_create_view(request, pk: int):
    workshop = selectors.access_workshop(user=request.user, pk=pk)
    form = RoutineForm(request.POST or None, members=workshop.members.select_related("person"))
    if request.method == "POST" and form.is_valid():
        try:
            routine = routine_create(workshop=workshop, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The routine has been saved as a draft."))
            return redirect("collaboration:routine", pk=routine.pk)
    return render(request, "collaboration/routine_form.html", {"form": form, "workshop": workshop})


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def routine_edit_view(request, pk: int):
    routine = selectors.access_routine(user=request.user, pk=pk)
    workshop = routine.workshop
    initial = {
        "title": routine.title,
        "problem": routine.problem,
        "sectors": list(routine.sectors.all()),
        "owner": routine.owner,
    }
    form = RoutineForm(
        request.POST or None, initial=initial, members=workshop.members.select_related("person")
    )
    if request.method == "POST" and form.is_valid():
        try:
            routine_update(routine=routine, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The routine has been saved."))
            return redirect("collaboration:routine", pk=routine.pk)
    return render(
        request,
        "collaboration/routine_form.html",
        {"form": form, "workshop": workshop, "routine": routine},
    )


def _step_forms(routine: Routine, posted: str = "", data=None) -> dict:
    """The steps the routine can take next, each with its form."""
    status = routine.status
    steps = {
        Routine.Status.DRAFT: ["testing"],
        Routine.Status.TESTING: ["adopt"],
        Routine.Status.ADOPTED: ["follow_up"],
    }.get(status, [])
    if status != Routine.Status.RETIRED:
        steps.append("retire")
    if posted and posted not in steps:
        steps.insert(0, posted)
    return {step: STEP_FORMS[step](data if step == posted else None, prefix=step) for step in steps}


STEP_MESSAGES = {
    "testing": gettext_lazy("Testing has started."),
    "adopt": gettext_lazy("The routine has been adopted."),
    "follow_up": gettext_lazy("The follow-up has been recorded."),
    "retire": gettext_lazy("The routine has been retired."),
}


@role_required(*MANAGERS)
@require_GET
def routine_view(request, pk: int):
    routine = selectors.access_routine(user=request.user, pk=pk)
    return _routine_page(request, routine, _step_forms(routine))


def _routine_page(request, routine: Routine, forms: dict, status: int = 200):
    return render(
        request,
        "collaboration/routine.html",
        {
            "routine": routine,
            "sectors": routine.sectors.all(),
            "step_forms": forms,
            "lessons": routine.lessons.order_by("-created"),
        },
        status=status,
    )


@role_required(*MANAGERS)
@require_POST
def routine_step_view(request, pk: int, step: str):
    routine = selectors.access_routine(user=request.user, pk=pk)
    if step not in ROUTINE_STEPS:
        raise Http404
    forms = _step_forms(routine, step, request.POST)
    form = forms[step]
    if form.is_valid():
        try:
            ROUTINE_STEPS[step](routine=routine, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, STEP_MESSAGES[step])
            return redirect("collaboration:routine", pk=routine.pk)
    return _routine_page(request, routine, forms, status=400)


# Support resources


def _support_forms(request, person, data=None, which: str = "") -> dict:
    programmes = programme_list_for(request.user)
    now = timezone.now()
    # Engagements are recorded afterwards; two years back keeps the list to what is recent.
    sessions = (
        Session.objects.select_related("course")
        .filter(starts__lte=now, starts__gte=now - ENGAGEMENT_SESSIONS_BACK)
        .order_by("-starts")
    )
    meetings = Meeting.objects.select_related("workshop__municipality").filter(
        workshop__municipality_id=person.municipality_id
    )
    return {
        "engagement_form": EngagementForm(
            data if which == "engagement" else None, sessions=sessions, meetings=meetings
        ),
        "outcome_form": OutcomeForm(data if which == "outcome" else None, programmes=programmes),
        "letter_form": LetterForm(data if which == "letter" else None, programmes=programmes),
    }


@role_required(*MANAGERS)
@require_GET
def support_list_view(request):
    page, query_string = paginate(
        request, selectors.support_resource_list(user=request.user).order_by("last_name", "id")
    )
    return render(
        request,
        "collaboration/support_list.html",
        {"page": page, "query_string": query_string},
    )


def _support_page(request, person, forms: dict, status: int = 200):
    return render(
        request,
        "collaboration/support_resource.html",
        {
            "person": person,
            "engagements": selectors.engagement_list(person),
            "outcomes": selectors.outcome_list(person),
            "letters": list(person.reference_letters.select_related("programme")),
            **forms,
        },
        status=status,
    )


@role_required(*MANAGERS)
@require_GET
def support_resource_view(request, pk: int):
    person = selectors.access_support_resource(user=request.user, pk=pk)
    return _support_page(request, person, _support_forms(request, person))


@role_required(*MANAGERS)
@require_POST
def engagement_add_view(request, pk: int):
    person = selectors.access_support_resource(user=request.user, pk=pk)
    forms = _support_forms(request, person, request.POST, "engagement")
    form = forms["engagement_form"]
    if form.is_valid():
        try:
            engagement_record(person=person, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The engagement has been recorded."))
            return redirect("collaboration:support_resource", pk=person.pk)
    return _support_page(request, person, forms, status=400)


@role_required(*MANAGERS)
@require_POST
def engagement_remove_view(request, pk: int):
    engagement = Engagement.objects.select_related("person").filter(pk=pk).first()
    if engagement is None:
        raise Http404
    person = selectors.access_support_resource(user=request.user, pk=engagement.person_id)
    engagement_remove(engagement=engagement, by=request.user)
    messages.success(request, _("The engagement has been removed."))
    return redirect("collaboration:support_resource", pk=person.pk)


@role_required(*MANAGERS)
@require_POST
def outcome_set_view(request, pk: int):
    person = selectors.access_support_resource(user=request.user, pk=pk)
    forms = _support_forms(request, person, request.POST, "outcome")
    form = forms["outcome_form"]
    if form.is_valid():
        try:
            outcome_record(person=person, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The outcome has been recorded."))
            return redirect("collaboration:support_resource", pk=person.pk)
    return _support_page(request, person, forms, status=400)


@role_required(*MANAGERS)
@require_POST
def letter_issue_view(request, pk: int):
    person = selectors.access_support_resource(user=request.user, pk=pk)
    forms = _support_forms(request, person, request.POST, "letter")
    form = forms["letter_form"]
    if form.is_valid():
        try:
            letter = reference_letter_issue(
                person=person, programme=form.cleaned_data["programme"], by=request.user
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The reference letter has been issued."))
            return redirect("collaboration:letter_download", pk=letter.pk)
    return _support_page(request, person, forms, status=400)


@role_required(*MANAGERS)
@require_GET
def letter_download_view(request, pk: int):
    letter = ReferenceLetter.objects.select_related("person", "programme").filter(pk=pk).first()
    if letter is None:
        raise Http404
    person = selectors.access_support_resource(user=request.user, pk=letter.person_id)
    log_action(
        action="collaboration.reference_letter.downloaded",
        actor=request.user,
        target=letter,
        municipality_id=person.municipality_id,
    )
    response = HttpResponse(reference_letter_pdf(letter), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="referensbrev-{letter.code}.pdf"'
    return response


@require_GET
def reference_verify_view(request, code: str):
    with scopes_disabled():
        result = reference_verify(code)
    if result is None:
        raise Http404
    return render(request, "collaboration/reference_verify.html", {"result": result, "code": code})


# Competence-supply plans


@role_required(*MANAGERS)
@require_GET
def plan_list_view(request):
    page, query_string = paginate(request, selectors.plan_list(user=request.user))
    return render(
        request, "collaboration/plan_list.html", {"page": page, "query_string": query_string}
    )


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def plan_create_view(request):
    form = PlanForm(
        request.POST or None,
        programmes=programme_list_for(request.user),
        workplaces=selectors.plan_workplaces(user=request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            plan = plan_create(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The plan has been saved as a draft."))
            return redirect("collaboration:plan", pk=plan.pk)
    return render(request, "collaboration/plan_form.html", {"form": form})


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def plan_edit_view(request, pk: int):
    plan = selectors.access_plan(user=request.user, pk=pk)
    initial = {
        "period_start": plan.period_start,
        "period_end": plan.period_end,
        "actions": plan.actions,
    }
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan_update(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The plan has been saved."))
            return redirect("collaboration:plan", pk=plan.pk)
    return render(request, "collaboration/plan_form.html", {"form": form, "plan": plan})


def _need_form(data=None) -> NeedForm:
    courses = Course.objects.filter(status=Course.Status.PUBLISHED).order_by("title")
    return NeedForm(data, courses=courses, prefix="need")


def _plan_step_forms(plan, posted: str = "", data=None) -> dict:
    steps = {
        CompetencePlan.Status.DRAFT: ["adopt"],
        CompetencePlan.Status.ADOPTED: ["follow_up"],
    }.get(plan.status, [])
    if posted and posted not in steps:
        steps.insert(0, posted)
    return {
        step: PLAN_STEP_FORMS[step](data if step == posted else None, prefix=step) for step in steps
    }


def _plan_page(request, plan, *, need_form=None, step_forms=None, status: int = 200):
    return render(
        request,
        "collaboration/plan.html",
        {
            "plan": plan,
            "needs": selectors.plan_needs(plan),
            "need_form": need_form or _need_form(),
            "step_forms": step_forms if step_forms is not None else _plan_step_forms(plan),
            "open": plan.status != CompetencePlan.Status.FOLLOWED_UP,
        },
        status=status,
    )


@role_required(*MANAGERS)
@require_GET
def plan_view(request, pk: int):
    return _plan_page(request, selectors.access_plan(user=request.user, pk=pk))


@role_required(*MANAGERS)
@require_POST
def need_set_view(request, pk: int):
    plan = selectors.access_plan(user=request.user, pk=pk)
    form = _need_form(request.POST)
    if form.is_valid():
        try:
            need_set(plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The need has been saved."))
            return redirect("collaboration:plan", pk=plan.pk)
    return _plan_page(request, plan, need_form=form, status=400)


@role_required(*MANAGERS)
@require_POST
def need_remove_view(request, pk: int):
    need = (
        PlanNeed.objects.select_related("plan__workplace", "staff_category").filter(pk=pk).first()
    )
    if need is None:
        raise Http404
    plan = selectors.access_plan(user=request.user, pk=need.plan_id)
    try:
        need_remove(need=need, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The need has been removed."))
    return redirect("collaboration:plan", pk=plan.pk)


PLAN_STEP_MESSAGES = {
    "adopt": gettext_lazy("The plan has been adopted."),
    "follow_up": gettext_lazy("The follow-up has been recorded."),
}


@role_required(*MANAGERS)
@require_POST
def plan_step_view(request, pk: int, step: str):
    plan = selectors.access_plan(user=request.user, pk=pk)
    if step not in PLAN_STEPS:
        raise Http404
    forms = _plan_step_forms(plan, step, request.POST)
    form = forms[step]
    if form.is_valid():
        try:
            PLAN_STEPS[step](plan=plan, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, PLAN_STEP_MESSAGES[step])
            return redirect("collaboration:plan", pk=plan.pk)
    return _plan_page(request, plan, step_forms=forms, status=400)


# Lessons learned


def _lesson_form(request, data=None, *, lesson=None) -> LessonForm:
    user = request.user
    initial = {}
    if lesson is not None:
        initial = {field: getattr(lesson, field) for field in LESSON_TEXTS}
        initial |= {"workshop": lesson.workshop, "routine": lesson.routine, "course": lesson.course}
    return LessonForm(
        data,
        initial=initial,
        edit=lesson is not None,
        programmes=programme_list_for(user),
        workshops=selectors.workshop_list(user=user),
        routines=selectors.routine_list(user=user).order_by("title"),
        courses=Course.objects.order_by("title"),
    )


def _lesson_data(form: LessonForm) -> dict:
    data = dict(form.cleaned_data)
    data.pop("programme", None)
    return data


@role_required(Role.ADMIN, Role.COORDINATOR, Role.EVALUATOR)
@require_GET
def lesson_list_view(request):
    programmes = programme_list_for(request.user)
    lessons = selectors.lesson_list().filter(programme__in=programmes)
    page, query_string = paginate(request, lessons)
    return render(
        request,
        "collaboration/lesson_list.html",
        {
            "page": page,
            "query_string": query_string,
            "may_write": request.user.is_superuser
            or request.user.has_role(Role.ADMIN, Role.COORDINATOR),
            "editable": {
                lesson.pk for lesson in page.object_list if may_edit_lesson(request.user, lesson)
            },
        },
    )


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def lesson_create_view(request):
    form = _lesson_form(request, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            lesson_create(
                programme=form.cleaned_data["programme"], by=request.user, **_lesson_data(form)
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The lesson has been saved."))
            return redirect("collaboration:lesson_list")
    return render(request, "collaboration/lesson_form.html", {"form": form})


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def lesson_edit_view(request, pk: int):
    lesson = selectors.lesson_list().filter(pk=pk).first()
    if lesson is None or not may_edit_lesson(request.user, lesson):
        raise Http404
    form = _lesson_form(request, request.POST or None, lesson=lesson)
    if request.method == "POST" and form.is_valid():
        try:
            lesson_update(lesson=lesson, by=request.user, **_lesson_data(form))
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The lesson has been saved."))
            return redirect("collaboration:lesson_list")
    return render(request, "collaboration/lesson_form.html", {"form": form, "lesson": lesson})

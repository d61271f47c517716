from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grannar.collaboration import selectors
from grannar.collaboration.forms import (
    STEP_FORMS,
    MeetingForm,
    MemberForm,
    RoutineForm,
    WorkshopForm,
)
from grannar.collaboration.models import GroupMember, PilotWorkshop, Routine
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
from grannar.core.permissions import role_required
from grannar.people.models import Person, Role
from grannar.programmes.models import Municipality
from grannar.programmes.selectors import programme_list_for

MANAGERS = (Role.ADMIN, Role.COORDINATOR)


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

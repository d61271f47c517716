from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from grannar.core.audit import log_action
from grannar.core.pagination import paginate
from grannar.core.permissions import role_required
from grannar.people.forms import PersonForm, PersonSearchForm, WorkplaceForm
from grannar.people.models import Role
from grannar.people.selectors import access_person, access_workplace, person_list
from grannar.people.services import person_create, person_update, workplace_update

MANAGERS = (Role.ADMIN, Role.COORDINATOR)


@role_required(*MANAGERS)
def person_list_view(request):
    form = PersonSearchForm(request.GET or None, user=request.user)
    query, municipality = "", None
    if form.is_valid():
        query = form.cleaned_data["q"]
        municipality = form.cleaned_data["municipality"]
    people = person_list(
        user=request.user, query=query, municipality_id=municipality.pk if municipality else None
    )
    page, query_string = paginate(request, people)
    # Listing people discloses personal data: log how much, never what was searched for.
    log_action(
        action="people.person.listed",
        actor=request.user,
        data={"results": page.paginator.count, "page": page.number},
    )
    context = {"form": form, "page": page, "query_string": query_string}
    template = "people/_person_results.html" if request.htmx else "people/person_list.html"
    return render(request, template, context)


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def person_create_view(request):
    form = PersonForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        person = person_create(
            by=request.user, personnummer=form.personnummer_change(), **form.person_values()
        )
        messages.success(request, _("%(name)s has been added.") % {"name": person.full_name})
        return redirect("people:detail", pk=person.pk)
    return render(request, "people/person_form.html", {"form": form, "person": None})


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def person_detail_view(request, pk: int):
    person = access_person(user=request.user, pk=pk)
    form = PersonForm(request.POST or None, instance=person, user=request.user)
    if request.method == "POST" and form.is_valid():
        changed = person_update(
            person=person,
            by=request.user,
            personnummer=form.personnummer_change(),
            **form.person_values(),
        )
        if changed:
            messages.success(request, _("The changes have been saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("people:detail", pk=person.pk)
    if request.method == "GET":
        log_action(
            action="people.person.viewed",
            actor=request.user,
            target=person,
            municipality_id=person.municipality_id,
        )
    return render(request, "people/person_form.html", {"form": form, "person": person})


@role_required(*MANAGERS)
@require_http_methods(["GET", "POST"])
def workplace_detail_view(request, pk: int):
    workplace = access_workplace(user=request.user, pk=pk)
    form = WorkplaceForm(
        request.POST or None, initial={"organisation_number": workplace.organisation_number}
    )
    if request.method == "POST" and form.is_valid():
        if workplace_update(
            workplace=workplace,
            by=request.user,
            organisation_number=form.cleaned_data["organisation_number"],
        ):
            messages.success(request, _("The changes have been saved."))
        else:
            messages.info(request, _("Nothing was changed."))
        return redirect("people:workplace", pk=workplace.pk)
    return render(request, "people/workplace_form.html", {"form": form, "workplace": workplace})

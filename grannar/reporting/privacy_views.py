"""The admin's pages for personal data over its life: the retention plan and erasure requests."""

from django import forms
from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from grannar.core.permissions import role_required
from grannar.people.models import ErasureRequest, Role
from grannar.reporting.erasure import (
    REASON_MAX,
    ErasureError,
    ErasureRefused,
    access_erasable_person,
    erasure_holds,
    erasure_refuse,
    erasure_request,
    person_erase,
)
from grannar.reporting.retention import retention_plan


class ErasureRequestForm(forms.Form):
    email = forms.EmailField(label=gettext_lazy("The person's e-mail address"))
    reason = forms.CharField(
        label=gettext_lazy("Reason"),
        max_length=REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=gettext_lazy("Why the person is to be erased. Do not write their name."),
    )


class ErasureDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("erase", gettext_lazy("Erase")), ("refuse", gettext_lazy("Refuse"))]
    )
    legal_ground = forms.CharField(
        label=gettext_lazy("Legal ground (only while the funder's retention rules hold)"),
        max_length=REASON_MAX,
        required=False,
    )
    refusal = forms.CharField(
        label=gettext_lazy("Why it is refused"), max_length=REASON_MAX, required=False
    )


@role_required(Role.ADMIN)
@require_GET
def retention_view(request):
    """The plan: every programme's retention rules and what has fallen due today."""
    return render(request, "reporting/retention.html", {"plan": retention_plan()})


def _is_admin(user) -> bool:
    return user.is_superuser or user.has_role(Role.ADMIN)


def _erasure_page(request, *, form=None, problems=None, status: int = 200):
    requests = ErasureRequest.objects.select_related("municipality", "person")
    if not _is_admin(request.user):
        requests = requests.filter(municipality_id__in=request.user.coordinated_municipality_ids)
    pending = [
        (item, erasure_holds(person=item.person))
        for item in requests.filter(status=ErasureRequest.Status.REQUESTED)
    ]
    decided = requests.exclude(status=ErasureRequest.Status.REQUESTED)[:50]
    return render(
        request,
        "reporting/erasure.html",
        {
            "form": form or ErasureRequestForm(),
            "pending": pending,
            "decided": decided,
            "can_decide": _is_admin(request.user),
            "problems": problems or {},
        },
        status=status,
    )


@role_required(Role.ADMIN, Role.COORDINATOR)
def erasure_view(request):
    """Ask for a person to be erased (a coordinator for their own staff); see the requests."""
    form = ErasureRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            person = access_erasable_person(user=request.user, email=form.cleaned_data["email"])
            erasure_request(person=person, by=request.user, reason=form.cleaned_data["reason"])
        except ErasureError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The erasure has been requested; an admin decides."))
            return redirect("reporting:erasure")
    return _erasure_page(request, form=form)


@role_required(Role.ADMIN)
@require_POST
def erasure_decide_view(request, pk: int):
    """An admin carries out or refuses a request."""
    item = get_object_or_404(ErasureRequest, pk=pk)
    form = ErasureDecisionForm(request.POST)
    try:
        if not form.is_valid():
            raise ErasureError(_("Choose to erase or to refuse."))
        data = form.cleaned_data
        if data["decision"] == "erase":
            person_erase(
                person=item.person,
                by=request.user,
                legal_ground=data["legal_ground"],
                request=item,
            )
            messages.success(request, _("The person has been erased."))
        else:
            erasure_refuse(request=item, by=request.user, refusal=data["refusal"])
            messages.success(request, _("The erasure has been refused."))
    except ErasureRefused as refused:
        return _erasure_page(
            request, problems={item.pk: [hold.describe() for hold in refused.holds]}
        )
    except ErasureError as error:
        return _erasure_page(request, problems={item.pk: [str(error)]})
    return redirect("reporting:erasure")

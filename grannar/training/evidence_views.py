"""The auditor's read-only evidence: each session's attendance and the attestations covering it,
and the attestation list as a spreadsheet."""

from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET
from openpyxl import Workbook

from grannar.core.audit import log_action
from grannar.core.pagination import paginate
from grannar.core.permissions import role_required
from grannar.core.spreadsheets import XLSX, workbook_bytes
from grannar.people.models import Person, Role
from grannar.training import selectors
from grannar.training.forms import AttestationFilterForm, EvidenceFilterForm
from grannar.training.models import Session


@role_required(Role.ADMIN, Role.AUDITOR)
@require_GET
def evidence_list_view(request):
    form = EvidenceFilterForm(request.GET or None)
    filters = form.filters()
    page, query_string = paginate(request, selectors.evidence_sessions(**filters))
    person_id = filters.get("person_id")
    person = Person.objects.filter(pk=person_id).first() if person_id else None
    return render(
        request,
        "training/evidence_list.html",
        {"form": form, "page": page, "query_string": query_string, "person": person},
    )


@role_required(Role.ADMIN, Role.AUDITOR)
@require_GET
def evidence_view(request, pk: int):
    session = get_object_or_404(
        Session.objects.select_related("course__programme", "host_municipality"),
        pk=pk,
        starts__lte=timezone.now(),
    )
    evidence = selectors.session_evidence(session)
    log_action(
        action="training.evidence.viewed",
        actor=request.user,
        target=session,
        data={"results": len(evidence["rows"])},
    )
    return render(request, "training/evidence.html", {"session": session, **evidence})


@role_required(Role.ADMIN, Role.AUDITOR)
@require_GET
def attestation_export_view(request):
    form = AttestationFilterForm(request.GET or None)
    rows = selectors.attestation_overview(**form.filters())
    book = Workbook()
    sheet = book.active
    sheet.title = _("Attestations")
    sheet.append(
        [
            _("Participant"),
            _("Municipality"),
            _("Programme"),
            _("Month"),
            _("Sessions attended"),
            _("Whole hours attended"),
            _("Signed"),
            _("Attested hours"),
            _("Attested"),
            _("Statement"),
        ]
    )
    for row in rows:
        attestation = row["attestation"]
        sheet.append(
            [
                row["name"],
                row["municipality"],
                row["programme"],
                f"{row['month']:%Y-%m}",
                row["sessions"],
                row["hours"],
                _("yes") if attestation else _("no"),
                float(attestation.hours) if attestation else None,
                timezone.localtime(attestation.attested).strftime("%Y-%m-%d %H:%M")
                if attestation
                else None,
                attestation.statement if attestation else None,
            ]
        )
    log_action(
        action="training.attestation.exported",
        actor=request.user,
        data={
            "results": len(rows),
            "filters": {key: value for key, value in request.GET.items() if value},
        },
    )
    response = HttpResponse(workbook_bytes(book), content_type=XLSX)
    stamp = timezone.localdate().isoformat()
    response["Content-Disposition"] = f'attachment; filename="narvarointyg-{stamp}.xlsx"'
    return response

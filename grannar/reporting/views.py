from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from grannar.core.audit import log_action
from grannar.core.downloads import attachment, file_name
from grannar.core.permissions import role_required
from grannar.core.spreadsheets import XLSX
from grannar.people.models import Role
from grannar.programmes.selectors import access_programme
from grannar.reporting import reports
from grannar.reporting.documents import style_sources
from grannar.reporting.esf import EXPORTS, check_month, esf_export, esf_file_name
from grannar.reporting.forms import DashboardFilterForm
from grannar.reporting.processing import processing_record
from grannar.reporting.selectors import municipality_choices

TYPES = {"pdf": "application/pdf", "xlsx": XLSX, "html": "text/html; charset=utf-8"}


def _download(content: bytes | str, *, filename: str, fmt: str) -> HttpResponse:
    """The file to save; an HTML report opens in the browser (saving it keeps `filename`)."""
    return attachment(content, filename=filename, content_type=TYPES[fmt], inline=fmt == "html")


def _made_by(user) -> str:
    """Who made a file, as its first sheet says: the person's name, else the account."""
    person = user.person
    return f"{person.first_name} {person.last_name}" if person else user.email


@role_required(Role.ADMIN, Role.AUDITOR, Role.COORDINATOR, Role.EVALUATOR)
@require_GET
def dashboard_view(request, code: str):
    programme = access_programme(user=request.user, code=code)
    form = DashboardFilterForm(request.GET or None, municipalities=municipality_choices(programme))
    filters = form.cleaned_data if form.is_bound and form.is_valid() else {}
    sections = reports.dashboard(
        programme=programme,
        user=request.user,
        start=filters.get("start"),
        end=filters.get("end"),
        municipality_id=filters.get("municipality"),
    )
    return render(
        request,
        "reporting/dashboard.html",
        {
            "programme": programme,
            "form": form,
            "sections": sections,
            "leaving_notes": [note for _id, note in reports.leaving_notes(programme)],
            "full": reports.sees_everything(request.user),
            "exports": [(kind, label) for kind, (label, _name, _make) in EXPORTS.items()],
        },
    )


@role_required(Role.ADMIN, Role.AUDITOR)
@require_GET
def esf_export_view(request, code: str, kind: str):
    programme = access_programme(user=request.user, code=code)
    if kind not in EXPORTS:
        raise Http404
    month = None
    if request.GET.get("month"):
        try:
            month = check_month(request.GET["month"])
        except ValidationError as error:
            messages.error(request, _("Month: %(problem)s") % {"problem": " ".join(error.messages)})
            return redirect("reporting:dashboard", code=programme.code)
    content = esf_export(
        programme=programme,
        kind=kind,
        by=request.user,
        made_by=_made_by(request.user),
        month=month,
    )
    name = esf_file_name(programme=programme, kind=kind, month=month)
    return _download(content, filename=name, fmt="xlsx")


@role_required(Role.ADMIN, Role.AUDITOR)
@require_GET
def summary_view(request, code: str, fmt: str):
    programme = access_programme(user=request.user, code=code)
    if fmt == "xlsx":
        content = reports.summary_xlsx(programme, made_by=_made_by(request.user))
    elif fmt == "pdf":
        content = reports.summary_document(programme).as_pdf()
    else:
        raise Http404
    log_action(
        action="reporting.summary.made", actor=request.user, target=programme, data={"format": fmt}
    )
    name = file_name(_("summary"), programme.code, timezone.localdate(), extension=fmt)
    return _download(content, filename=name, fmt=fmt)


@role_required(Role.ADMIN, Role.AUDITOR)
@require_GET
def final_report_view(request, code: str, fmt: str, short: bool = False):
    """The final report, or with `short` its short version (key figures and recommendations)."""
    programme = access_programme(user=request.user, code=code)
    if fmt not in ("pdf", "html"):
        raise Http404
    document = reports.final_summary(programme) if short else reports.final_report(programme)
    content = document.as_pdf() if fmt == "pdf" else document.as_html()
    log_action(
        action="reporting.final.made",
        actor=request.user,
        target=programme,
        data={"format": fmt, "summary": True} if short else {"format": fmt},
    )
    stem = _("final-report-in-brief") if short else _("final-report")
    name = file_name(stem, programme.code, timezone.localdate(), extension=fmt)
    response = _download(content, filename=name, fmt=fmt)
    if fmt == "html":
        # The page opens in the browser under the site's policy: its own styles are allowed
        # by their hash, nothing else inline.
        response._csp_update = {"style-src": style_sources(content)}
    return response


@role_required(Role.ADMIN, Role.AUDITOR)
@require_GET
def processing_view(request, code: str):
    """The record of processing (art. 30), made from the code and the programme file."""
    programme = access_programme(user=request.user, code=code)
    return render(
        request,
        "reporting/processing.html",
        {"programme": programme, "record": processing_record(programme)},
    )


@role_required(Role.ADMIN, Role.AUDITOR)
@require_GET
def processing_document_view(request, code: str):
    programme = access_programme(user=request.user, code=code)
    content = processing_record(programme).as_pdf()
    name = file_name(
        _("record-of-processing"), programme.code, timezone.localdate(), extension="pdf"
    )
    return _download(content, filename=name, fmt="pdf")

import json

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from grannar.core.audit import ACTION_DESCRIPTIONS, log_action
from grannar.core.downloads import attachment, file_name
from grannar.core.forms import AuditSearchForm
from grannar.core.pagination import paginate
from grannar.core.permissions import role_required
from grannar.core.queue import task_backend_answers, task_backend_name
from grannar.core.selectors import audit_event_list
from grannar.core.spreadsheets import XLSX, csv_bytes, xlsx_bytes
from grannar.people.models import Role
from grannar.people.selectors import programme_admin_emails
from grannar.reporting.own_data import own_data, own_data_log
from grannar.site.forms import AccessibilityReportForm, SitePageForm
from grannar.site.selectors import audit_rows, site_page, start_page_context
from grannar.site.services import accessibility_report_create, site_page_save


@require_GET
@never_cache
def healthz(request):
    """Liveness for load balancers and `make run`: the database answers `SELECT 1` and the task
    queue answers (Redis PING for RQ, cached for a second); 503 when either does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        database = True
    except DatabaseError:
        database = False
    tasks = task_backend_answers(database_ok=database)
    ok = database and tasks
    return JsonResponse(
        {
            "status": "ok" if ok else "error",
            "database": "ok" if database else "unavailable",
            "tasks": "ok" if tasks else "unavailable",
            "task_backend": task_backend_name(),
        },
        status=200 if ok else 503,
    )


@require_POST
def language_view(request):
    """Django's language switch, remembered on the account so that e-mail follows it."""
    response = set_language(request)
    code = request.POST.get("language")
    if request.user.is_authenticated and code in dict(settings.LANGUAGES):
        request.user.language = code
        request.user.save(update_fields=["language"])
    return response


@login_required
def start(request):
    return render(request, "site/start.html", start_page_context(request.user))


@require_GET
def page_view(request, slug: str):
    page = site_page(slug)
    can_edit = request.user.is_authenticated and (
        request.user.is_superuser or request.user.has_role(Role.ADMIN)
    )
    return render(request, "site/page.html", {"page": page, "can_edit": can_edit})


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def page_edit_view(request, slug: str):
    page = site_page(slug)
    form = SitePageForm(request.POST or None, instance=page)
    if request.method == "POST" and form.is_valid():
        site_page_save(
            slug=slug,
            title=form.cleaned_data["title"],
            body=form.cleaned_data["body"],
            by=request.user,
        )
        messages.success(request, _("The page has been saved."))
        return redirect("site:page", slug=slug)
    return render(request, "site/page_edit.html", {"form": form, "page": page})


@require_http_methods(["GET", "POST"])
def accessibility_report_view(request):
    form = AccessibilityReportForm(
        request.POST or None, initial={"page_url": request.GET.get("page", "")}
    )
    if request.method == "POST" and form.is_valid():
        accessibility_report_create(**form.cleaned_data, recipients=programme_admin_emails())
        messages.success(
            request, _("Thank you. Your report has been sent to the programme's administration.")
        )
        return redirect("site:page", slug="tillganglighet")
    return render(request, "site/accessibility_report.html", {"form": form})


def _audit_search(request) -> tuple[AuditSearchForm, dict]:
    form = AuditSearchForm(request.GET or None)
    criteria = form.cleaned_data if form.is_valid() else {}
    return form, {key: value for key, value in criteria.items() if value}


def _audit_page(request, form, criteria: dict, *, status: int = 200):
    page, query_string = paginate(request, audit_event_list(**criteria))
    log_action(action="core.audit_log.listed", actor=request.user, data={"page": page.number})
    context = {
        "form": form,
        "page": page,
        "rows": audit_rows(page.object_list, user=request.user),
        "actions": sorted((code, str(text)) for code, text in ACTION_DESCRIPTIONS.items()),
        "query_string": query_string,
    }
    return render(request, "site/audit_log.html", context, status=status)


@role_required(Role.ADMIN, Role.AUDITOR)
@require_GET
def audit_log_view(request):
    form, criteria = _audit_search(request)
    return _audit_page(request, form, criteria)


@role_required(Role.ADMIN, Role.AUDITOR)
@require_GET
def audit_log_export_view(request, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404
    form, criteria = _audit_search(request)
    if form.is_bound and not form.is_valid():
        return _audit_page(request, form, criteria, status=400)
    rows = audit_rows(audit_event_list(**criteria), user=request.user)
    header = [
        _("Time"),
        _("Action"),
        _("Code"),
        _("Done by"),
        _("Object"),
        _("Municipality"),
        _("Details"),
    ]
    table = [
        [
            timezone.localtime(row["event"].created).strftime("%Y-%m-%d %H:%M:%S"),
            row["description"],
            row["event"].action,
            row["actor"],
            row["target"],
            row["municipality"],
            json.dumps(row["event"].data, ensure_ascii=False) if row["event"].data else "",
        ]
        for row in rows
    ]
    log_action(
        action="core.audit_log.exported",
        actor=request.user,
        data={"format": fmt, "rows": len(table), "filters": sorted(criteria)},
    )
    if fmt == "csv":
        content, content_type = csv_bytes(header, table), "text/csv; charset=utf-8"
    else:
        content, content_type = xlsx_bytes(header, table, title=_("Audit log")), XLSX
    response = HttpResponse(content, content_type=content_type)
    name = _("audit-log")
    filename = f"{name}-{timezone.localdate():%Y-%m-%d}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _own_data(request):
    user = request.user
    person = user.person if user.person_id else None
    return own_data(person=person, user=user)


@login_required
@require_GET
@never_cache
def my_data_view(request):
    """Everything held about the signed-in user, readable, with the downloads (art. 15)."""
    data = _own_data(request)
    own_data_log(data=data, fmt="page", by=request.user)
    return render(request, "site/my_data.html", {"data": data})


@login_required
@require_GET
@never_cache
def my_data_download_view(request, fmt: str):
    """The same as a file: JSON for another service (art. 20) or PDF to keep."""
    if fmt not in ("json", "pdf"):
        raise Http404
    data = _own_data(request)
    if fmt == "json":
        content, content_type = data.as_json(), "application/json; charset=utf-8"
    else:
        content, content_type = data.as_pdf(), "application/pdf"
    own_data_log(data=data, fmt=fmt, by=request.user)
    name = file_name(_("my-data"), timezone.localdate(), extension=fmt)
    return attachment(content, filename=name, content_type=content_type)

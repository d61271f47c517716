from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django.views.i18n import set_language

from grannar.core.audit import log_action
from grannar.core.forms import AuditSearchForm
from grannar.core.pagination import paginate
from grannar.core.permissions import role_required
from grannar.core.selectors import audit_event_list
from grannar.people.models import Role
from grannar.people.selectors import programme_admin_emails
from grannar.site.forms import AccessibilityReportForm, SitePageForm
from grannar.site.selectors import site_page, start_page_context
from grannar.site.services import accessibility_report_create, site_page_save


@require_GET
@never_cache
def healthz(request):
    """Liveness and database reachability for load balancers and `make run`."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


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


@role_required(Role.ADMIN)
@require_GET
def audit_log_view(request):
    form = AuditSearchForm(request.GET or None)
    criteria = form.cleaned_data if form.is_valid() else {}
    events = audit_event_list(**{k: v for k, v in criteria.items() if v})
    page, query_string = paginate(request, events)
    log_action(action="core.audit_log.listed", actor=request.user, data={"page": page.number})
    return render(
        request, "site/audit_log.html", {"form": form, "page": page, "query_string": query_string}
    )

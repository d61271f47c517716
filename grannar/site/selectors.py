"""Reads for the pages at the top: the start page, the site pages and the audit log."""

from collections.abc import Iterable

from django.apps import apps
from django.db.models import Count, Q
from django.http import Http404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grannar.collaboration.selectors import follow_ups_due
from grannar.core.audit import action_description
from grannar.core.models import AuditEvent
from grannar.people.models import Person, Role
from grannar.people.selectors import person_list
from grannar.programmes.models import Municipality, Programme
from grannar.programmes.selectors import programme_list_for
from grannar.reporting.own_data import Column, Section
from grannar.site.models import AccessibilityReport, SitePage
from grannar.site.tools import role_tools


def start_page_context(user) -> dict:
    """What the start page shows: per role held, its figures and the links to its tools."""
    roles = set(user.role_names)
    if user.is_superuser:
        roles.add(Role.ADMIN)
    if user.person_id:
        roles.add(Role.PARTICIPANT)
    programmes = list(programme_list_for(user))
    context: dict = {
        "roles": roles,
        "role_labels": user.role_labels(),
        "programmes": programmes,
        "tools": {role: role_tools(role, programmes) for role in roles},
    }
    if Role.ADMIN in roles:
        context["people_count"] = person_list(user=user).count()
    if Role.COORDINATOR in roles:
        ids = user.coordinated_municipality_ids
        context["coordinated"] = list(
            Municipality.objects.filter(pk__in=ids)
            .annotate(people=Count("person"))
            .order_by("name")
        )
        context["follow_ups_due"] = list(follow_ups_due(user=user))
    if Role.TRAINER in roles:
        context["trained_sessions"] = list(
            user.trained_sessions.select_related("course")
            .filter(ends__gte=timezone.now())
            .order_by("starts")[:10]
        )
    if user.person_id:
        context["own_person"] = (
            Person.objects.select_related("municipality", "workplace", "staff_category")
            .filter(pk=user.person_id)
            .first()
        )
    return context


def site_page(slug: str) -> SitePage:
    """The stored page, or an unsaved one with the default text; 404 for an unknown slug."""
    if slug not in SitePage.Slug.values:
        raise Http404
    page = SitePage.objects.filter(slug=slug).first()
    if page is None:
        page = SitePage(
            slug=slug,
            title=str(SitePage.Slug(slug).label),
            body=render_to_string(f"site/pages/{slug}.txt").strip(),
        )
    return page


# Objects with a page of their own: target type → URL name and the roles that may open it.
_TARGET_PAGES = {
    "people.person": ("people:detail", {Role.ADMIN}),
    "training.session": ("training:session", {Role.ADMIN, Role.AUDITOR}),
    "training.course": ("training:course_edit", {Role.ADMIN}),
    "training.importjob": ("training:import_status", {Role.ADMIN}),
    "evaluation.survey": ("evaluation:survey", {Role.ADMIN}),
    "programmes.programme": ("programmes:overview", {Role.ADMIN, Role.AUDITOR}),
}


def _target_name(target_type: str) -> str:
    try:
        return str(apps.get_model(target_type)._meta.verbose_name).capitalize()
    except (LookupError, ValueError):
        return target_type


def audit_rows(events: Iterable[AuditEvent], *, user) -> list[dict]:
    """The events as the audit log shows them: what was done in words, by whom, on what (with a
    link where the object has a page `user` may open) and in which municipality."""
    events = list(events)
    roles = set(user.role_names) | ({Role.ADMIN} if user.is_superuser else set())
    programme_ids = {
        int(e.target_id)
        for e in events
        if e.target_type == "programmes.programme" and e.target_id.isdigit()
    }
    codes = dict(Programme.objects.filter(pk__in=programme_ids).values_list("pk", "code"))
    municipality_ids = {e.municipality_id for e in events if e.municipality_id}
    municipalities = dict(
        Municipality.objects.filter(pk__in=municipality_ids).values_list("pk", "name")
    )
    rows = []
    for event in events:
        url = ""
        page = _TARGET_PAGES.get(event.target_type)
        if page and roles & page[1] and event.target_id.isdigit():
            key = int(event.target_id)
            if event.target_type == "programmes.programme":
                key = codes.get(key)
            if key is not None:
                url = reverse(page[0], args=[key])
        rows.append(
            {
                "event": event,
                "description": action_description(event.action),
                "actor": event.actor.email if event.actor else _("the system"),
                "target": (
                    f"{_target_name(event.target_type)} {event.target_id}"
                    if event.target_type
                    else ""
                ),
                "target_url": url,
                "municipality": municipalities.get(event.municipality_id, ""),
            }
        )
    return rows


def own_accessibility_reports(person, user) -> Section:
    """The accessibility reports sent with the person's address for a reply (their own data)."""
    addresses = Q(pk__in=[])
    for item in (person, user):
        if item is not None:
            addresses |= Q(reply_to__iexact=item.email)
    rows = [
        {"received": report.created, "page": report.page_url, "description": report.description}
        for report in AccessibilityReport.objects.filter(addresses).order_by("created", "id")
    ]
    return Section(
        key="accessibility_reports",
        title=gettext_lazy("Accessibility reports you sent"),
        rows=rows,
        columns=[
            Column("received", gettext_lazy("Received")),
            Column("page", gettext_lazy("Page")),
            Column("description", gettext_lazy("What is the problem?")),
        ],
    )

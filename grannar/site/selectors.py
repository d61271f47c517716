"""Reads for the pages at the top: the start page and the site pages."""

from django.db.models import Count
from django.http import Http404
from django.template.loader import render_to_string
from django.utils import timezone

from grannar.collaboration.selectors import follow_ups_due
from grannar.people.models import Person, Role
from grannar.people.selectors import person_list
from grannar.programmes.models import Municipality
from grannar.programmes.selectors import programme_list_for
from grannar.site.models import SitePage


def start_page_context(user) -> dict:
    roles = set(user.role_names)
    if user.is_superuser:
        roles.add(Role.ADMIN)
    context: dict = {"roles": roles, "programmes": list(programme_list_for(user))}
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

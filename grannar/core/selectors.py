"""What the start page shows each role; one section per role the user holds."""

from django.db.models import Count

from grannar.people.models import Person, Role
from grannar.people.selectors import person_list
from grannar.programmes.models import Municipality
from grannar.programmes.selectors import programme_list_for


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
    if user.person_id:
        context["own_person"] = (
            Person.objects.select_related("municipality", "workplace", "staff_category")
            .filter(pk=user.person_id)
            .first()
        )
    return context

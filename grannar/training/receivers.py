"""Keep the rollups of the figures when people or programmes change a record they count by;
the signals are sent inside the change's transaction, so the rollups commit with it."""

from django.dispatch import receiver
from django_scopes import scopes_disabled

from grannar.people.models import Person
from grannar.people.signals import person_changed
from grannar.programmes.signals import category_changed, membership_changed
from grannar.training import rollups

# The fields of a person that a figure counts by.
COUNTED_FIELDS = {
    "municipality",
    "workplace",
    "staff_category",
    "support_resource",
    "gender",
    "birth_year",
}


@receiver(person_changed)
def person_rollups(sender, person_ids, fields=(), **kwargs):
    if COUNTED_FIELDS & set(fields):
        rollups.refresh_people(person_ids)


@receiver(membership_changed)
def membership_rollups(sender, programme, municipality_ids, **kwargs):
    for municipality_id in sorted(municipality_ids):
        rollups.refresh_municipality(programme, municipality_id)


@receiver(category_changed)
def category_rollups(sender, category_ids, **kwargs):
    with scopes_disabled():
        people = Person.objects.filter(staff_category_id__in=category_ids).values_list(
            "pk", flat=True
        )
        rollups.refresh_people(list(people))

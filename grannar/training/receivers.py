"""Keep the rollups of the figures when people or programmes change a record they count by;
the signals are sent inside the change's transaction, so the rollups commit with it."""

from django.db.models.signals import post_save
from django.dispatch import receiver
from django_scopes import scopes_disabled

from grannar.people.models import Person
from grannar.people.signals import person_changed
from grannar.programmes.models import Programme
from grannar.programmes.signals import category_changed, membership_changed
from grannar.training import rollups
from grannar.training.models import ProgrammeRollup

# The fields of a person that a figure counts by.
COUNTED_FIELDS = {
    "municipality",
    "workplace",
    "staff_category",
    "support_resource",
    "gender",
    "birth_year",
}


@receiver(post_save, sender=Programme)
def programme_rollups(sender, instance, created, raw=False, **kwargs):
    """A new programme has no attendance: its rollups are built, empty, from the start."""
    if created and not raw:
        ProgrammeRollup.objects.create(programme=instance)


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

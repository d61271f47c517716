"""What the site app does when apps below it report a change."""

from django.dispatch import receiver

from grannar.people.signals import person_erased
from grannar.site.models import AccessibilityReport


@receiver(person_erased)
def forget_erased_reply_address(sender, *, person_id: int, identity: list[str], **kwargs) -> None:
    """An accessibility report keeps its description, not an erased person's reply address."""
    for value in identity:
        if "@" in value:
            AccessibilityReport.objects.filter(reply_to__iexact=value).update(reply_to="")

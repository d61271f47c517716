"""Reads owned by the core app: the audit log."""

import datetime as dt

from django.db.models import QuerySet

from grannar.core.models import AuditEvent


def audit_event_list(
    *,
    action: str = "",
    actor: str = "",
    target: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet:
    """Audit events, newest first, narrowed by any of the given criteria."""
    events = AuditEvent.objects.select_related("actor")
    if action:
        events = events.filter(action__startswith=action.strip())
    if actor:
        events = events.filter(actor__email__iexact=actor.strip())
    if target:
        events = events.filter(target_id=target.strip())
    if since:
        events = events.filter(created__date__gte=since)
    if until:
        events = events.filter(created__date__lte=until)
    return events

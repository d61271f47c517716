"""Reads owned by the core app: the audit log."""

import datetime as dt

from django.db.models import Q, QuerySet

from grannar.core.audit import ACTION_DESCRIPTIONS
from grannar.core.models import AuditEvent


def audit_event_list(
    *,
    action: str = "",
    actor: str = "",
    target: str = "",
    since: dt.date | None = None,
    until: dt.date | None = None,
) -> QuerySet:
    """Audit events, newest first, narrowed by any of the given criteria: `action` is the
    beginning of a code or words of its description, `actor` part of an e-mail address."""
    events = AuditEvent.objects.select_related("actor")
    if action:
        words = action.strip()
        described = [
            code
            for code, description in ACTION_DESCRIPTIONS.items()
            if words.casefold() in str(description).casefold()
        ]
        events = events.filter(Q(action__startswith=words) | Q(action__in=described))
    if actor:
        events = events.filter(actor__email__icontains=actor.strip())
    if target:
        events = events.filter(target_id=target.strip())
    if since:
        events = events.filter(created__date__gte=since)
    if until:
        events = events.filter(created__date__lte=until)
    return events

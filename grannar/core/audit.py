"""The audit log: every state change and every disclosure of personal data goes through here."""

import re
from typing import Any

from django.db import models

from grannar.core.models import AuditEvent

_ACTION = re.compile(r"^[a-z_]+(\.[a-z_]+){2,}$")
# Safety net: free-form details must never carry e-mail addresses or personnummer.
_PERSONAL = re.compile(r"@|\b\d{6,8}[-+]?\d{4}\b")


def check_audit_data(data: Any) -> None:
    """Refuse details that look like personal data; they belong in the object, not the log."""
    if isinstance(data, dict):
        for value in data.values():
            check_audit_data(value)
    elif isinstance(data, list | tuple):
        for value in data:
            check_audit_data(value)
    elif isinstance(data, str) and _PERSONAL.search(data):
        raise ValueError("Audit details must not contain personal data.")


def log_action(
    *,
    action: str,
    actor=None,
    target: models.Model | None = None,
    municipality_id: int | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Record `action` (namespaced, e.g. `people.person.changed`) by `actor` on `target`."""
    if not _ACTION.match(action):
        raise ValueError(f"Audit action {action!r} is not namespaced as app.entity.verb.")
    data = data or {}
    check_audit_data(data)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        municipality_id=municipality_id,
        data=data,
    )

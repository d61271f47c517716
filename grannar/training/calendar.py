"""A person's calendar subscription: a secret address that lists their sessions as iCalendar.

The token is shown once when it is made; only its SHA-256 is stored, so a leaked database
does not open anyone's calendar. Making a new one replaces the old; revoking deletes it.
"""

import datetime as dt
import hashlib
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from grannar.core.audit import log_action
from grannar.people.models import Person, User
from grannar.training.models import CalendarFeed, Registration, Session

# Sessions that ended this long ago still show, so last week's course stays in the calendar.
RECENT = dt.timedelta(days=30)
FEED_STATUSES = (Registration.Status.CONFIRMED, Registration.Status.ATTENDED)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def calendar_feed_create(*, person: Person, by: User) -> str:
    """Make (or remake) `person`'s feed and return its new token; the old one stops working."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        replaced = CalendarFeed.objects.filter(person=person).delete()[0] > 0
        feed = CalendarFeed.objects.create(person=person, token_hash=_digest(token))
        log_action(
            action="training.calendar_feed.created",
            actor=by,
            target=feed,
            municipality_id=person.municipality_id,
            data={"replaced": replaced},
        )
    return token


def calendar_feed_revoke(*, person: Person, by: User) -> bool:
    """Delete `person`'s feed; False when there was none."""
    with transaction.atomic():
        deleted = CalendarFeed.objects.filter(person=person).delete()[0] > 0
        if deleted:
            log_action(
                action="training.calendar_feed.revoked",
                actor=by,
                municipality_id=person.municipality_id,
            )
    return deleted


def calendar_feed_of(*, person_id: int | None) -> CalendarFeed | None:
    if person_id is None:
        return None
    return CalendarFeed.objects.filter(person_id=person_id).first()


def access_calendar_feed(*, token: str) -> Person | None:
    """The person whose feed `token` opens, or None (unknown, revoked or malformed)."""
    if not token or len(token) > 100:
        return None
    feed = CalendarFeed.objects.filter(token_hash=_digest(token)).select_related("person").first()
    return feed.person if feed else None


def feed_sessions(*, person_id: int, now: dt.datetime | None = None) -> QuerySet:
    """The sessions `person_id` has a seat on that are coming or ended recently, by start."""
    now = now or timezone.now()
    return (
        Session.objects.filter(
            registrations__person_id=person_id,
            registrations__status__in=FEED_STATUSES,
            status=Session.Status.SCHEDULED,
            ends__gte=now - RECENT,
        )
        .select_related("course")
        .order_by("starts")
    )

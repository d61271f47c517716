"""The waiting line: freed seats go to those waiting, in order of arrival.

Both the services and the background job that releases reserved seats call these, so they live
apart from the services (a job must not import the services that queue it).
"""

from django.db import transaction

from grannar.core.audit import log_action
from grannar.training import notifications, seats
from grannar.training.models import Registration, Session

Status = Registration.Status


def waitlist_promote(*, session_id: int) -> list[Registration]:
    """Give free seats to the waiting line in order of arrival; must run inside a transaction."""
    seats.release_due_reservations(session_id=session_id)
    promoted = []
    line = (
        Registration.objects.with_scopes_disabled()
        .select_for_update()
        .filter(session_id=session_id, status=Status.WAITLISTED)
        .order_by("queued", "id")
    )
    for registration in line:
        if not seats.has_free_seat(session_id=session_id):
            break
        claimed, reservation = seats.claim_seat(
            session_id=session_id, municipality_id=registration.municipality_id
        )
        if not claimed:
            continue
        registration.status = Status.CONFIRMED
        registration.reservation = reservation
        registration.queued = None
        registration.save(update_fields=["status", "reservation", "queued", "changed"])
        log_action(
            action="training.registration.promoted",
            target=registration,
            municipality_id=registration.municipality_id,
        )
        notifications.registration_promoted(registration)
        promoted.append(registration)
    return promoted


def reservations_release(*, session_id: int) -> int:
    """Release a session's reserved seats if their time has come; promote the waiting line."""
    with transaction.atomic():
        opened = seats.release_due_reservations(session_id=session_id)
        if opened:
            waitlist_promote(session_id=session_id)
            log_action(
                action="training.reservation.released",
                target=Session.objects.get(pk=session_id),
                data={"seats": opened},
            )
    return opened

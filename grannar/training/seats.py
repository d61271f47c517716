"""Seat accounting: every claim and release is one conditional UPDATE of a counter.

The session row's counters (`seats_taken`, `reserved_free`) and each reservation's
`seats_taken` change only here. Each change is a single UPDATE whose WHERE clause is the
availability check, so two registrations can never both take the last seat, on SQLite or
PostgreSQL; the CHECK constraints on the tables are the last line of defence.
"""

from django.db import connection
from django.db.models import F
from django.utils import timezone

from grannar.training.models import SeatReservation, Session

# Test-only switch: False replaces the conditional update by a read-then-write, so that the
# concurrency test can show that it is the guard that prevents overbooking.
SEAT_GUARD = True


def seen_counts(session_id: int) -> tuple[int, int, int] | None:
    """With the guard off: the counters as a naive caller reads them before its transaction."""
    if SEAT_GUARD:
        return None
    return Session.objects.filter(pk=session_id).values_list(
        "seats_taken", "capacity", "reserved_free"
    )[0]


def claim_seat(
    *,
    session_id: int,
    municipality_id: int,
    seen: tuple[int, int, int] | None = None,
    reservations: bool = True,
) -> tuple[bool, SeatReservation | None]:
    """Take a seat for someone from `municipality_id`: a reserved one first, else a free one.

    Returns (claimed, reservation the seat came from). `reservations=False` skips the look-up
    for a session known to have none; `seen` is only for the unguarded control.
    """
    reservation = reservations and (
        SeatReservation.objects.filter(
            session_id=session_id,
            municipality_id=municipality_id,
            released=False,
            seats_taken__lt=F("seats"),
        )
        .only("id")
        .first()
    )
    if reservation:
        claimed = SeatReservation.objects.filter(
            pk=reservation.pk, released=False, seats_taken__lt=F("seats")
        ).update(seats_taken=F("seats_taken") + 1)
        if claimed:
            Session.objects.filter(pk=session_id).update(
                seats_taken=F("seats_taken") + 1, reserved_free=F("reserved_free") - 1
            )
            return True, reservation
    if not SEAT_GUARD and seen is not None:
        return _claim_unguarded(session_id, seen), None
    with connection.cursor() as cursor:
        cursor.execute(_CLAIM_FREE_SEAT, [session_id])
        claimed = cursor.rowcount
    return bool(claimed), None


# The claim every registration makes, written out: it runs for every press of "Anmäl mig",
# and building it through the ORM took longer than running it.
_CLAIM_FREE_SEAT = """UPDATE "training_session" SET "seats_taken" = "seats_taken" + 1
 WHERE "id" = %s AND "seats_taken" < "capacity" - "reserved_free"
"""


def _claim_unguarded(session_id: int, seen: tuple[int, int, int]) -> bool:
    # The naive way: decide on what was read earlier, write back. Concurrent callers read
    # the same count, and each writes the same new value.
    seats_taken, capacity, reserved = seen
    if seats_taken >= capacity - reserved:
        return False
    Session.objects.filter(pk=session_id).update(seats_taken=seats_taken + 1)
    return True


def free_seat(*, session_id: int, reservation_id: int | None) -> None:
    """Give back a seat: to its municipality while the reservation holds, else to everyone."""
    if reservation_id is not None:
        back_to_reservation = SeatReservation.objects.filter(
            pk=reservation_id, released=False
        ).update(seats_taken=F("seats_taken") - 1)
        if back_to_reservation:
            Session.objects.filter(pk=session_id).update(
                seats_taken=F("seats_taken") - 1, reserved_free=F("reserved_free") + 1
            )
            return
        SeatReservation.objects.filter(pk=reservation_id).update(seats_taken=F("seats_taken") - 1)
    Session.objects.filter(pk=session_id).update(seats_taken=F("seats_taken") - 1)


def release_due_reservations(*, session_id: int) -> int:
    """Open reserved seats to everyone once the session's release time has come.

    Returns how many seats became free for everyone.
    """
    session = Session.objects.filter(pk=session_id).values("reservations_release_at").first()
    release_at = session and session["reservations_release_at"]
    if release_at is None or release_at > timezone.now():
        return 0
    opened = 0
    for reservation in SeatReservation.objects.select_for_update().filter(
        session_id=session_id, released=False
    ):
        if SeatReservation.objects.filter(pk=reservation.pk, released=False).update(released=True):
            free = reservation.seats - reservation.seats_taken
            Session.objects.filter(pk=session_id).update(reserved_free=F("reserved_free") - free)
            opened += free
    return opened


def has_free_seat(*, session_id: int, municipality_id: int | None = None) -> bool:
    """Whether a claim could succeed now (for the waiting line, which then claims for real)."""
    session = Session.objects.filter(pk=session_id).values(
        "capacity", "seats_taken", "reserved_free"
    )[0]
    if session["seats_taken"] < session["capacity"] - session["reserved_free"]:
        return True
    reservations = SeatReservation.objects.filter(
        session_id=session_id, released=False, seats_taken__lt=F("seats")
    )
    if municipality_id is not None:
        reservations = reservations.filter(municipality_id=municipality_id)
    return reservations.exists()

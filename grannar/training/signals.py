"""What training tells other apps, after commit, without knowing who listens."""

from array import array

from django.dispatch import Signal

# Sent with `registration_ids` when attendance has been recorded (present) and committed.
attendance_recorded = Signal()
# A large import records attendance for many registrations: listeners hear of them in batches.
RECORDED_BATCH = 5000


def attendance_recorded_after_commit(registration_ids) -> None:
    from django.db import transaction

    from grannar.training.models import Registration

    if len(registration_ids):
        ids = array("q", registration_ids)  # eight bytes an id until the commit

        def send() -> None:
            for start in range(0, len(ids), RECORDED_BATCH):
                attendance_recorded.send(
                    sender=Registration,
                    registration_ids=ids[start : start + RECORDED_BATCH].tolist(),
                )

        transaction.on_commit(send)

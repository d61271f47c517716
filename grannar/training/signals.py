"""What training tells other apps, after commit, without knowing who listens."""

from django.dispatch import Signal

# Sent with `registration_ids` when attendance has been recorded (present) and committed.
attendance_recorded = Signal()


def attendance_recorded_after_commit(registration_ids: list[int]) -> None:
    from django.db import transaction

    from grannar.training.models import Registration

    if registration_ids:
        ids = list(registration_ids)
        transaction.on_commit(
            lambda: attendance_recorded.send(sender=Registration, registration_ids=ids)
        )

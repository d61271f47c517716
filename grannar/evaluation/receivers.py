"""Evaluation listens to training: recorded attendance brings the after-session survey."""

from django.dispatch import receiver

from grannar.training.signals import attendance_recorded


@receiver(attendance_recorded)
def invite_to_reaction_survey(sender, registration_ids: list[int], **kwargs) -> None:
    from grannar.evaluation.tasks import invite_after_attendance

    invite_after_attendance.enqueue(registration_ids=registration_ids)

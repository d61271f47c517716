from django.db.models import F, Q
from django_scopes import scopes_disabled
from django_tasks import task

from grannar.evaluation.models import Survey
from grannar.evaluation.services import invitations_create
from grannar.training.models import Registration


@task()
def invite_after_attendance(*, registration_ids: list[int]) -> int:
    """Invite who attended to the open reaction survey of their course (or, failing that, of
    the programme). Someone already invited is not invited again."""
    invited = 0
    with scopes_disabled():
        registrations = Registration.objects.filter(
            pk__in=registration_ids, status=Registration.Status.ATTENDED
        ).select_related("session__course", "person")
        for registration in registrations:
            course = registration.session.course
            if course.programme_id is None:
                continue
            survey = (
                Survey.objects.filter(
                    programme_id=course.programme_id,
                    phase=Survey.Phase.REACTION,
                    status=Survey.Status.OPEN,
                )
                .filter(Q(course=course) | Q(course__isnull=True))
                # A course's own survey before the programme's.
                .order_by(F("course_id").asc(nulls_last=True))
                .first()
            )
            if survey is not None:
                invited += invitations_create(survey=survey, people=[registration.person], by=None)
    return invited

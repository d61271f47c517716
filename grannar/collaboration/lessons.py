"""Lessons learned ("what can we learn?"): short structured entries on a programme, optionally
tied to a workshop, a routine or a course."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grannar.collaboration.models import Lesson, PilotWorkshop, Routine
from grannar.core.audit import log_action
from grannar.people.models import Role, User
from grannar.programmes.models import Programme
from grannar.training.models import Course

TEXT_FIELDS = ("title", "context", "what_we_did", "what_happened", "recommendation")


def _check(
    programme: Programme,
    texts: dict[str, str],
    workshop: PilotWorkshop | None,
    routine: Routine | None,
    course: Course | None,
) -> dict[str, str]:
    labels = {
        "title": _("Title"),
        "context": _("Context"),
        "what_we_did": _("What we did"),
        "what_happened": _("What happened"),
        "recommendation": _("Recommendation"),
    }
    cleaned = {name: (texts.get(name) or "").strip() for name in TEXT_FIELDS}
    for name, value in cleaned.items():
        if not value:
            raise ValidationError(_("%(field)s: fill this in.") % {"field": labels[name]})
    if workshop is not None and workshop.programme_id != programme.pk:
        raise ValidationError(_("Pilot workshop: choose a workshop of the programme."))
    if routine is not None:
        if routine.workshop.programme_id != programme.pk:
            raise ValidationError(_("Routine: choose a routine of the programme."))
        if workshop is not None and routine.workshop_id != workshop.pk:
            raise ValidationError(_("Routine: choose a routine of the chosen workshop."))
    if course is not None and course.programme_id not in (None, programme.pk):
        raise ValidationError(_("Course: choose a course of the programme or the catalogue."))
    return cleaned


def may_edit_lesson(user: User, lesson: Lesson) -> bool:
    """Admins edit every lesson; a coordinator the lessons they wrote."""
    if user.is_superuser or user.has_role(Role.ADMIN):
        return True
    return user.has_role(Role.COORDINATOR) and lesson.created_by_id == user.pk


@transaction.atomic
def lesson_create(
    *,
    programme: Programme,
    workshop: PilotWorkshop | None = None,
    routine: Routine | None = None,
    course: Course | None = None,
    by: User | None,
    **texts: str,
) -> Lesson:
    """Write down a lesson learned."""
    cleaned = _check(programme, texts, workshop, routine, course)
    lesson = Lesson.objects.create(
        programme=programme,
        workshop=workshop,
        routine=routine,
        course=course,
        created_by=by if by is not None and by.is_authenticated else None,
        **cleaned,
    )
    log_action(action="collaboration.lesson.created", actor=by, target=lesson)
    return lesson


@transaction.atomic
def lesson_update(
    *,
    lesson: Lesson,
    workshop: PilotWorkshop | None = None,
    routine: Routine | None = None,
    course: Course | None = None,
    by: User | None,
    **texts: str,
) -> Lesson:
    """Change a lesson's text and what it is tied to."""
    cleaned = _check(lesson.programme, texts, workshop, routine, course)
    for name, value in cleaned.items():
        setattr(lesson, name, value)
    lesson.workshop, lesson.routine, lesson.course = workshop, routine, course
    lesson.save()
    log_action(action="collaboration.lesson.changed", actor=by, target=lesson)
    return lesson

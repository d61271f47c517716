"""Survey data at the end of its life: what a retention rule disposes of, and the free text an
erasure clears. Scored answers of an erased person stay, under the record's pseudonym."""

from django.db.models import Q, QuerySet

from grannar.evaluation.models import Answer, Invitation, Question, Response, Survey
from grannar.evaluation.services import pseudonym
from grannar.people.models import Person
from grannar.programmes.models import Programme


def responses(*, programme: Programme) -> QuerySet[Response]:
    return Response.objects.filter(survey__programme=programme)


def responses_delete(*, programme: Programme, ids: list[int]) -> int:
    """Dispose of survey responses (their answers go with them) and of the invitations that
    tied people to the programme's surveys. Returns the responses deleted."""
    Invitation.objects.filter(survey__programme=programme).delete()
    deleted = Response.objects.filter(pk__in=ids).count()
    Answer.objects.filter(response_id__in=ids).delete()
    Response.objects.filter(pk__in=ids).delete()
    return deleted


def free_text(*, programme: Programme | None = None) -> QuerySet[Answer]:
    """Free-text answers that still hold text."""
    answers = Answer.objects.filter(question__kind=Question.Kind.TEXT).exclude(text="")
    if programme is not None:
        answers = answers.filter(response__survey__programme=programme)
    return answers


def free_text_clear(*, ids: list[int]) -> int:
    return Answer.objects.filter(pk__in=ids).update(text="")


def person_free_text_clear(*, person: Person) -> int:
    """Clear the free text of the person's own responses: named ones, and pseudonymous ones
    found through the keyed hash. Anonymous responses cannot be tied to anyone."""
    surveys = Survey.objects.filter(mode=Survey.Mode.PSEUDONYMOUS).values_list(
        "pk", "programme_id", "series"
    )
    hashes = {
        pseudonym(programme_id=programme_id, series=series or f"survey-{pk}", person_id=person.pk)
        for pk, programme_id, series in surveys
    }
    own = Q(response__person=person)
    if hashes:
        own |= Q(response__pseudonym__in=hashes)
    return free_text_clear(ids=list(free_text().filter(own).values_list("pk", flat=True)))

"""Changes to surveys, invitations and responses; each in one transaction, audited without
saying who answered what."""

import re

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from grannar.core.audit import log_action
from grannar.evaluation.models import (
    MOMENT_NAMES,
    Answer,
    Invitation,
    Question,
    Response,
    Section,
    Survey,
    new_token,
    token_hash,
)
from grannar.evaluation.notifications import schedule_reminders, send_invitation
from grannar.evaluation.templates import DEFAULT_SERIES, MOMENTS, NO_CHILD_DATA, template_sections
from grannar.people.models import Person


class SurveyError(Exception):
    """Something the rules do not allow; the message says why."""


def pseudonym(*, programme_id: int, series: str, person_id: int) -> str:
    """A keyed hash that is the same for one person across a series' surveys, and says nothing
    about who they are without the key."""
    value = f"{programme_id}:{series}:{person_id}"
    return salted_hmac(
        "grannar.evaluation.pseudonym",
        value,
        secret=settings.GRANNAR_PSEUDONYM_KEY,
        algorithm="sha256",
    ).hexdigest()


def default_series(*, template: str, mode: str) -> str:
    """The series a new survey joins when none is given: the templates' own for a before, after
    or follow-up survey that keeps who answered; none otherwise."""
    return DEFAULT_SERIES if template in MOMENTS and mode != Survey.Mode.ANONYMOUS else ""


SERIES_PATTERN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SERIES_LENGTH = 60


def check_series(*, programme, series: str, phase: str, mode: str, survey=None) -> None:
    """A series links one before, one after and one follow-up survey of one programme whose
    answers keep who answered, all in the same mode; SurveyError says what is wrong. `survey`
    is the survey that moves, when an existing one does."""
    if not series:
        return
    if len(series) > SERIES_LENGTH or not SERIES_PATTERN.fullmatch(series):
        raise SurveyError(
            _(
                "A series is at most %(length)s characters: lowercase letters a–z, digits and "
                "single hyphens between them, such as “kompetens-2025”."
            )
            % {"length": SERIES_LENGTH}
        )
    if phase not in MOMENTS:
        raise SurveyError(_("Only before, after and follow-up surveys belong to a series."))
    if mode == Survey.Mode.ANONYMOUS:
        raise SurveyError(
            _("An anonymous survey cannot be linked to other surveys: leave the series empty.")
        )
    # Anonymous answers cannot pair, so an anonymous survey never holds a place in a series.
    others = Survey.objects.filter(programme=programme, series=series).exclude(
        mode=Survey.Mode.ANONYMOUS
    )
    if survey is not None:
        others = others.exclude(pk=survey.pk)
    taken = others.filter(phase=phase).first()
    if taken is not None:
        raise SurveyError(
            _(
                "The series “%(series)s” already has a survey for the moment %(moment)s: "
                "“%(title)s”."
            )
            % {"series": series, "moment": MOMENT_NAMES[phase], "title": taken.title}
        )
    other_mode = others.exclude(mode=mode).first()
    if other_mode is not None:
        raise SurveyError(
            _(
                "The series “%(series)s” is %(mode)s (“%(title)s”); a survey in it must be too, "
                "or its answers will not pair up."
            )
            % {"series": series, "mode": other_mode.get_mode_display(), "title": other_mode.title}
        )


def survey_create_from_template(
    *,
    programme,
    template: str,
    mode: str,
    by,
    course=None,
    closes=None,
    series: str | None = None,
) -> Survey:
    """A new draft survey with the template's sections and questions, in `series` (by default
    the template's own for a before, after or follow-up survey that keeps who answered)."""
    fields, sections = template_sections(template, programme.subgoals.all())
    fields["series"] = default_series(template=template, mode=mode) if series is None else series
    subgoals = {goal.number: goal for goal in programme.subgoals.all()}
    with transaction.atomic():
        check_series(programme=programme, series=fields["series"], phase=template, mode=mode)
        survey = Survey.objects.create(
            programme=programme,
            course=course,
            phase=template,
            mode=mode,
            closes=closes,
            intro=f"{_sv_intro(template)} {NO_CHILD_DATA['sv']}",
            intro_en=NO_CHILD_DATA["en"],
            **fields,
        )
        for order, spec in enumerate(sections):
            section = Section.objects.create(
                survey=survey, order=order, title=spec["sv"], title_en=spec["en"]
            )
            for position, question in enumerate(spec["questions"]):
                Question.objects.create(
                    section=section,
                    order=position,
                    code=question["code"],
                    kind=question["kind"],
                    text=question["sv"],
                    text_en=question["en"],
                    choices=question.get("choices", []),
                    scale_labels=question.get("scale", {}),
                    subgoal=subgoals.get(question.get("subgoal")),
                )
        log_action(
            action="evaluation.survey.created",
            actor=by,
            target=survey,
            data={"template": template, "mode": mode, "series": survey.series},
        )
    return survey


def _sv_intro(template: str) -> str:
    return {
        "reaction": "Tack för att du deltog. Det tar två minuter att svara.",
        "before": "Innan utbildningen vill vi veta hur du ser på din kompetens i dag.",
        "after": "Nu när utbildningen är klar vill vi veta hur du ser på din kompetens.",
        "followup": "Några månader har gått sedan utbildningen. Hur har det gått?",
        "organisation": "Till dig som är chef: hur har din enhet förändrats?",
    }.get(template, "")


def survey_set_series(*, survey: Survey, series: str, by) -> Survey:
    """Move a survey to another series (or none). Only before anyone has answered: the
    pseudonyms of its answers are keyed on the series."""
    with transaction.atomic():
        survey = Survey.objects.select_for_update().select_related("programme").get(pk=survey.pk)
        if Response.objects.filter(survey=survey).exists():
            raise SurveyError(
                _(
                    "The series cannot change once someone has answered: the answers are "
                    "linked through it."
                )
            )
        check_series(
            programme=survey.programme,
            series=series,
            phase=survey.phase,
            mode=survey.mode,
            survey=survey,
        )
        Survey.objects.filter(pk=survey.pk).update(series=series)
        survey.series = series
        log_action(
            action="evaluation.survey.series_changed",
            actor=by,
            target=survey,
            data={"series": series},
        )
    return survey


def survey_set_status(*, survey: Survey, status: str, by) -> Survey:
    """Open or close a survey. Only a survey with questions can open."""
    if status == Survey.Status.OPEN and not Question.objects.filter(section__survey=survey):
        raise SurveyError(_("A survey needs at least one question before it can open."))
    with transaction.atomic():
        Survey.objects.filter(pk=survey.pk).update(status=status)
        survey.status = status
        log_action(
            action=f"evaluation.survey.{status}", actor=by, target=survey, data={"status": status}
        )
    if status == Survey.Status.OPEN:
        transaction.on_commit(lambda: schedule_reminders(survey))
    return survey


def question_save(*, form, by) -> Question:
    """Add or change a question (validated by QuestionForm), in a chosen or a new section."""
    survey = form.survey
    with transaction.atomic():
        question = form.save(commit=False)
        section = form.cleaned_data["section"]
        if section is None:
            last = survey.sections.order_by("-order").first()
            section = Section.objects.create(
                survey=survey,
                order=(last.order + 1) if last else 0,
                title=form.cleaned_data["new_section"].strip(),
                title_en=form.cleaned_data["new_section_en"].strip(),
            )
        if not question.pk or question.section_id != section.pk:
            last = section.questions.order_by("-order").first()
            question.order = (last.order + 1) if last else 0
        question.section = section
        question.save()
        log_action(
            action="evaluation.question.saved",
            actor=by,
            target=survey,
            data={"question": question.code},
        )
    return question


def invitations_create(*, survey: Survey, people, by) -> int:
    """Invite `people` (each once per survey) and e-mail them their link after commit."""
    if survey.status != Survey.Status.OPEN:
        raise SurveyError(_("Only an open survey can send invitations."))
    made = 0
    for person in people:
        token = new_token()
        try:
            with transaction.atomic():
                invitation = Invitation.objects.create(
                    survey=survey, person=person, token_hash=token_hash(token), sent=timezone.now()
                )
        except IntegrityError:
            continue  # already invited
        made += 1
        transaction.on_commit(
            lambda i=invitation.pk, t=token: send_invitation(invitation_id=i, token=t)
        )
    log_action(
        action="evaluation.invitations.sent", actor=by, target=survey, data={"invited": made}
    )
    return made


def access_invitation(token: str) -> Invitation:
    """The invitation behind a link, whatever its state; SurveyError if there is none."""
    invitation = (
        Invitation.objects.select_related("survey__programme", "person")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        raise SurveyError(_("This link is not valid."))
    return invitation


def check_answerable(invitation: Invitation) -> None:
    survey = invitation.survey
    if invitation.used:
        raise SurveyError(_("This link has already been used. Thank you for your answer!"))
    if survey.status != Survey.Status.OPEN:
        raise SurveyError(_("The survey is not open."))
    if survey.closes and survey.closes < timezone.now():
        raise SurveyError(_("The survey has closed."))


def new_response(*, survey: Survey, person: Person, on) -> Response:
    """An unsaved response of `person`, keeping only what the survey's mode allows: the person
    (named), a pseudonym (pseudonymous) or nothing (anonymous); the respondent's municipality,
    category and sector for breakdowns; the workplace only for the managers' survey."""
    category = person.staff_category
    return Response(
        survey=survey,
        person=person if survey.mode == Survey.Mode.NAMED else None,
        pseudonym=(
            pseudonym(
                programme_id=survey.programme_id,
                series=survey.series or f"survey-{survey.pk}",
                person_id=person.pk,
            )
            if survey.mode == Survey.Mode.PSEUDONYMOUS
            else ""
        ),
        municipality_id=person.municipality_id,
        staff_category=category,
        sector_id=category.sector_id if category else None,
        workplace_id=person.workplace_id if survey.phase == Survey.Phase.ORGANISATION else None,
        submitted=on,
    )


def response_submit(*, token: str, answers: dict[str, object]) -> Response:
    """Store one answer per link. What identity is kept depends on the survey's mode."""
    with transaction.atomic():
        found = access_invitation(token)
        invitation = Invitation.objects.select_for_update().get(pk=found.pk)
        invitation.survey = found.survey
        invitation.person = found.person
        check_answerable(invitation)
        survey = invitation.survey
        person: Person = invitation.person
        response = new_response(survey=survey, person=person, on=timezone.localdate())
        response.save()
        questions = {q.code: q for q in Question.objects.filter(section__survey=survey)}
        rows = []
        for code, value in answers.items():
            question = questions.get(code)
            if question is None or value in (None, "", []):
                continue
            rows.append(_answer(response, question, value))
        Answer.objects.bulk_create(rows)
        invitation.used = True
        invitation.save(update_fields=["used"])
        # The audit entry names the survey only: not the invitation, person or response.
        log_action(action="evaluation.response.submitted", target=survey)
    return response


def _answer(response: Response, question: Question, value) -> Answer:
    if question.kind in (Question.Kind.LIKERT, Question.Kind.NUMBER):
        return Answer(response=response, question=question, number=value)
    if question.kind == Question.Kind.MULTIPLE:
        return Answer(response=response, question=question, choices=list(value))
    if question.kind == Question.Kind.SINGLE:
        return Answer(response=response, question=question, choices=[value])
    return Answer(response=response, question=question, text=str(value))

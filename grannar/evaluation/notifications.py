"""Invitations and reminders by e-mail. Only a token's hash is stored, so a reminder gives the
person a new link (the old one stops working)."""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django_tasks import task

from grannar.core.tasks import send_email
from grannar.evaluation.models import Invitation, Survey, new_token, token_hash


def _language(person) -> str:
    user = getattr(person, "user", None)
    return user.language if user is not None and user.language in ("sv", "en") else "sv"


def send_invitation(*, invitation_id: int, token: str, reminder: bool = False) -> None:
    """Queue the e-mail with the person's link (called after commit)."""
    invitation = Invitation.objects.select_related("survey", "person").get(pk=invitation_id)
    person = invitation.person
    with translation.override(_language(person)):
        context = {
            "survey": invitation.survey,
            "url": f"{settings.GRANNAR_SITE_URL}{reverse('survey_answer', args=[token])}",
            "reminder": reminder,
        }
        subject, body = (
            render_to_string("evaluation/email/invitation.txt", context).strip().split("\n", 1)
        )
    # One e-mail per link: the key names the token by (a part of) its stored hash.
    send_email.enqueue(
        subject=subject.strip(),
        body=body.strip(),
        to=[person.email],
        key=f"evaluation.invitation:{invitation_id}:{token_hash(token)[:16]}",
    )


@task()
def send_survey_reminders(*, survey_id: int) -> int:
    """Remind everyone who has not answered yet, once, with a fresh link."""
    survey = Survey.objects.filter(pk=survey_id, status=Survey.Status.OPEN).first()
    if survey is None or (survey.closes and survey.closes < timezone.now()):
        return 0
    reminded = 0
    pending = Invitation.objects.filter(survey=survey, used=False, reminded__isnull=True)
    for invitation_id in pending.values_list("pk", flat=True):
        token = new_token()
        with transaction.atomic():
            changed = Invitation.objects.filter(
                pk=invitation_id, used=False, reminded__isnull=True
            ).update(token_hash=token_hash(token), reminded=timezone.now())
            if changed:
                reminded += 1
                transaction.on_commit(
                    lambda i=invitation_id, t=token: send_invitation(
                        invitation_id=i, token=t, reminder=True
                    )
                )
    return reminded


def schedule_reminders(survey: Survey) -> None:
    """Queue the reminder for `remind_days` before the survey closes."""
    if survey.closes is None or not send_survey_reminders.get_backend().supports_defer:
        return
    run_after = survey.closes - dt.timedelta(days=survey.remind_days)
    send_survey_reminders.using(run_after=max(run_after, timezone.now())).enqueue(
        survey_id=survey.pk
    )

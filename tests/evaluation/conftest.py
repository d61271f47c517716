import re

import pytest
from django.core import mail

from grannar.evaluation.models import Survey
from grannar.evaluation.services import (
    invitations_create,
    survey_create_from_template,
    survey_set_status,
)
from tests.factories import make_person


def open_survey(world, template: str, mode: str, **extra) -> Survey:
    survey = survey_create_from_template(
        programme=world["programme"],
        template=template,
        mode=mode,
        by=world["users"]["admin"],
        **extra,
    )
    return survey_set_status(survey=survey, status=Survey.Status.OPEN, by=world["users"]["admin"])


def invite(survey, people, world, django_capture_on_commit_callbacks) -> list[str]:
    """Invite `people`; return their one-time tokens, read from the e-mails as a person would."""
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        invitations_create(survey=survey, people=people, by=world["users"]["admin"])
    tokens = {}
    for message in mail.outbox:
        tokens[message.to[0]] = re.search(r"/s/([\w-]+)/", message.body).group(1)
    return [tokens[p.email] for p in people]


@pytest.fixture
def staff(world, no_scope):
    """Eight people in Mölndal and two in Partille."""
    return [make_person(municipality=world["own"]) for _ in range(8)] + [
        make_person(municipality=world["other"]) for _ in range(2)
    ]

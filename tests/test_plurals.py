"""Counted messages take the right form for one and for several ("1 inbjudan skickad",
"2 inbjudningar skickade"), and no message builds a count into a singular-only text."""

import ast
import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from grannar.core.plurals import plural_count
from grannar.training.selectors import attestation_statement
from grannar.training.services import registration_create, session_change_capacity
from tests.evaluation.conftest import open_survey
from tests.factories import make_person, make_session, sign_in

SOURCE = Path(__file__).resolve().parents[1] / "grannar"
GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "pgettext_lazy"}
COUNTED = re.compile(r"%\((count|counter|n)\)[sd]|\{(count|counter|n)\}")


def test_no_singular_only_message_carries_a_count():
    found = []
    for path in SOURCE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") in GETTEXT:
                for arg in node.args:
                    if isinstance(arg, ast.Constant) and COUNTED.search(str(arg.value)):
                        found.append(f"{path.relative_to(SOURCE)}:{node.lineno}")
    for path in SOURCE.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for block in re.findall(
            r"\{% blocktranslate(?! count)[^%]*%\}(.*?)\{% endblocktrans", text, re.S
        ):
            if re.search(r"\{\{ ?(count|counter|n) ?\}\}", block):
                found.append(str(path.relative_to(SOURCE)))
    assert not found, found


# (singular, plural, values, Swedish for 1, Swedish for 2)
MESSAGES = [
    (
        "%(count)s invitation sent.",
        "%(count)s invitations sent.",
        {},
        "1 inbjudan skickad.",
        "2 inbjudningar skickade.",
    ),
    (
        "The session is cancelled; %(count)s registered person is told by e-mail.",
        "The session is cancelled; %(count)s registered people are told by e-mail.",
        {},
        "Tillfället är inställt; 1 anmäld meddelas per e-post.",
        "Tillfället är inställt; 2 anmälda meddelas per e-post.",
    ),
    (
        "%(count)s person registered with a seat",
        "%(count)s people registered with a seat",
        {},
        "1 person anmäld med plats",
        "2 personer anmälda med plats",
    ),
    (
        "%(count)s person on the waiting list",
        "%(count)s people on the waiting list",
        {},
        "1 person på reservlistan",
        "2 personer på reservlistan",
    ),
    ("%(count)s created", "%(count)s created", {}, "1 ny", "2 nya"),
    ("%(count)s updated", "%(count)s updated", {}, "1 ändrad", "2 ändrade"),
    ("%(count)s unchanged", "%(count)s unchanged", {}, "1 oförändrad", "2 oförändrade"),
    (
        "Demo (%(scale)s) for %(code)s: %(people)s person added.",
        "Demo (%(scale)s) for %(code)s: %(people)s people added.",
        {"scale": "small", "code": "x"},
        "Demo (small) för x: 1 person tillagd.",
        "Demo (small) för x: 2 personer tillagda.",
    ),
    (
        "row %(row)s, column capacity: %(taken)s seat is already taken; capacity kept at %(taken)s",
        "row %(row)s, column capacity: %(taken)s seats are already taken; "
        "capacity kept at %(taken)s",
        {"row": 4},
        "rad 4, kolumn capacity: 1 plats är redan tagen; antalet platser behålls på 1",
        "rad 4, kolumn capacity: 2 platser är redan tagna; antalet platser behålls på 2",
    ),
]


@pytest.mark.parametrize(("singular", "plural", "values", "one", "two"), MESSAGES)
def test_counted_messages_in_swedish_for_one_and_two(singular, plural, values, one, two):
    with translation.override("sv"):
        for n, expected in ((1, one), (2, two)):
            names = {"count": n, "people": n, "taken": n, **values}
            assert ngettext(singular, plural, n) % names == expected


def test_decimal_amounts_are_singular_only_at_exactly_one():
    assert [plural_count(v) for v in (1, Decimal("1.00"), Decimal("1.5"), 0, 2, None)] == [
        1,
        1,
        2,
        2,
        2,
        2,
    ]
    template = Template(
        "{% load i18n plurals %}{% blocktranslate count counter=hours|plural_count %}"
        "{{ hours }} hour{% plural %}{{ hours }} hours{% endblocktranslate %}"
    )
    with translation.override("sv"):
        rendered = [template.render(Context({"hours": h})) for h in (1, Decimal("1.5"), 3)]
    assert rendered == ["1 timme", "1,5 timmar", "3 timmar"]


@pytest.mark.django_db
def test_attestation_statement_says_timme_for_one_hour_and_timmar_for_two(world):
    session = make_session(programme=world["programme"])
    entry = {
        "month": dt.date(2017, 3, 1),
        "activities": [{"session": session, "date": dt.date(2017, 3, 9)}],
    }
    with translation.override("sv"):
        one = attestation_statement({**entry, "hours": 1})
        two = attestation_statement({**entry, "hours": 2})
    assert one.endswith("omfattande 1 timme.")
    assert two.endswith("omfattande 2 timmar.")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("taken", "expected"),
    [
        (1, "1 plats är tagen eller reserverad; antalet platser kan inte vara lägre."),
        (2, "2 platser är tagna eller reserverade; antalet platser kan inte vara lägre."),
    ],
)
def test_capacity_refusal_counts_seats(world, no_scope, taken, expected):
    admin = world["users"]["admin"]
    session = make_session(programme=world["programme"], capacity=3)
    for _ in range(taken):
        registration_create(
            session=session, person=make_person(municipality=world["own"]), by=admin
        )
    with translation.override("sv"), pytest.raises(ValidationError) as error:
        session_change_capacity(session=session, capacity=0, by=admin)
    assert error.value.messages == [expected]


@pytest.mark.django_db
def test_invitation_message_for_one_and_for_two(world, no_scope, client):
    survey = open_survey(world, "reaction", "anonymous")
    people = [make_person(municipality=world["own"]) for _ in range(3)]
    sign_in(client, world["users"]["admin"])
    url = reverse("evaluation:survey_invite", args=[survey.pk])
    shown = []
    for group in (people[:1], people[1:]):
        response = client.post(
            url, {"who": "emails", "emails": "\n".join(p.email for p in group)}, follow=True
        )
        shown += [str(m) for m in get_messages(response.wsgi_request)]
        shown += re.findall(r"\d+ inbjud\w+ skickade?\.", response.content.decode())
    assert "1 inbjudan skickad." in shown
    assert "2 inbjudningar skickade." in shown


@pytest.mark.django_db
@pytest.mark.parametrize(("hours", "word"), [(Decimal("1.5"), "timme"), (Decimal("2"), "timmar")])
def test_course_certificate_says_timme_for_one_whole_hour_and_timmar_for_two(
    world, no_scope, hours, word
):
    from grannar.training.certificates import certificate_data, certificate_issue
    from grannar.training.models import Attendance, Registration

    session = make_session(programme=world["programme"])
    registration = registration_create(
        session=session, person=world["own_person"], by=world["users"]["admin"]
    )
    Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.ATTENDED)
    registration.refresh_from_db()
    Attendance.objects.create(registration=registration, hours=hours, method="trainer")
    certificate = certificate_issue(registration=registration, by=None)
    with translation.override("sv"):
        data = certificate_data(certificate)
    assert data["labels"]["hours"] == word

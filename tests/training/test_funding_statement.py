"""The programme's funding statement on certificates, attendance lists and public pages."""

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.staticfiles import finders
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from grannar.programmes.models import Programme
from grannar.training.certificates import certificate_issue
from grannar.training.models import Attendance, MonthlyAttestation, Registration, Session
from grannar.training.services import registration_create
from tests.factories import make_session, sign_in
from tests.training.test_certificates import pdf_text

pytestmark = pytest.mark.django_db

STATEMENT = "Europeiska unionen, Europeiska socialfonden"
EMBLEM = 'src="/static/grannar/eu-emblem.svg" alt="Europeiska unionens flagga"'


def without_statement(programme: Programme) -> None:
    Programme.objects.filter(pk=programme.pk).update(funding_emblem="none", funding_text="")


@pytest.fixture
def attended(world) -> Registration:
    """The participant's attended registration in a session of last month."""
    participant = world["users"]["participant"]
    session = make_session(programme=world["programme"])
    past = timezone.now() - dt.timedelta(days=35)
    Session.objects.filter(pk=session.pk).update(starts=past, ends=past + dt.timedelta(hours=3))
    with scopes_disabled():
        registration = registration_create(
            session=session, person=participant.person, by=participant
        )
        Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.ATTENDED)
        Attendance.objects.create(registration=registration, hours=Decimal("2"), method="trainer")
        return Registration.objects.select_related("session__course", "person").get(
            pk=registration.pk
        )


@pytest.fixture
def session(world):
    session = make_session(programme=world["programme"])
    session.trainers.add(world["users"]["trainer"])
    return session


def pages(session, certificate) -> list[tuple[str, str]]:
    return [
        ("participant", reverse("programmes:overview", args=[session.course.programme.code])),
        ("participant", reverse("training:catalogue")),
        ("participant", reverse("training:session", args=[session.pk])),
        ("trainer", reverse("training:attendance", args=[session.pk])),
        ("anonymous", reverse("certificate_verify", args=[certificate.code])),
    ]


def get(client, world, role: str, url: str) -> str:
    if role == "anonymous":
        client.logout()
    else:
        sign_in(client, world["users"][role])
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def test_pages_of_a_funded_programme_show_emblem_and_statement(client, world, session, attended):
    certificate = certificate_issue(registration=attended, by=None)
    for role, url in pages(session, certificate):
        content = get(client, world, role, url)
        assert STATEMENT in content, url
        assert EMBLEM in content, url


def test_a_programme_without_a_statement_shows_none(client, world, session, attended):
    certificate = certificate_issue(registration=attended, by=None)
    without_statement(world["programme"])
    for role, url in pages(session, certificate):
        content = get(client, world, role, url)
        assert STATEMENT not in content, url
        assert "eu-emblem.svg" not in content, url
        assert "funding-statement" not in content, url


def test_text_without_emblem(client, world, session):
    Programme.objects.filter(pk=world["programme"].pk).update(funding_emblem="none")
    content = get(client, world, "participant", reverse("training:session", args=[session.pk]))
    assert STATEMENT in content
    assert "eu-emblem.svg" not in content


def test_regular_catalogue_sessions_carry_no_statement(client, world):
    regular = make_session(programme=world["programme"])
    with scopes_disabled():
        regular.course.programme = None
        regular.course.save()
    content = get(client, world, "participant", reverse("training:session", args=[regular.pk]))
    assert regular.course.title in content
    assert "funding-statement" not in content
    catalogue = get(client, world, "participant", reverse("training:catalogue"))
    assert regular.course.title in catalogue
    assert "funding-statement" not in catalogue


def test_the_static_emblem_is_found():
    path = finders.find("grannar/eu-emblem.svg")
    assert path is not None
    with open(path, encoding="utf-8") as file:
        assert 'role="img"' in file.read()


def certificate_text(client, world, attended) -> str:
    sign_in(client, world["users"]["participant"])
    url = reverse("training:certificate_download", args=[attended.pk])
    client.post(url)  # issuing is a POST; the GET only reads
    return pdf_text(client.get(url).content)


def test_certificate_pdf_carries_the_statement(client, world, attended):
    assert STATEMENT in certificate_text(client, world, attended)


def test_certificate_pdf_without_a_statement(client, world, attended):
    without_statement(world["programme"])
    assert STATEMENT not in certificate_text(client, world, attended)


def monthly_text(client, world, attended) -> str:
    participant = world["users"]["participant"]
    month = timezone.localtime(attended.session.starts).date().replace(day=1)
    MonthlyAttestation.objects.create(
        person=participant.person,
        programme=world["programme"],
        month=month,
        hours=2,
        statement="Jag intygar.",
        attested_by=participant,
        attested=timezone.now() - dt.timedelta(days=1),
    )
    url = reverse("training:monthly_certificate", args=[participant.person.pk, f"{month:%Y-%m}"])
    sign_in(client, participant)
    return pdf_text(client.get(f"{url}?programme={world['programme'].code}").content)


def test_monthly_attendance_certificate_carries_the_statement(client, world, attended):
    text = monthly_text(client, world, attended)
    assert STATEMENT in text
    assert "Jag intygar." in text


def test_monthly_attendance_certificate_without_a_statement(client, world, attended):
    without_statement(world["programme"])
    text = monthly_text(client, world, attended)
    assert "Jag intygar." in text
    assert STATEMENT not in text

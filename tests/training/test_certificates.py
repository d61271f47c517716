import datetime as dt
import io
from decimal import Decimal

import pypdf
import pytest
from django.urls import reverse
from django.utils import timezone
from django_scopes import scopes_disabled

from grannar.core.models import AuditEvent
from grannar.training.certificates import CertificateError, certificate_issue, certificate_verify
from grannar.training.models import (
    Attendance,
    Certificate,
    MonthlyAttestation,
    Registration,
    Session,
)
from grannar.training.services import registration_create
from tests.factories import make_session, make_user, sign_in

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    assert content.startswith(b"%PDF")
    reader = pypdf.PdfReader(io.BytesIO(content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def attended(world):
    participant = world["users"]["participant"]
    session = make_session(programme=world["programme"])
    past = timezone.now() - dt.timedelta(days=35)
    Session.objects.filter(pk=session.pk).update(starts=past, ends=past + dt.timedelta(hours=3))
    with scopes_disabled():
        registration = registration_create(
            session=session, person=participant.person, by=participant
        )
        Registration.objects.filter(pk=registration.pk).update(status=Registration.Status.ATTENDED)
        Attendance.objects.create(registration=registration, hours=Decimal("2.5"), method="trainer")
        return Registration.objects.select_related("session__course", "person").get(
            pk=registration.pk
        )


def test_participant_downloads_a_certificate_with_the_facts(client, world, attended):
    sign_in(client, world["users"]["participant"])
    response = client.get(reverse("training:certificate_download", args=[attended.pk]))
    assert response["Content-Type"] == "application/pdf"
    certificate = Certificate.objects.get()
    assert certificate.code in response["Content-Disposition"]
    assert attended.person.last_name not in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert attended.person.full_name in text
    assert attended.session.course.title in text
    assert "2 timmar" in text  # 2.5 attended hours, rounded down
    assert certificate.code in text
    assert AuditEvent.objects.filter(action="training.certificate.downloaded").exists()
    # A second download reuses the same certificate.
    client.get(reverse("training:certificate_download", args=[attended.pk]))
    assert Certificate.objects.count() == 1


def test_only_attended_registrations_have_certificates(world):
    session = make_session(programme=world["programme"])
    with scopes_disabled():
        registration = registration_create(
            session=session, person=world["own_person"], by=world["users"]["admin"]
        )
    with pytest.raises(CertificateError):
        certificate_issue(registration=registration, by=None)


def test_who_may_download(client, world, attended):
    url = reverse("training:certificate_download", args=[attended.pk])
    for role, status in (
        ("admin", 200),
        ("coordinator", 200),
        ("trainer", 404),
        ("evaluator", 404),
        ("auditor", 404),
    ):
        sign_in(client, world["users"][role])
        assert client.get(url).status_code == status, role
    other_coordinator = make_user(
        role="coordinator", programme=world["programme"], municipality=world["other"]
    )
    sign_in(client, other_coordinator)
    assert client.get(url).status_code == 404


def test_public_verification_shows_initials_only(client, world, attended):
    certificate = certificate_issue(registration=attended, by=None)
    response = client.get(reverse("certificate_verify", args=[certificate.code.lower()]))
    content = response.content.decode()
    assert response.status_code == 200
    assert "äkta och giltigt" in content
    assert f"{attended.person.first_name[0]}. {attended.person.last_name[0]}." in content
    assert attended.person.last_name not in content
    assert attended.person.email not in content
    assert client.get(reverse("certificate_verify", args=["NOPE"])).status_code == 404
    Certificate.objects.update(revoked=True)
    assert certificate_verify(certificate.code)["valid"] is False
    assert (
        "återkallat"
        in client.get(reverse("certificate_verify", args=[certificate.code])).content.decode()
    )


def test_monthly_certificate_with_attestation(client, world, attended):
    participant = world["users"]["participant"]
    month = timezone.localtime(attended.session.starts).date().replace(day=1)
    url = reverse("training:monthly_certificate", args=[participant.person.pk, f"{month:%Y-%m}"])
    url += f"?programme={world['programme'].code}"
    sign_in(client, participant)
    text = pdf_text(client.get(url).content)
    assert participant.person.full_name in text
    assert "Ännu inte intygat" in text
    MonthlyAttestation.objects.create(
        person=participant.person,
        programme=world["programme"],
        month=month,
        hours=2,
        statement="Jag intygar att jag deltagit omfattande 2 timmar.",
        attested_by=participant,
    )
    text = pdf_text(client.get(url).content)
    assert "Jag intygar att jag deltagit omfattande 2 timmar." in text
    assert AuditEvent.objects.filter(action="training.monthly_certificate.downloaded").count() == 2
    sign_in(client, world["users"]["auditor"])
    assert client.get(url).status_code == 200
    sign_in(client, world["users"]["trainer"])
    assert client.get(url).status_code == 404
    sign_in(client, participant)
    empty_month = reverse("training:monthly_certificate", args=[participant.person.pk, "2001-01"])
    assert client.get(empty_month + f"?programme={world['programme'].code}").status_code == 404
    assert (
        client.get(
            reverse("training:monthly_certificate", args=[participant.person.pk, "bad"])
        ).status_code
        == 404
    )

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


def test_participant_issues_and_downloads_a_certificate_with_the_facts(client, world, attended):
    sign_in(client, world["users"]["participant"])
    url = reverse("training:certificate_download", args=[attended.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Utfärda intyget (PDF)" in page.content.decode()
    assert not Certificate.objects.exists()  # looking issues nothing
    assert not AuditEvent.objects.filter(action__startswith="training.certificate").exists()

    issued = client.post(url)
    assert issued.status_code == 302
    assert issued["Location"] == url
    certificate = Certificate.objects.get()
    assert AuditEvent.objects.filter(action="training.certificate.issued").count() == 1
    response = client.get(url)
    assert response["Content-Type"] == "application/pdf"
    assert certificate.code in response["Content-Disposition"]
    assert attended.person.last_name not in response["Content-Disposition"]
    text = pdf_text(response.content)
    assert attended.person.full_name in text
    assert attended.session.course.title in text
    assert "2 timmar" in text  # 2.5 attended hours, rounded down
    assert certificate.code in text
    assert AuditEvent.objects.filter(action="training.certificate.downloaded").exists()
    # Issuing again keeps the same certificate.
    client.post(url)
    assert Certificate.objects.count() == 1
    assert AuditEvent.objects.filter(action="training.certificate.issued").count() == 1


def test_my_registrations_offers_the_certificate_as_a_form(client, world, attended):
    sign_in(client, world["users"]["participant"])
    html = client.get(reverse("training:my_registrations")).content.decode()
    url = reverse("training:certificate_download", args=[attended.pk])
    assert f'<form method="post" action="{url}">' in html
    assert f'href="{url}"' not in html


def test_a_registration_not_attended_gets_no_certificate(client, world):
    session = make_session(programme=world["programme"])
    participant = world["users"]["participant"]
    with scopes_disabled():
        registration = registration_create(
            session=session, person=participant.person, by=participant
        )
    sign_in(client, participant)
    url = reverse("training:certificate_download", args=[registration.pk])
    page = client.get(url)
    assert page.status_code == 200
    assert "Bara genomförda tillfällen har intyg." in page.content.decode()
    assert "<button" not in page.content.decode().split("<main")[1].split("</main>")[0]
    refused = client.post(url, follow=True)
    assert refused.redirect_chain[-1][0] == reverse("training:my_registrations")
    assert "Bara genomförda tillfällen har intyg." in refused.content.decode()
    assert not Certificate.objects.exists()


def test_certificate_issue_needs_csrf(world, attended):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    sign_in(client, world["users"]["participant"])
    url = reverse("training:certificate_download", args=[attended.pk])
    assert client.post(url).status_code == 403
    assert not Certificate.objects.exists()


def test_only_attended_registrations_have_certificates(world):
    session = make_session(programme=world["programme"])
    with scopes_disabled():
        registration = registration_create(
            session=session, person=world["own_person"], by=world["users"]["admin"]
        )
    with pytest.raises(CertificateError):
        certificate_issue(registration=registration, by=None)


def test_who_may_issue_and_download(client, world, attended):
    url = reverse("training:certificate_download", args=[attended.pk])
    other_coordinator = make_user(
        role="coordinator", programme=world["programme"], municipality=world["other"]
    )
    for user in [world["users"][r] for r in ("trainer", "evaluator", "auditor")] + [
        other_coordinator
    ]:
        sign_in(client, user)
        assert client.post(url).status_code == 404, user
        assert client.get(url).status_code == 404, user
    assert not Certificate.objects.exists()
    for role in ("admin", "coordinator"):
        sign_in(client, world["users"][role])
        assert client.get(url).status_code == 200, role
        assert client.post(url).status_code == 302, role
        assert client.get(url)["Content-Type"] == "application/pdf", role
    assert Certificate.objects.count() == 1


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

import pytest
from django.core import mail
from django.urls import reverse

from grannar.core.models import AuditEvent
from grannar.site.models import AccessibilityReport, SitePage
from tests.factories import sign_in

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("slug", "text"),
    [
        ("tillganglighet", "Tillgänglighetsredogörelse"),
        ("personuppgifter", "Personuppgiftsbehandling"),
    ],
)
def test_default_pages_are_swedish_and_linked_from_every_page(client, slug, text):
    response = client.get(reverse("site:page", args=[slug]))
    assert response.status_code == 200
    assert text in response.content.decode()
    login = client.get(reverse("login")).content.decode()
    assert reverse("site:page", args=[slug]) in login


def test_unknown_page_is_404(client):
    assert client.get(reverse("site:page", args=["hemligt"])).status_code == 404


def test_admin_edits_a_page(client, world):
    sign_in(client, world["users"]["admin"])
    url = reverse("site:page_edit", args=["personuppgifter"])
    form = client.get(url)
    assert "Projektägaren är personuppgiftsansvarig" in form.content.decode()
    response = client.post(
        url, {"title": "Personuppgifter i Grannar", "body": "Stycke ett.\n\nTvå."}
    )
    assert response.status_code == 302
    page = SitePage.objects.get(slug="personuppgifter")
    assert page.title == "Personuppgifter i Grannar"
    shown = client.get(reverse("site:page", args=["personuppgifter"])).content.decode()
    assert "<p>Stycke ett.</p>" in shown
    assert AuditEvent.objects.filter(action="site.site_page.created").exists()
    refused = client.post(url, {"title": "", "body": ""})
    assert refused.status_code == 200
    assert "Detta fält måste fyllas i." in refused.content.decode()


def test_coordinator_cannot_edit_pages(client, world):
    sign_in(client, world["users"]["coordinator"])
    url = reverse("site:page_edit", args=["personuppgifter"])
    assert client.post(url, {"title": "x", "body": "y"}).status_code == 403
    assert not SitePage.objects.exists()


def test_anyone_can_report_an_accessibility_problem(
    client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("site:accessibility_report"),
            {"description": "Knappen går inte att nå med tangentbordet.", "page_url": "/people/"},
        )
    assert response.status_code == 302
    report = AccessibilityReport.objects.get()
    assert report.page_url == "/people/"
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["admin@test.example"]
    assert "tangentbordet" in mail.outbox[0].body


def test_report_needs_a_description(client, world):
    response = client.post(reverse("site:accessibility_report"), {"description": ""})
    assert response.status_code == 200
    assert not AccessibilityReport.objects.exists()
    assert not mail.outbox

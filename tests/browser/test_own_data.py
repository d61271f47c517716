"""A participant downloads everything held about them from their profile, and an auditor reads
the record of processing, in Chromium."""

import json
from pathlib import Path

from django.conf import settings
from playwright.sync_api import expect

from grannar.core.models import AuditEvent
from tests.browser.conftest import PHONE, axe_serious, screenshot
from tests.browser.helpers import DEMO_ACCOUNTS, sign_in


def test_participant_downloads_their_own_data(demo, new_page, live_server):
    page, _ = new_page()
    sign_in(page, live_server.url, DEMO_ACCOUNTS["participant"], settings.GRANNAR_DEMO_PASSWORD)
    profile = page.get_by_role("region", name="Dina uppgifter")
    profile.get_by_role("link", name="Mina uppgifter").click()
    expect(page.get_by_role("heading", name="Mina uppgifter", level=1)).to_be_visible()
    expect(page.get_by_role("heading", name="Anmälningar", level=2)).to_be_visible()
    expect(
        page.get_by_role("heading", name="Vem som har sett, exporterat eller ändrat dina uppgifter")
    ).to_be_visible()
    screenshot(page, "my-data-desktop")
    assert not axe_serious(page)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner som JSON (för en annan tjänst)").click()
    download = download_info.value
    assert download.suggested_filename.startswith("mina-uppgifter-")
    assert download.suggested_filename.endswith(".json")
    data = json.loads(Path(download.path()).read_text(encoding="utf-8"))
    assert data["person"]["email"] == DEMO_ACCOUNTS["participant"]
    assert data["registrations"]
    assert {"attendance", "certificates", "survey_answers", "audit_about_you"} <= set(data)

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner som PDF").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    formats = sorted(
        event.data["format"]
        for event in AuditEvent.objects.filter(
            action="reporting.own_data.exported", actor__email=DEMO_ACCOUNTS["participant"]
        )
    )
    assert formats == ["json", "pdf"]


def test_own_data_reads_on_a_phone(demo, new_page, live_server):
    page, _ = new_page(PHONE)
    sign_in(page, live_server.url, DEMO_ACCOUNTS["participant"], settings.GRANNAR_DEMO_PASSWORD)
    page.goto(f"{live_server.url}/my-data/")
    expect(page.get_by_role("heading", name="Mina uppgifter", level=1)).to_be_visible()
    screenshot(page, "my-data-phone")
    assert not axe_serious(page)


def test_auditor_reads_and_downloads_the_record_of_processing(demo, new_page, live_server):
    page, _ = new_page()
    sign_in(page, live_server.url, DEMO_ACCOUNTS["auditor"], settings.GRANNAR_DEMO_PASSWORD)
    page.get_by_role("link", name="Register över behandlingar").first.click()
    expect(
        page.get_by_role("heading", name="Register över behandlingar: Nya GRannar", level=1)
    ).to_be_visible()
    expect(page.get_by_role("heading", name="Personnummer", level=2)).to_be_visible()
    assert "GR 2016:12 §1" in page.locator("main").inner_text()
    screenshot(page, "processing-desktop")
    assert not axe_serious(page)
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Ladda ner som PDF").click()
    download = download_info.value
    assert download.suggested_filename.startswith("register-over-behandlingar-nya-grannar-")
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

"""The evaluator reads a follow-up survey's results beside its before and after, in Chromium."""

import pytest
from django.conf import settings
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from grannar.evaluation.models import Survey
from tests.browser.conftest import DESKTOP, PHONE, axe_serious, screenshot
from tests.browser.helpers import DEMO_ACCOUNTS, sign_in


@pytest.mark.parametrize(("size", "viewport"), [("desktop", DESKTOP), ("phone", PHONE)])
def test_evaluator_reads_the_three_moments(size, viewport, demo, new_page, live_server):
    with scopes_disabled():
        followup = Survey.objects.get(programme=demo.programme, phase="followup")
    page, _ = new_page(viewport)
    sign_in(page, live_server.url, DEMO_ACCOUNTS["evaluator"], settings.GRANNAR_DEMO_PASSWORD)
    page.goto(f"{live_server.url}/evaluation/{followup.pk}/results/")
    heading = page.get_by_role("heading", name="Före, efter och uppföljning i serien ”kompetens”")
    expect(heading).to_be_visible()
    changes = page.get_by_role("table", name="Förändring för samma personer mellan tidpunkterna")
    expect(changes.get_by_role("cell", name="före → uppföljning").first).to_be_visible()
    screenshot(page, f"survey-series-{size}")
    assert not axe_serious(page)

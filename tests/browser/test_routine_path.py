"""A coordinator carries a routine from draft to followed up in Chromium; a step taken from a
page that is no longer current is refused and the page says why."""

from django.conf import settings
from django_scopes import scopes_disabled
from playwright.sync_api import expect

from grannar.collaboration.models import PilotWorkshop, Routine
from grannar.collaboration.services import member_add, workshop_create
from grannar.people.models import Person, User
from grannar.programmes.models import Sector
from tests.browser.conftest import PHONE, axe_serious, screenshot
from tests.browser.helpers import DEMO_ACCOUNTS, sign_in


def _workshop(programme) -> PilotWorkshop:
    """The coordinator's workshop (the demo's, or one started here) with a lead and a member."""
    coordinator = User.objects.get(email=DEMO_ACCOUNTS["coordinator"])
    municipality_id = coordinator.coordinated_municipality_ids[0]
    workshop = PilotWorkshop.objects.filter(
        programme=programme, municipality_id=municipality_id
    ).first()
    if workshop is None:
        workshop = workshop_create(
            programme=programme,
            municipality=programme.memberships.get(municipality_id=municipality_id).municipality,
            focus="Trygg skolstart",
            by=coordinator,
        )
    people = Person.objects.filter(municipality_id=municipality_id, support_resource=False)
    for person, code in zip(
        people.exclude(pk__in=workshop.members.values("person_id")),
        ("skola", "boende"),
        strict=False,
    ):
        member_add(
            workshop=workshop,
            person=person,
            sector=Sector.objects.get(code=code),
            role="lead" if code == "skola" else "member",
            by=coordinator,
        )
    return workshop


def step(page, heading: str):
    return page.locator("section").filter(has=page.get_by_role("heading", name=heading, exact=True))


def test_coordinator_carries_a_routine_from_draft_to_followed_up(demo, new_page, live_server):
    with scopes_disabled():
        workshop = _workshop(demo.programme)
    page, _ = new_page(PHONE)
    sign_in(page, live_server.url, DEMO_ACCOUNTS["coordinator"], settings.GRANNAR_DEMO_PASSWORD)
    page.get_by_role("link", name="Samverkan", exact=True).click()
    page.get_by_role("link", name=workshop.municipality.name, exact=True).click()
    assert not axe_serious(page)
    page.get_by_role("link", name="Ny rutin").click()
    page.get_by_label("Rubrik").fill("Gemensam planering vid skolstart")
    page.get_by_label("Problem som rutinen löser").fill(
        "Skolan får veta för sent att en elev flyttar."
    )
    page.get_by_label("Skola och elevhälsa", exact=True).check()
    page.get_by_label("Boende (HVB-hem, stödboende, familjehem)", exact=True).check()
    page.get_by_role("button", name="Spara").click()
    expect(page.get_by_text("Rutinen har sparats som utkast.")).to_be_visible()
    expect(page.locator("#routine-status")).to_have_text("Utkast")
    assert not axe_serious(page)

    # A second tab still shows the draft's step after the first tab has moved it on.
    stale = page.context.new_page()
    stale.goto(page.url)
    step(page, "Börja pröva").get_by_role("button", name="Börja pröva").click()
    expect(page.get_by_text("Prövningen har börjat.")).to_be_visible()
    expect(page.locator("#routine-status")).to_have_text("Prövas")
    step(stale, "Börja pröva").get_by_role("button", name="Börja pröva").click()
    expect(stale.get_by_role("alert")).to_contain_text(
        "Rutinen har status ”prövas” och kan inte börja prövas nu"
    )
    screenshot(stale, "routine-refused-phone")
    assert not axe_serious(stale)
    stale.close()

    adopt = step(page, "Anta")
    adopt.get_by_label("Beslutat av").fill("Ledningsgruppen för barn och unga")
    adopt.get_by_label("Beslutsreferens").fill("Protokoll 2025-02 §7")
    adopt.get_by_role("button", name="Anta").click()
    expect(page.get_by_text("Rutinen har antagits.")).to_be_visible()
    expect(page.locator("#routine-status")).to_have_text("Antagen")
    expect(page.get_by_text("Protokoll 2025-02 §7")).to_be_visible()

    follow_up = step(page, "Registrera uppföljningen")
    follow_up.get_by_label("Delvis").check()
    follow_up.get_by_label("Anteckning").fill("Används i två av tre skolor.")
    follow_up.get_by_role("button", name="Registrera uppföljningen").click()
    expect(page.get_by_text("Uppföljningen har registrerats.")).to_be_visible()
    expect(page.locator("#routine-status")).to_have_text("Följts upp")
    screenshot(page, "routine-followed-up-phone")
    assert not axe_serious(page)
    with scopes_disabled():
        routine = Routine.objects.get(title="Gemensam planering vid skolstart")
    assert (routine.status, routine.in_use) == ("followed_up", "partly")

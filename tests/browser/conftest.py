"""Browser tests: Playwright driving Debian's Chromium against the live test server."""

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.db import connections
from django_scopes import scopes_disabled
from playwright.sync_api import sync_playwright

from grannar.demo import demo_load
from grannar.people.models import Person, User

CHROMIUM = "/usr/bin/chromium"

SCREENSHOTS = Path(settings.VAR_DIR) / "screenshots"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/browser/" in str(item.fspath):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def browser(monkeypatch):
    """Chromium for one test. Playwright's sync API runs an event loop in the test thread while
    it is open, so the ORM calls the test makes meanwhile are allowed as the blocking calls they
    are; per test, so that no other test runs beside a loop."""
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
        # The connection the test's ORM calls opened is closed here, while Playwright's loop is
        # open and the fixture allows it: the database teardown after this fixture left it open,
        # and the test database then could not be dropped at the end of the run.
        for connection in connections.all(initialized_only=True):
            if not connection.in_atomic_block:
                connection.close()


class PageWatch:
    """Records what a page asks for and complains about while a test drives it."""

    def __init__(self, page, server_url: str):
        self.page = page
        self.hosts = {urlsplit(server_url).netloc}
        self.foreign_requests: list[str] = []
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.errors.append(f"page error: {error}"))

    def _request(self, request):
        parts = urlsplit(request.url)
        if parts.scheme in {"http", "https", "ws", "wss"} and parts.netloc not in self.hosts:
            self.foreign_requests.append(request.url)

    def allow(self, url: str) -> None:
        """Let the page visit another local server on purpose (the test sign-in provider)."""
        self.hosts.add(urlsplit(url).netloc)

    def _console(self, message):
        if message.type == "error" and "status of 4" not in message.text:
            self.errors.append(f"console: {message.text}")

    def assert_clean(self):
        assert not self.foreign_requests, self.foreign_requests
        assert not self.errors, self.errors


@pytest.fixture
def new_page(browser, live_server):
    """Open pages at a viewport; each gets a watcher that the test end checks."""
    contexts, watches = [], []

    def open_page(viewport=DESKTOP):
        context = browser.new_context(viewport=viewport, locale="sv-SE")
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        watch = PageWatch(page, live_server.url)
        watches.append(watch)
        return page, watch

    yield open_page
    for watch in watches:
        watch.assert_clean()
    for context in contexts:
        context.close()


@pytest.fixture
def demo(transactional_db):
    with scopes_disabled():
        result = demo_load(scale="small")
    return result


@pytest.fixture
def demo_world(demo):
    """The objects the permission table's URLs need, taken from the demo data."""
    with scopes_disabled():
        coordinator = User.objects.get(email="samordnare.1481@demo.example")
        own = coordinator.coordinated_municipality_ids[0]
        people = Person.objects.filter(support_resource=False)
        from tests.browser.helpers import DEMO_ACCOUNTS

        return {
            "programme": demo.programme,
            "own_person": people.filter(municipality_id=own).first(),
            "other_person": people.exclude(municipality_id=own).first(),
            "users": {role: User.objects.get(email=email) for role, email in DEMO_ACCOUNTS.items()},
        }


def axe_serious(page) -> list[str]:
    """Serious and critical axe-core violations on the page, as readable lines."""
    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} "
        f"at {[node['target'] for node in violation['nodes']][:3]}"
        for violation in results.response["violations"]
        if violation["impact"] in {"serious", "critical"}
    ]


def screenshot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)

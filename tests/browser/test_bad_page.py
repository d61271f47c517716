"""The browser checks catch a deliberately bad page served with the real headers."""

from django.test import Client

from tests.browser.conftest import axe_serious

BAD = """<!DOCTYPE html><html lang="sv"><head><title>Dålig sida</title></head><body>
<main><h1>Dålig sida</h1><form><input type="text" name="nickname"></form>
<script>document.title = "inline ran";</script></main></body></html>"""


def test_inline_script_and_unlabelled_field_are_caught(new_page, live_server, transactional_db):
    headers = dict(Client().get("/login/").headers)
    page, watch = new_page()

    def serve_bad_page(route):
        route.fulfill(
            status=200,
            body=BAD,
            headers={
                "Content-Type": "text/html; charset=utf-8",
                "Content-Security-Policy": headers["Content-Security-Policy"],
            },
        )

    page.route(f"{live_server.url}/bad-page-for-test/", serve_bad_page)
    page.goto(f"{live_server.url}/bad-page-for-test/")
    assert page.title() == "Dålig sida"  # the inline script was blocked
    assert any("Content Security Policy" in error for error in watch.errors)
    assert any(problem.startswith("label (critical)") for problem in axe_serious(page))
    watch.errors.clear()  # the failures above are this test's expected result

"""Every page each role can reach passes the page rules (tests/html_checks.py)."""

import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import reverse

from tests.factories import sign_in
from tests.html_checks import page_problems
from tests.test_permissions import ROLES, TABLE

pytestmark = pytest.mark.django_db


def reachable_pages(client, world, role: str) -> dict[str, str]:
    """URL → HTML of every page `role` can open: from the URL table and the start page's links."""
    urls = [
        case.url(world, "own")
        for case in TABLE.values()
        if case.method == "get" and case.page and case.status(role, "own") == 200
    ]
    pages: dict[str, str] = {}
    queue = list(urls)
    if role != "anonymous":
        queue.append(reverse("site:start"))
    while queue:
        url = queue.pop()
        if url in pages or url.startswith("/static/"):
            continue
        response = client.get(url)
        if response.status_code != 200 or "text/html" not in response["Content-Type"]:
            continue
        if response.get("Content-Disposition", "").startswith("attachment"):
            continue  # a download, not a page of the site
        html = response.content.decode()
        pages[url] = html
        if url == reverse("site:start"):
            queue += [link for link in re.findall(r'href="(/[^"#]*)"', html) if link not in pages]
    return pages


@pytest.mark.parametrize("role", ROLES)
def test_every_reachable_page_passes_the_page_rules(client, world, role):
    if role != "anonymous":
        sign_in(client, world["users"][role])
    pages = reachable_pages(client, world, role)
    assert len(pages) >= 3
    problems = {url: page_problems(html) for url, html in pages.items()}
    assert not {url: found for url, found in problems.items() if found}


def test_refused_form_passes_the_page_rules(client, world):
    sign_in(client, world["users"]["admin"])
    response = client.post(reverse("people:create"), {"email": "x"})
    assert response.status_code == 200
    assert page_problems(response.content.decode()) == []


BAD_PAGE = """{% extends "base.html" %}{% block content %}
<form method="post"><input type="text" name="nickname"></form>
<script>alert("inline")</script>
<p style="color: red" onclick="go()">Bad</p>
{% endblock %}"""


def test_a_deliberately_bad_page_fails_the_rules():
    request = RequestFactory().get("/")
    html = Template(BAD_PAGE).render(Context({"request": request}))
    problems = page_problems(html)
    assert "inline <script> element" in problems
    assert "<input name='nickname'> has no label" in problems
    assert "inline style attribute on <p>" in problems
    assert "inline event handler onclick on <p>" in problems
    assert "a POST form without a CSRF token" in problems

"""Each role's start page links to the tools of that role, and every link leads somewhere."""

import re

import pytest
from django.urls import reverse

from grannar.site.tools import ROLE_TOOLS
from tests.factories import sign_in
from tests.test_permissions import TABLE

pytestmark = pytest.mark.django_db

ROLES = sorted(ROLE_TOOLS)


def start_links(client, user) -> list[str]:
    sign_in(client, user)
    html = client.get(reverse("site:start")).content.decode()
    return re.findall(r'<ul class="tools">(.*?)</ul>', html, re.S)


def test_every_role_has_tools_that_the_permission_table_lets_it_open():
    assert set(ROLES) == {"admin", "coordinator", "trainer", "participant", "evaluator", "auditor"}
    for role, tools in ROLE_TOOLS.items():
        assert tools, role
        for tool in tools:
            assert TABLE[tool.url_name].expect[role] == 200, (role, tool.url_name)


@pytest.mark.parametrize("role", ROLES)
def test_the_start_page_links_each_tool_and_each_leads_to_a_page_with_a_way_back(
    client, world, role
):
    lists = start_links(client, world["users"][role])
    links = re.findall(r'<a href="([^"]+)">([^<]+)</a>', "".join(lists))
    expected = {
        reverse(t.url_name, args=[world["programme"].code] if t.per_programme else [])
        for t in ROLE_TOOLS[role]
    }
    assert {url for url, _label in links} == expected
    for url, label in links:
        assert label.strip(), (role, url)
        response = client.get(url)
        assert response.status_code == 200, (role, url)
        html = response.content.decode()
        assert re.search(r"<h1[ >]", html), (role, url)
        assert f'href="{reverse("site:start")}"' in html, (role, url)


def test_the_coordinator_is_offered_the_staff_list_and_not_the_audit_log(client, world):
    html = "".join(start_links(client, world["users"]["coordinator"]))
    assert "Personal i din kommun" in html
    assert reverse("site:audit_log") not in html


def test_the_auditor_is_offered_the_audit_log_and_the_dashboard(client, world):
    html = "".join(start_links(client, world["users"]["auditor"]))
    assert f'href="{reverse("site:audit_log")}">Granskningslogg<' in html
    assert reverse("reporting:dashboard", args=[world["programme"].code]) in html
    assert reverse("people:list") not in html

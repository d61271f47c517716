"""Logs carry method, status and path; never a query string, a one-time token in a path, or a
traceback for a refusal. Each test drives the real logging path and reads what it wrote."""

import logging
import socket
import subprocess
import time
import urllib.error
import urllib.request

import pytest
from django.conf import settings
from django.core.servers.basehttp import WSGIRequestHandler
from django.db import connection
from django.urls import reverse

from grannar.core.logs import loggable_path, loggable_url
from grannar.site.management.commands.serve import web_server_command
from tests.factories import sign_in

TOKEN = "Xq3-secret_Token9"
SEARCH = "Anna+Svensson"


@pytest.mark.django_db
def test_loggable_path_drops_queries_and_hides_secrets():
    assert loggable_path(f"/people/?q={SEARCH}&page=2") == "/people/"
    assert loggable_path(f"/s/{TOKEN}/") == "/s/[hidden]/"
    assert loggable_path(f"/s/{TOKEN}/?lang=en") == "/s/[hidden]/"
    assert loggable_path(f"/s/{TOKEN}") == "/s/[hidden]"  # before the slash is appended
    assert loggable_path(f"/s/{TOKEN}/extra/") == "/s/[hidden]/extra/"
    assert loggable_path("/s/") == "/s/"
    assert loggable_path("/verify/ABCD1234/") == "/verify/[hidden]/"
    assert loggable_path("/training/registrations/5/cancel/") == "/training/registrations/5/cancel/"
    assert loggable_path("/no/such/page/?q=x") == "/no/such/page/"
    assert loggable_url(f"https://grannar.example/s/{TOKEN}/?x=1") == (
        "https://grannar.example/s/[hidden]/"
    )
    assert loggable_url("-") == "-"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def _get(url: str, **headers) -> int:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - local test server
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.django_db(transaction=True)
def test_gunicorn_access_log_has_no_query_strings_or_tokens(tmp_path):
    """The web server `grannar serve` starts, as it starts it, with real requests."""
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    env = {
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "DATABASE_URL": _database_url(),
        "WEB_CONCURRENCY": "1",
        "PATH": "/usr/bin:/bin",
    }
    out, err = tmp_path / "out.log", tmp_path / "err.log"
    with out.open("w") as stdout, err.open("w") as stderr:
        server = subprocess.Popen(
            web_server_command("127.0.0.1", port),
            env=env,
            cwd=settings.BASE_DIR,
            stdout=stdout,
            stderr=stderr,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if _get(f"{base}/healthz") == 200:
                        break
                except OSError:
                    pass
                assert server.poll() is None, err.read_text()
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.3)
            assert _get(f"{base}/s/{TOKEN}/?lang=sv") == 404
            # Redirected to the sign-in page, whose `next` repeats the search.
            assert _get(f"{base}/people/?q={SEARCH}") == 200
            assert _get(f"{base}/healthz?who={SEARCH}", Referer=f"{base}/s/{TOKEN}/?a=1") == 200
        finally:
            server.terminate()
            server.wait(timeout=20)
    logged = out.read_text() + err.read_text()
    lines = [line for line in logged.splitlines() if '"GET ' in line]
    assert any('"GET /s/[hidden]/ HTTP/1.1" 404' in line for line in lines), logged
    assert any('"GET /people/ HTTP/1.1" 302' in line for line in lines), logged
    assert any('"GET /login/ HTTP/1.1" 200' in line for line in lines), logged
    assert any('"GET /healthz HTTP/1.1" 200 ' in line and "/s/[hidden]/" in line for line in lines)
    assert TOKEN not in logged
    assert "Svensson" not in logged
    assert "404 GET /s/[hidden]/" in logged  # Django's own warning for the unknown link


@pytest.fixture
def logged(caplog):
    caplog.set_level(logging.INFO)
    return caplog


@pytest.mark.django_db
def test_a_refusal_is_one_line_without_traceback(client, world, logged):
    sign_in(client, world["users"]["participant"])
    assert client.get(reverse("people:list"), {"q": "Anna Svensson"}).status_code == 403
    missing = reverse("training:certificate_download", args=[999999])
    assert client.get(missing, {"q": "x"}).status_code == 404  # raised as Http404
    records = [r for r in logged.records if r.name == "django.request"]
    assert [r.getMessage() for r in records] == ["403 GET /people/", f"404 GET {missing}"]
    assert [r.exc_info for r in records] == [None, None]
    assert "Traceback" not in logged.text
    assert "Svensson" not in logged.text


@pytest.mark.django_db
def test_not_found_and_csrf_lines_hide_the_token(world, logged):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    assert client.get(f"/s/{TOKEN}/", {"q": "x"}).status_code == 404
    assert client.post(f"/s/{TOKEN}/", {"a": "1"}).status_code == 403
    messages = [r.getMessage() for r in logged.records if r.name.startswith("django.")]
    assert "404 GET /s/[hidden]/" in messages
    assert "403 POST /s/[hidden]/" in messages
    assert TOKEN not in logged.text


def test_server_errors_keep_their_traceback(logged):
    from django.test import RequestFactory

    request = RequestFactory().get("/people/?q=Anna")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        logging.getLogger("django.request").error(
            "Internal Server Error: %s",
            request.path,
            exc_info=True,
            extra={"status_code": 500, "request": request},
        )
    record = logged.records[-1]
    assert record.getMessage() == "500 GET /people/"
    assert record.exc_info is not None


@pytest.mark.django_db
def test_runserver_request_lines_have_no_query_strings_or_tokens(logged):
    handler = WSGIRequestHandler.__new__(WSGIRequestHandler)
    handler.request = None
    handler.requestline = f"GET /s/{TOKEN}/?q={SEARCH} HTTP/1.1"
    handler.log_request(200, 512)
    handler.requestline = f"GET /people/?q={SEARCH} HTTP/1.1"
    handler.log_request(302, 0)
    messages = [r.getMessage() for r in logged.records if r.name == "django.server"]
    assert messages == ['"GET /s/[hidden]/ HTTP/1.1" 200 512', '"GET /people/ HTTP/1.1" 302 0']

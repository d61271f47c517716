import time

import pytest
from django.test import override_settings

from grannar.core.queue import HEALTH_CACHE_SECONDS
from tests.redis_server import free_port, redis_server


def _rq(url: str):
    return override_settings(
        TASKS={"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}},
        RQ_QUEUES={"default": {"URL": url, "DEFAULT_TIMEOUT": 60}},
    )


@pytest.mark.django_db
def test_healthz_reports_database_and_task_backend(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "database": "ok",
        "tasks": "ok",
        "task_backend": "immediate",
    }
    assert "no-cache" in response["Cache-Control"]
    with override_settings(TASKS={"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}):
        assert client.get("/healthz").json()["task_backend"] == "database"


@pytest.mark.django_db
def test_healthz_answers_503_while_redis_is_down(client, tmp_path):
    with redis_server(tmp_path) as url, _rq(url):
        up = client.get("/healthz")
        assert up.status_code == 200
        assert up.json()["tasks"] == "ok"
        assert up.json()["task_backend"] == "rq"
    with _rq(url):
        time.sleep(HEALTH_CACHE_SECONDS)  # the server has stopped; the last answer expires
        down = client.get("/healthz")
    assert down.status_code == 503
    assert down.json() == {
        "status": "error",
        "database": "ok",
        "tasks": "unavailable",
        "task_backend": "rq",
    }


@pytest.mark.django_db
def test_healthz_answers_503_when_redis_was_never_there(client):
    with _rq(f"redis://127.0.0.1:{free_port()}/0"):
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["tasks"] == "unavailable"


@pytest.mark.django_db
def test_healthz_refuses_post(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.django_db
def test_every_stylesheet_and_script_of_a_page_is_served(client):
    import re

    page = client.get("/login/").content.decode()
    assets = re.findall(r'(?:href|src)="(/static/[^"]+)"', page)
    assert any(asset.endswith(".css") for asset in assets)
    assert any(asset.endswith(".js") for asset in assets)
    for asset in assets:
        response = client.get(asset)
        assert response.status_code == 200, asset

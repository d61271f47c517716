"""The options every gunicorn of Grannar's starts with, as gunicorn itself reads them."""

from gunicorn.config import Config

from grannar.core import webserver
from grannar.site.management.commands.serve import web_server_command


def read(command: list[str]) -> Config:
    config = Config()
    for name, value in vars(config.parser().parse_args(command)).items():
        if name in config.settings and value is not None:
            config.set(name, value)
    return config


def test_a_worker_takes_only_what_its_threads_and_two_kept_alive_connections_hold(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config = read(["config.wsgi", *webserver.gunicorn_options()])
    assert (config.workers, config.threads, config.worker_connections) == (2, 4, 6)
    assert config.worker_class_str == "gthread"  # threads > 1 makes gunicorn pick it
    # Room for kept-alive connections, so gunicorn does not warn that it has none.
    assert config.worker_connections - config.threads == webserver.KEPT_ALIVE > 0


def test_the_number_of_workers_follows_web_concurrency(monkeypatch):
    monkeypatch.setenv("WEB_CONCURRENCY", "3")
    assert read(["config.wsgi", *webserver.gunicorn_options()]).workers == 3


def test_serve_starts_gunicorn_with_them(monkeypatch):
    monkeypatch.delenv("WEB_CONCURRENCY", raising=False)
    config = read(web_server_command("127.0.0.1", 8123)[1:])
    assert (config.workers, config.threads, config.worker_connections) == (2, 4, 6)
    assert config.bind == ["127.0.0.1:8123"]

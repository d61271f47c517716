import json
import os
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
from django.conf import settings
from django_scopes import scopes_disabled

from grannar.people.models import Role
from grannar.programmes.models import Municipality
from grannar.programmes.services import programme_load_file
from tests.factories import make_person, make_user


@pytest.fixture
def reference_file() -> Path:
    return Path(settings.GRANNAR_REFERENCE_PROGRAMME)


@pytest.fixture
def programme(db, reference_file):
    with scopes_disabled():
        return programme_load_file(path=reference_file).programme


@pytest.fixture
def molndal(programme) -> Municipality:
    return Municipality.objects.get(code="1481")


@pytest.fixture
def partille(programme) -> Municipality:
    return Municipality.objects.get(code="1402")


@pytest.fixture
def world(programme, molndal, partille):
    """One user per role, a person in each of two municipalities; 'own' is Mölndal."""
    own_person = make_person(municipality=molndal, email="anna.own@test.example")
    other_person = make_person(municipality=partille, email="bo.other@test.example")
    participant_person = make_person(municipality=molndal, email="deltagare@test.example")
    return {
        "programme": programme,
        "own": molndal,
        "other": partille,
        "own_person": own_person,
        "other_person": other_person,
        "users": {
            "admin": make_user(role=Role.ADMIN, programme=programme, email="admin@test.example"),
            "coordinator": make_user(
                role=Role.COORDINATOR,
                programme=programme,
                municipality=molndal,
                email="samordnare@test.example",
            ),
            "trainer": make_user(role=Role.TRAINER, programme=programme),
            "participant": make_user(
                role=Role.PARTICIPANT,
                programme=programme,
                person=participant_person,
                email="deltagare@test.example",
            ),
            "evaluator": make_user(role=Role.EVALUATOR, programme=programme),
            "auditor": make_user(role=Role.AUDITOR, programme=programme),
        },
    }


@pytest.fixture(autouse=True)
def _fresh_progress_cache():
    """Job ids repeat between tests; a running job must not see another test's progress."""
    from django.core.cache import caches

    caches["progress"].clear()


@pytest.fixture
def no_scope():
    with scopes_disabled():
        yield


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgresql` start and restart PostgreSQL servers of their own: they run
    in the PostgreSQL pass of the suite and are left out of the SQLite pass."""
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.sqlite3":
        return
    left_out = [item for item in items if item.get_closest_marker("postgresql")]
    if left_out:
        items[:] = [item for item in items if not item.get_closest_marker("postgresql")]
        config.hook.pytest_deselected(items=left_out)


OIDC_DIR = Path(__file__).parent / "oidc"
OIDC_CLIENT_ID = "grannar"
OIDC_OTHER_CLIENT_ID = "annan-tjanst"
OIDC_SECRET = "test-only-client-secret-long-enough-for-hs256"
MFA_ACR = "http://schemas.openid.net/pape/policies/2007/06/multi-factor"
# Login name at the test provider -> what it says about the person. Several logins share one
# e-mail address so that one account in Grannar can arrive with or without multi-factor.
OIDC_ACCOUNTS = {
    "kand": {"email": "kand@sso.test.example", "amr": ["pwd"]},
    "kand-versaler": {"email": " Kand@SSO.Test.Example ", "amr": ["pwd"]},
    "kand-mfa": {"email": "kand@sso.test.example", "amr": ["pwd", "otp", "mfa"]},
    "kand-acr": {"email": "kand@sso.test.example", "acr": MFA_ACR},
    "okand": {"email": "okand@sso.test.example", "amr": ["pwd"]},
    "overifierad": {"email": "overifierad@sso.test.example", "email_verified": False},
    "fel-publik": {"email": "kand@sso.test.example", "audience": OIDC_OTHER_CLIENT_ID},
}


@dataclass(frozen=True)
class OidcProvider:
    issuer: str
    client_id: str
    client_secret: str
    other_client_id: str

    def email(self, login: str) -> str:
        return OIDC_ACCOUNTS[login]["email"].strip().lower()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def oidc_provider():
    """A real OpenID Connect provider (the npm package oidc-provider, run with node) on a free
    port, with Grannar's client, another client, and the people in OIDC_ACCOUNTS."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        message = "!! node/npm missing: single sign-on NOT tested (apt-get install nodejs npm)."
        if os.environ.get("GRANNAR_REQUIRE_NODE"):
            pytest.fail(message)
        pytest.skip(message)
    if not (OIDC_DIR / "node_modules" / "oidc-provider").is_dir():
        install = subprocess.run(
            [npm, "ci", "--no-audit", "--no-fund", "--prefix", str(OIDC_DIR)],
            capture_output=True,
            text=True,
        )
        if install.returncode:
            pytest.fail(f"npm ci in tests/oidc failed: {install.stderr}")
    port = _free_port()
    issuer = f"http://127.0.0.1:{port}"
    clients = [
        {"client_id": OIDC_CLIENT_ID, "client_secret": OIDC_SECRET},
        {"client_id": OIDC_OTHER_CLIENT_ID, "client_secret": OIDC_SECRET},
    ]
    log = Path(settings.VAR_DIR) / f"oidc-provider-{port}.log"
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENTS": json.dumps(clients),
        "OIDC_ACCOUNTS": json.dumps(OIDC_ACCOUNTS),
    }
    with log.open("wb") as output:
        process = subprocess.Popen(
            [node, "provider.mjs"], cwd=OIDC_DIR, env=env, stdout=output, stderr=output
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                pytest.fail(f"The OIDC provider stopped: {log.read_text()}")
            try:
                requests.get(f"{issuer}/.well-known/openid-configuration", timeout=1)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline:
                    pytest.fail(f"The OIDC provider did not start: {log.read_text()}")
                time.sleep(0.1)
        yield OidcProvider(
            issuer=issuer,
            client_id=OIDC_CLIENT_ID,
            client_secret=OIDC_SECRET,
            other_client_id=OIDC_OTHER_CLIENT_ID,
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.unlink(missing_ok=True)


@pytest.fixture
def sso(oidc_provider, settings):
    """Grannar configured for the test provider, as the GRANNAR_OIDC_* variables would."""
    settings.GRANNAR_OIDC_ISSUER = oidc_provider.issuer
    settings.OIDC_RP_CLIENT_ID = oidc_provider.client_id
    settings.OIDC_RP_CLIENT_SECRET = oidc_provider.client_secret
    settings.GRANNAR_OIDC_NAME = "Testleverantören"
    return oidc_provider

"""schemathesis against the live OpenAPI document: generated requests to every operation, with
an admin's and a coordinator's token, get no server error and a response that matches the
schema (status, content type, body)."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, Phase, given
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import secret_for
from tests.collaboration.helpers import make_routine, make_workshop
from tests.test_permissions import fresh_registration

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Generated cases per operation and token, at most: 29 operations × (28 + 14), of which a few
# operations with few distinct inputs use fewer; well over 1 000 in all.
EXAMPLES = {"admin": 28, "coordinator": 14}
DERANDOMIZE = True


@pytest.fixture
def keep_connection():
    """As Django's test client does: the WSGI requests share the test's open transaction."""
    import logging

    from django.core import signals
    from django.db import close_old_connections

    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    # A thousand refused requests need no line each.
    requests = logging.getLogger("django.request")
    level = requests.level
    requests.setLevel(logging.ERROR)
    yield
    requests.setLevel(level)
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@pytest.mark.usefixtures("keep_connection")
def test_every_operation_answers_within_its_schema(world):
    from django_scopes import scopes_disabled

    with scopes_disabled():
        fresh_registration(world, "own")
        fresh_registration(world, "other", past=True, marked=True)
        make_routine(make_workshop(world))
        make_routine(make_workshop(world, target="other"))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 25
    total = 0
    for role, examples in EXAMPLES.items():
        headers = {"Authorization": f"Bearer {secret_for(world['users'][role])}"}
        for operation in operations:
            total += fuzz(operation, headers, examples)
    assert total >= 1000


def fuzz(operation, headers: dict, examples: int) -> int:
    """Send `examples` generated requests to `operation` and check each response; return how
    many were sent."""
    calls = []

    @given(case=operation.as_strategy())
    @hypothesis_settings(
        max_examples=examples,
        deadline=None,
        database=None,
        derandomize=DERANDOMIZE,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        response = case.call(headers=headers)
        calls.append(response.status_code)
        case.validate_response(response, checks=CHECKS)

    check()
    return len(calls)

import pytest

from grannar.core.audit import log_action
from grannar.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_log_action_records_a_namespaced_action(world):
    admin = world["users"]["admin"]
    event = log_action(
        action="people.person.viewed",
        actor=admin,
        target=world["own_person"],
        data={"fields": ["email"]},
    )
    assert event.target_type == "people.person"
    assert event.target_id == str(world["own_person"].pk)
    assert AuditEvent.objects.filter(action="people.person.viewed", actor=admin).exists()


@pytest.mark.parametrize("action", ["changed", "people.changed", "People.person.changed"])
def test_log_action_refuses_actions_without_namespace(action):
    with pytest.raises(ValueError, match="namespaced"):
        log_action(action=action)


@pytest.mark.parametrize(
    "data",
    [{"note": "anna@example.se"}, {"ids": ["19900101-0017"]}, {"nested": {"x": "900101-0017"}}],
)
def test_log_action_refuses_personal_data(data):
    with pytest.raises(ValueError, match="personal data"):
        log_action(action="people.person.changed", data=data)
    assert not AuditEvent.objects.exists()

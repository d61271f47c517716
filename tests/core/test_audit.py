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


def test_listing_and_viewing_people_is_audited_without_search_words(client, world):
    from django.urls import reverse

    from tests.factories import sign_in

    sign_in(client, world["users"]["coordinator"])
    client.get(reverse("people:list"), {"q": "anna"})
    listed = AuditEvent.objects.get(action="people.person.listed")
    assert listed.actor == world["users"]["coordinator"]
    assert listed.data == {"results": 1, "page": 1}
    client.get(reverse("people:detail", args=[world["own_person"].pk]))
    viewed = AuditEvent.objects.get(action="people.person.viewed")
    assert viewed.target_id == str(world["own_person"].pk)
    assert viewed.municipality_id == world["own"].pk


def test_audit_log_page_searches(client, world):
    from django.urls import reverse

    from tests.factories import sign_in

    admin = world["users"]["admin"]
    log_action(action="people.person.changed", actor=admin, data={"fields": ["phone"]})
    log_action(action="programmes.programme.loaded")
    sign_in(client, admin)
    response = client.get(reverse("site:audit_log"), {"action": "people.person"})
    actions = {event.action for event in response.context["page"].object_list}
    assert actions == {"people.person.changed"}
    response = client.get(reverse("site:audit_log"), {"actor": "ADMIN@test.example"})
    assert all(e.actor == admin for e in response.context["page"].object_list)
    assert response.context["page"].paginator.count >= 1
    bad = client.get(reverse("site:audit_log"), {"since": "not-a-date"})
    assert bad.status_code == 200
    assert "since" in bad.context["form"].errors
    assert AuditEvent.objects.filter(action="core.audit_log.listed").exists()

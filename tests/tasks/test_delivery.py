"""E-mail with an idempotency key goes out once per key; without a key, every time."""

import pytest
from django.core import mail
from django.test import override_settings

from grannar.core.models import EmailDelivery
from grannar.core.tasks import deliver_email, message_id
from grannar.training.models import Registration
from grannar.training.services import registration_cancel, registration_create
from tests.factories import make_session
from tests.redis_server import free_port
from tests.tasks.conftest import rq_settings

pytestmark = pytest.mark.django_db


def _send(key=""):
    return deliver_email(subject="Hej", body="Text", to=["a@test.example"], key=key)


def test_a_key_sends_once_however_often_the_job_runs():
    assert _send("k:1") == 1
    assert _send("k:1") == 0
    assert len(mail.outbox) == 1
    assert EmailDelivery.objects.get().key == "k:1"
    assert mail.outbox[0].extra_headers["Message-ID"] == message_id("k:1")


def test_without_a_key_every_run_sends_the_control():
    assert _send() == 1
    assert _send() == 1
    assert len(mail.outbox) == 2
    assert not EmailDelivery.objects.exists()


def test_the_same_key_gives_the_same_message_id_and_another_key_another():
    assert message_id("k:1") == message_id("k:1")
    assert message_id("k:1") != message_id("k:2")
    assert message_id("k:1").startswith("<")
    assert message_id("k:1").endswith("@localhost>")


def test_a_mail_server_that_refuses_leaves_no_delivery_so_the_retry_sends():
    closed = free_port()
    with (
        override_settings(
            EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            EMAIL_HOST="127.0.0.1",
            EMAIL_PORT=closed,
            EMAIL_TIMEOUT=2,
        ),
        pytest.raises(ConnectionRefusedError),
    ):
        _send("k:refused")
    assert not EmailDelivery.objects.exists()
    assert _send("k:refused") == 1
    assert len(mail.outbox) == 1


def test_registering_again_after_cancelling_is_confirmed_again(
    world, django_capture_on_commit_callbacks
):
    session = make_session(programme=world["programme"])
    user = world["users"]["participant"]
    with django_capture_on_commit_callbacks(execute=True):
        registration = registration_create(session=session, person=user.person, by=user)
    with django_capture_on_commit_callbacks(execute=True):
        registration_cancel(registration=registration, by=user)
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(session=session, person=user.person, by=user)
    confirmations = [m for m in mail.outbox if "grannar.ics" in str(m.attachments)]
    assert len(confirmations) == 2
    assert EmailDelivery.objects.filter(key__contains=":confirmed:").count() == 2


def test_a_registration_stands_when_redis_does_not_answer(
    world, django_capture_on_commit_callbacks, caplog
):
    session = make_session(programme=world["programme"])
    user = world["users"]["participant"]
    with (
        rq_settings(f"redis://127.0.0.1:{free_port()}/0"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        registration = registration_create(session=session, person=user.person, by=user)
    assert Registration.objects.with_scopes_disabled().get(pk=registration.pk).status == (
        Registration.Status.CONFIRMED
    )
    assert any("on_commit" in record.getMessage() for record in caplog.records)

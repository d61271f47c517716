"""What one press of "Anmäl mig" costs: the queries of the real view, in one transaction."""

import pytest
from django.contrib.sessions.models import Session as StoredSession
from django.core import mail
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django_scopes import scopes_disabled
from django_tasks_db.models import DBTaskResult

from grannar.core.models import AuditEvent
from grannar.core.tasks import enqueue_after_commit, send_email
from grannar.training.models import Registration
from grannar.training.notifications import send_registration_email
from tests.factories import make_session, sign_in

pytestmark = pytest.mark.django_db
DATABASE_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# The web session, the user with their person, their roles (middleware); one read of the
# session, its course's state, the person's registration if any and their municipality's
# leaving date (the view); then one transaction: the registration, the audit entry, the queued
# e-mail and the seat claim. The two SAVEPOINT lines are that transaction as seen inside the
# test's own (BEGIN and COMMIT outside tests). The web session is not written.
REGISTRATION_QUERIES = 10


@pytest.fixture
def participant(client, world):
    user = world["users"]["participant"]
    sign_in(client, user)
    return user


@pytest.mark.parametrize("capacity", [1, 0], ids=["seat", "waiting_line"])
def test_registering_costs_a_fixed_number_of_queries(
    client, world, participant, settings, capacity
):
    settings.TASKS = DATABASE_TASKS
    with scopes_disabled():
        session = make_session(programme=world["programme"], capacity=capacity)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(reverse("training:register", args=[session.pk]))
    assert response.status_code == 302
    sql = [query["sql"] for query in captured.captured_queries]
    assert len(sql) == REGISTRATION_QUERIES, "\n".join(sql)
    writes = [q for q in sql if q.startswith(("INSERT", "UPDATE", "DELETE"))]
    # The seat claim (which changes nothing when the session is full), the registration, the
    # audit entry and the e-mail task.
    assert len(writes) == 4, "\n".join(writes)
    assert not any("django_session" in q for q in writes)
    with scopes_disabled():
        registration = Registration.objects.get(session=session)
    status = "confirmed" if capacity else "waitlisted"
    assert registration.status == status
    assert AuditEvent.objects.filter(action=f"training.registration.{status}").exists()
    queued = DBTaskResult.objects.get()
    assert queued.task_path.endswith("send_registration_email")
    assert queued.args_kwargs["kwargs"] == {
        "registration_id": registration.pk,
        "status": status,
        "key": f"training.registration:{registration.pk}:{status}:"
        f"{registration.changed.isoformat()}",
    }


def test_the_queued_email_is_written_by_the_task(client, world, participant, settings):
    settings.TASKS = DATABASE_TASKS
    with scopes_disabled():
        session = make_session(programme=world["programme"], capacity=1)
    client.post(reverse("training:register", args=[session.pk]))
    assert not mail.outbox  # the request only queued it
    queued = DBTaskResult.objects.get()
    send_registration_email.call(**queued.args_kwargs["kwargs"])
    (message,) = mail.outbox
    assert message.to == [participant.person.email]
    assert message.subject == f"Din plats: {session.course.title}"
    assert "BEGIN:VEVENT" in message.attachments[0][1]
    # A second run of the same job (a worker died before marking it done) sends nothing.
    assert send_registration_email.call(**queued.args_kwargs["kwargs"]) == 0
    assert len(mail.outbox) == 1


def test_the_message_after_registering_comes_by_cookie_not_session(client, world, participant):
    with scopes_disabled():
        session = make_session(programme=world["programme"], capacity=1)
    stored = StoredSession.objects.get()
    response = client.post(reverse("training:register", args=[session.pk]), follow=True)
    assert "Du har en plats. En bekräftelse har skickats per e-post." in response.content.decode()
    assert StoredSession.objects.get().session_data == stored.session_data


def test_a_queued_job_in_the_database_goes_with_a_rollback(settings):
    settings.TASKS = DATABASE_TASKS

    seen = []

    def queue_then_fail():
        with transaction.atomic():
            enqueue_after_commit(send_email, subject="s", body="b", to=["a@test.example"])
            seen.append(DBTaskResult.objects.count())  # written in the same transaction
            raise RuntimeError

    with pytest.raises(RuntimeError):
        queue_then_fail()
    assert seen == [1]
    assert not DBTaskResult.objects.exists()


def test_other_backends_get_the_job_only_after_commit(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        with transaction.atomic():
            enqueue_after_commit(send_email, subject="s", body="b", to=["a@test.example"])
        assert not mail.outbox
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1

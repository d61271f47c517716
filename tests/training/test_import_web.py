import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django_scopes import scopes_disabled

from grannar.training.models import ImportJob, Session
from tests.factories import sign_in
from tests.training.test_imports import SESSIONS

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, world):
    sign_in(client, world["users"]["admin"])
    return client


def upload(client, world, text: str, name="sessions.csv"):
    return client.post(
        reverse("training:import_upload"),
        {
            "kind": "sessions",
            "programme": world["programme"].pk,
            "file": SimpleUploadedFile(name, text.encode(), content_type="text/csv"),
        },
    )


def test_the_request_only_stores_the_upload_and_the_worker_previews(
    admin_client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as queued:
        response = upload(admin_client, world, SESSIONS)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("training:import_status", args=[job.pk])
    # Nothing was checked in the request: the job waits for the worker, and the page polls.
    assert job.status == ImportJob.Status.PREVIEWING
    assert job.preview == {}
    assert len(queued) == 1
    page = admin_client.get(response["Location"]).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert '<progress id="import-progress" max="100" value="0">' in page
    queued[0]()  # the worker runs the preview
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    assert job.progress == 100
    assert job.preview["changes"]["sessions_created"] == 3
    assert not Session.objects.exists()  # the preview wrote nothing


def test_upload_preview_confirm_and_progress(
    admin_client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(admin_client, world, SESSIONS)
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.PREVIEWED
    page = admin_client.get(response["Location"]).content.decode()
    assert "Tillfällen skapade: 3" in page
    assert "Kurser skapade: 2" in page
    assert "sessions_created" not in page
    assert "hx-trigger" not in page  # the preview is ready: no more polling
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("training:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    assert job.progress == 100
    assert Session.objects.count() == 3
    fragment = admin_client.get(response["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in fragment
    assert "hx-trigger" not in fragment  # finished: no more polling
    # A second confirmation (a double click) starts nothing.
    admin_client.post(reverse("training:import_confirm", args=[job.pk]))
    assert Session.objects.count() == 3


def test_a_preview_job_is_not_imported_by_a_confirmation_before_it_is_ready(
    admin_client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks():
        upload(admin_client, world, SESSIONS)
    job = ImportJob.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("training:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWING
    assert not Session.objects.exists()


def test_only_admins_upload(client, world):
    sign_in(client, world["users"]["coordinator"])
    response = upload(client, world, SESSIONS)
    assert response.status_code in (403, 404)
    assert not ImportJob.objects.exists()


def test_a_running_job_polls_with_a_progress_bar(admin_client, world):
    job = ImportJob.objects.create(
        kind="sessions",
        programme=world["programme"],
        filename="s.csv",
        content=b"",
        status=ImportJob.Status.CHECKING,
        progress=40,
    )
    page = admin_client.get(reverse("training:import_status", args=[job.pk])).content.decode()
    assert 'hx-trigger="every 1s"' in page
    assert '<progress id="import-progress" max="100" value="40">' in page


def test_problems_block_the_import_unless_skipped(
    admin_client, world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, world, SESSIONS.replace("T2,trauma", ",trauma"))
    job = ImportJob.objects.get()
    assert job.preview["problems"] == ["rad 3, kolumn session_code: obligatoriskt"]
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("training:import_confirm", args=[job.pk]))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.PREVIEWED
    with django_capture_on_commit_callbacks(execute=True):
        admin_client.post(reverse("training:import_confirm", args=[job.pk]), {"skip_invalid": "on"})
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    with scopes_disabled():
        assert set(Session.objects.values_list("code", flat=True)) == {"T1", "L1"}


def test_wrong_file_type_and_bad_header_are_refused(
    admin_client, world, django_capture_on_commit_callbacks
):
    response = upload(admin_client, world, "x", name="notes.txt")
    assert "file" in response.context["form"].errors
    with django_capture_on_commit_callbacks(execute=True):
        upload(admin_client, world, "colour\nred\n")
    job = ImportJob.objects.get()
    assert job.status == ImportJob.Status.REFUSED
    assert any("colour" in problem for problem in job.preview["problems"])


def test_a_job_stopped_by_an_error_ends_and_says_so(admin_client, world):
    from grannar.training.tasks import run_import_job

    # A kind no importer knows stands for any unexpected error inside the worker.
    job = ImportJob.objects.create(
        kind="unknown",
        programme=world["programme"],
        filename="s.csv",
        content=SESSIONS.encode(),
        status=ImportJob.Status.QUEUED,
    )
    with pytest.raises(KeyError):
        run_import_job.call(job_id=job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED
    assert not job.running
    page = admin_client.get(reverse("training:import_status", args=[job.pk])).content.decode()
    assert "hx-trigger" not in page
    assert "Inget skrevs" in page
    assert not Session.objects.exists()

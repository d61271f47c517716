"""Imports in the web interface: upload, then a background preview of what would change and,
once confirmed, a background run."""

from django.contrib import messages
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from grannar.core.audit import log_action
from grannar.core.permissions import role_required
from grannar.people.models import Role
from grannar.training.forms import ImportConfirmForm, ImportUploadForm
from grannar.training.imports import change_lines
from grannar.training.models import ImportJob
from grannar.training.progress import progress_apply
from grannar.training.tasks import run_import_job


@role_required(Role.ADMIN)
@require_http_methods(["GET", "POST"])
def import_upload_view(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        # The request only stores the upload; the worker checks it (the preview).
        with transaction.atomic():
            job = ImportJob.objects.create(
                kind=form.cleaned_data["kind"],
                programme=form.cleaned_data["programme"],
                filename=upload.name,
                content=upload.read(),
                status=ImportJob.Status.PREVIEWING,
                created_by=request.user,
            )
            log_action(
                action="training.import.uploaded",
                actor=request.user,
                target=job,
                data={"kind": job.kind},
            )
            transaction.on_commit(lambda: run_import_job.enqueue(job_id=job.pk))
        return redirect("training:import_status", pk=job.pk)
    jobs = ImportJob.objects.select_related("programme").defer("content")[:20]
    return render(request, "training/import/upload.html", {"form": form, "jobs": jobs})


@role_required(Role.ADMIN)
@require_POST
def import_confirm_view(request, pk: int):
    form = ImportConfirmForm(request.POST)
    with transaction.atomic():
        job = get_object_or_404(ImportJob.objects.select_for_update(), pk=pk)
        if job.status != ImportJob.Status.PREVIEWED or not form.is_valid():
            # A second click, or a refused file: nothing more to start.
            return redirect("training:import_status", pk=job.pk)
        job.skip_invalid = form.cleaned_data["skip_invalid"]
        if job.preview.get("problems") and not job.skip_invalid:
            messages.error(
                request, _("The file has problems: fix it, or choose to skip those rows.")
            )
            return redirect("training:import_status", pk=job.pk)
        job.status = ImportJob.Status.QUEUED
        job.save(update_fields=["status", "skip_invalid"])
        log_action(
            action="training.import.queued", actor=request.user, target=job, data={"kind": job.kind}
        )
        transaction.on_commit(lambda: run_import_job.enqueue(job_id=job.pk))
    return redirect("training:import_status", pk=job.pk)


@role_required(Role.ADMIN)
@require_GET
def import_status_view(request, pk: int):
    job = get_object_or_404(ImportJob.objects.select_related("programme").defer("content"), pk=pk)
    progress_apply(job)
    report = job.report or job.preview
    context = {
        "job": job,
        "report": report,
        "changes": change_lines(report.get("changes", {})),
        "confirm_form": ImportConfirmForm(),
    }
    template = "training/import/_status.html" if request.htmx else "training/import/status.html"
    return render(request, template, context)

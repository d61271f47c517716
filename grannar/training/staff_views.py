"""Coordinators follow their own staff: "Min kommun" and a person's training record."""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from grannar.core.audit import log_action
from grannar.core.permissions import role_required
from grannar.people.models import Role
from grannar.people.selectors import access_person, managed_municipalities
from grannar.training import selectors
from grannar.training.models import Registration, Session


@role_required(Role.COORDINATOR)
@require_GET
def municipality_view(request):
    municipalities = list(managed_municipalities(request.user))
    sessions = selectors.municipality_bookings(
        municipality_ids=[municipality.pk for municipality in municipalities]
    )
    # The page names staff: log that it was shown and how much, never who.
    log_action(
        action="training.municipality_bookings.viewed",
        actor=request.user,
        data={"sessions": len(sessions)},
    )
    return render(
        request,
        "training/municipality.html",
        {"municipalities": municipalities, "sessions": sessions},
    )


@role_required(Role.ADMIN, Role.COORDINATOR)
@require_GET
def person_view(request, pk: int):
    person = access_person(user=request.user, pk=pk)
    registrations = list(selectors.person_training(person_id=person.pk))
    now = timezone.now()
    log_action(
        action="training.person_record.viewed",
        actor=request.user,
        target=person,
        municipality_id=person.municipality_id,
    )
    return render(
        request,
        "training/person.html",
        {
            "person": person,
            "registrations": registrations,
            "waiting": [
                r
                for r in registrations
                if r.status == Registration.Status.WAITLISTED
                and r.session.status == Session.Status.SCHEDULED
                and r.session.ends >= now
            ],
            "certificates": [
                r.certificate
                for r in registrations
                if getattr(r, "certificate", None) is not None and not r.certificate.revoked
            ],
        },
    )

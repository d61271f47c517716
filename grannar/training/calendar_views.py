"""Sessions in the participant's own calendar: one session's .ics and a personal feed."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_safe

from grannar.training import selectors
from grannar.training.calendar import (
    access_calendar_feed,
    calendar_feed_create,
    calendar_feed_of,
    calendar_feed_revoke,
    feed_sessions,
)
from grannar.training.models import Session
from grannar.training.notifications import calendar_ics, session_ics

ICS = "text/calendar; charset=utf-8"


@login_required
@require_GET
def session_calendar_view(request, pk: int):
    session = selectors.access_session(user=request.user, pk=pk)
    cancelled = session.status == Session.Status.CANCELLED
    response = HttpResponse(session_ics(session, cancelled=cancelled), content_type=ICS)
    response["Content-Disposition"] = f'attachment; filename="{session.code}.ics"'
    return response


@require_safe
@never_cache
def calendar_feed_view(request, token: str):
    """The subscription itself: no sign-in (calendar apps cannot), the token is the key."""
    person = access_calendar_feed(token=token)
    if person is None:
        raise Http404
    body = calendar_ics(feed_sessions(person_id=person.pk), name=_("Grannar: my sessions"))
    response = HttpResponse(body, content_type=ICS)
    response["Content-Disposition"] = 'inline; filename="grannar.ics"'
    response["X-Robots-Tag"] = "noindex"
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def calendar_feed_manage_view(request):
    person = request.user.person
    token = ""
    if request.method == "POST":
        if person is None:
            messages.error(request, _("Your account is not linked to a participant."))
            return redirect("training:calendar_feed_manage")
        if request.POST.get("action") == "revoke":
            if calendar_feed_revoke(person=person, by=request.user):
                messages.success(request, _("The calendar address has been revoked."))
            return redirect("training:calendar_feed_manage")
        token = calendar_feed_create(person=person, by=request.user)
    feed_url = ""
    if token:
        feed_url = settings.GRANNAR_SITE_URL + reverse("training:calendar_feed", args=[token])
    return render(
        request,
        "training/calendar_feed.html",
        {
            "person": person,
            "feed": calendar_feed_of(person_id=person.pk if person else None),
            "feed_url": feed_url,
        },
    )

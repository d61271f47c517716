"""Sessions in the participant's own calendar: a session's .ics and the personal feed."""

import datetime as dt
import hashlib
import re
import zoneinfo

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from grannar.core.logs import loggable_path
from grannar.core.models import AuditEvent
from grannar.training.models import CalendarFeed, Registration, Session
from grannar.training.services import registration_cancel, registration_create
from tests.factories import make_person, make_session, sign_in

pytestmark = pytest.mark.django_db
STOCKHOLM = zoneinfo.ZoneInfo("Europe/Stockholm")


def parse(response) -> Calendar:
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def events(calendar: Calendar) -> dict[str, object]:
    return {str(event["uid"]): event for event in calendar.walk("VEVENT")}


def test_session_ics_publishes_the_session_in_stockholm_time(client, world, settings):
    settings.GRANNAR_SITE_URL = "https://grannar.example"
    session = make_session(programme=world["programme"], location="Regionens hus, sal 3")
    sign_in(client, world["users"]["participant"])
    before = timezone.now().replace(microsecond=0)
    response = client.get(reverse("training:session_calendar", args=[session.pk]))
    assert f'filename="{session.code}.ics"' in response["Content-Disposition"]
    calendar = parse(response)
    assert calendar["method"] == "PUBLISH"
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["tzid"]) == "Europe/Stockholm"
    event = events(calendar)[f"session-{session.pk}@grannar"]
    assert event["dtstart"].params["TZID"] == "Europe/Stockholm"
    assert event.decoded("dtstart") == session.starts
    assert event.decoded("dtstart").utcoffset() == session.starts.astimezone(STOCKHOLM).utcoffset()
    assert event.decoded("dtend") == session.ends
    stamp = event.decoded("dtstamp")
    assert before <= stamp <= timezone.now() + dt.timedelta(seconds=1)
    link = f"https://grannar.example{reverse('training:session', args=[session.pk])}"
    description = str(event["description"])
    assert "Var: Regionens hus, sal 3" in description
    assert link in description
    assert str(event["location"]) == "Regionens hus, sal 3"
    assert str(event["url"]) == link
    assert str(event["summary"]) == session.course.title


def test_cancelled_session_ics_says_so(client, world):
    session = make_session(programme=world["programme"])
    Session.objects.filter(pk=session.pk).update(status=Session.Status.CANCELLED)
    sign_in(client, world["users"]["participant"])
    calendar = parse(client.get(reverse("training:session_calendar", args=[session.pk])))
    assert str(events(calendar)[f"session-{session.pk}@grannar"]["status"]) == "CANCELLED"


def test_session_ics_needs_sign_in_and_a_published_session(client, world):
    session = make_session(programme=world["programme"])
    url = reverse("training:session_calendar", args=[session.pk])
    assert client.get(url).status_code == 302
    session.course.status = "draft"
    session.course.save()
    sign_in(client, world["users"]["participant"])
    assert client.get(url).status_code == 404


def test_session_page_and_my_registrations_link_to_the_ics(client, world):
    participant = world["users"]["participant"]
    session = make_session(programme=world["programme"])
    registration_create(session=session, person=participant.person, by=participant)
    sign_in(client, participant)
    ics = reverse("training:session_calendar", args=[session.pk])
    assert (
        f'href="{ics}"'
        in client.get(reverse("training:session", args=[session.pk])).content.decode()
    )
    mine = client.get(reverse("training:my_registrations")).content.decode()
    assert f'href="{ics}"' in mine
    assert f'href="{reverse("training:calendar_feed_manage")}"' in mine


def make_feed(client, user) -> str:
    sign_in(client, user)
    response = client.post(reverse("training:calendar_feed_manage"), {"action": "create"})
    assert response.status_code == 200
    match = re.search(
        r'value="(https?://[^"]+/training/feed/([^"/]+)\.ics)"', response.content.decode()
    )
    assert match, "the new address is shown once"
    client.logout()
    return match.group(2)


def test_feed_lists_confirmed_coming_and_recent_sessions_only(client, world):
    participant = world["users"]["participant"]
    person, admin = participant.person, world["users"]["admin"]
    programme = world["programme"]
    coming = make_session(programme=programme, days_ahead=10)
    recent = make_session(programme=programme, days_ahead=2)
    old = make_session(programme=programme, days_ahead=3)
    full = make_session(programme=programme, capacity=1, days_ahead=12)
    cancelled = make_session(programme=programme, days_ahead=14)
    called_off = make_session(programme=programme, days_ahead=16)
    someone_elses = make_session(programme=programme, days_ahead=18)
    for session in (coming, recent, old, cancelled, called_off):
        registration_create(session=session, person=person, by=admin)
    registration_create(session=full, person=make_person(municipality=world["own"]), by=admin)
    assert registration_create(session=full, person=person, by=admin).status == "waitlisted"
    registration_cancel(
        registration=Registration.objects.with_scopes_disabled().get(
            session=cancelled, person=person
        ),
        by=admin,
    )
    Session.objects.filter(pk=called_off.pk).update(status=Session.Status.CANCELLED)
    registration_create(session=someone_elses, person=world["own_person"], by=admin)
    for session, days in ((recent, 10), (old, 40)):
        Session.objects.filter(pk=session.pk).update(
            starts=session.starts - dt.timedelta(days=days),
            ends=session.ends - dt.timedelta(days=days),
        )
    token = make_feed(client, participant)
    assert client.head(reverse("training:calendar_feed", args=[token])).status_code == 200
    response = client.get(reverse("training:calendar_feed", args=[token]))
    assert response["Cache-Control"].startswith("max-age=0")
    calendar = parse(response)
    assert calendar["method"] == "PUBLISH"
    assert calendar.walk("VTIMEZONE")
    assert set(events(calendar)) == {f"session-{s.pk}@grannar" for s in (coming, recent)}
    assert [e.decoded("dtstart") for e in calendar.walk("VEVENT")] == sorted(
        e.decoded("dtstart") for e in calendar.walk("VEVENT")
    )


def test_feed_token_is_stored_hashed_and_audited_without_it(client, world):
    participant = world["users"]["participant"]
    token = make_feed(client, participant)
    feed = CalendarFeed.objects.get(person=participant.person)
    assert feed.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in feed.token_hash
    event = AuditEvent.objects.get(action="training.calendar_feed.created")
    assert event.actor == participant
    assert token not in str(event.data)
    assert event.data == {"replaced": False}


def test_feed_can_be_remade_and_revoked(client, world):
    participant = world["users"]["participant"]
    first = make_feed(client, participant)
    second = make_feed(client, participant)
    assert first != second
    assert client.get(reverse("training:calendar_feed", args=[first])).status_code == 404
    assert client.get(reverse("training:calendar_feed", args=[second])).status_code == 200
    assert AuditEvent.objects.get(action="training.calendar_feed.created", data__replaced=True)
    sign_in(client, participant)
    page = client.get(reverse("training:calendar_feed_manage")).content.decode()
    assert second not in page
    assert "Du har en kalenderadress" in page
    response = client.post(
        reverse("training:calendar_feed_manage"), {"action": "revoke"}, follow=True
    )
    assert "Kalenderadressen har återkallats." in response.content.decode()
    assert not CalendarFeed.objects.exists()
    assert AuditEvent.objects.filter(action="training.calendar_feed.revoked").count() == 1
    client.logout()
    assert client.get(reverse("training:calendar_feed", args=[second])).status_code == 404


def test_feed_refuses_unknown_tokens_and_accounts_without_a_person(client, world):
    assert client.get(reverse("training:calendar_feed", args=["x" * 43])).status_code == 404
    assert client.get(reverse("training:calendar_feed", args=["x" * 300])).status_code == 404
    sign_in(client, world["users"]["auditor"])
    response = client.post(
        reverse("training:calendar_feed_manage"), {"action": "create"}, follow=True
    )
    assert "Ditt konto är inte kopplat till en deltagare." in response.content.decode()
    assert not CalendarFeed.objects.exists()


def test_feed_token_never_reaches_the_logs():
    token = "AbC-123_secret"
    assert (
        loggable_path(reverse("training:calendar_feed", args=[token])) == "/training/feed/[hidden]"
    )
    assert token not in loggable_path(f"/training/feed/{token}.ics?x=1")


def test_confirmation_email_carries_the_same_calendar(
    world, mailoutbox, django_capture_on_commit_callbacks
):
    participant = world["users"]["participant"]
    session = make_session(programme=world["programme"])
    with django_capture_on_commit_callbacks(execute=True):
        registration_create(session=session, person=participant.person, by=participant)
    (message,) = mailoutbox
    (attachment,) = [a for a in message.attachments if a[0].endswith(".ics")]
    calendar = Calendar.from_ical(attachment[1])
    assert calendar["method"] == "PUBLISH"
    assert f"session-{session.pk}@grannar" in events(calendar)

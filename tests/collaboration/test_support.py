"""Support resources: engagements, outcomes and the verifiable reference letter."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grannar.collaboration.models import Engagement, Outcome, ReferenceLetter
from grannar.collaboration.services import meeting_record
from grannar.collaboration.support import (
    engagement_record,
    outcome_record,
    reference_letter_issue,
    reference_letter_pdf,
    reference_verify,
)
from grannar.core.logs import loggable_path
from grannar.core.models import AuditEvent
from tests.collaboration.helpers import make_workshop
from tests.factories import make_person, make_session, sign_in

pytestmark = pytest.mark.usefixtures("no_scope")
TODAY = dt.date.today()


def support_resource(world, target: str = "own"):
    return make_person(
        municipality=world[target], support_resource=True, first_name="Amir", last_name="Haidari"
    )


def test_engagement_in_a_session_or_a_meeting_of_the_own_municipality(world):
    person = support_resource(world)
    session = make_session(programme=world["programme"], days_ahead=-3)
    engagement = engagement_record(
        person=person, session=session, role="co_trainer", hours=Decimal("2.5"), by=None
    )
    assert engagement.hours == Decimal("2.5")
    own = make_workshop(world)
    other = make_workshop(world, target="other")
    own_meeting = meeting_record(workshop=own, date=TODAY, attendees=[], by=None)
    other_meeting = meeting_record(workshop=other, date=TODAY, attendees=[], by=None)
    engagement_record(person=person, meeting=own_meeting, role="panel", hours=Decimal(1), by=None)
    with pytest.raises(ValidationError, match="egna kommunens pilotverkstad"):
        engagement_record(
            person=person, meeting=other_meeting, role="panel", hours=Decimal(1), by=None
        )
    with pytest.raises(ValidationError, match="Tillfälle eller möte"):
        engagement_record(person=person, role="panel", hours=Decimal(1), by=None)
    with pytest.raises(ValidationError, match="Tillfälle eller möte"):
        engagement_record(
            person=person,
            session=session,
            meeting=own_meeting,
            role="panel",
            hours=Decimal(1),
            by=None,
        )
    with pytest.raises(ValidationError, match="Timmar"):
        engagement_record(person=person, session=session, role="panel", hours=Decimal(25), by=None)
    staff = make_person(municipality=world["own"])
    with pytest.raises(ValidationError, match="inte en stödresurs"):
        engagement_record(person=staff, session=session, role="panel", hours=Decimal(1), by=None)
    assert Engagement.objects.count() == 2
    assert AuditEvent.objects.filter(action="collaboration.engagement.recorded").count() == 2


def test_outcome_once_per_moment_and_replaced_when_recorded_again(world):
    person = support_resource(world)
    programme = world["programme"]
    outcome_record(
        person=person,
        programme=programme,
        moment="programme_end",
        result="studies",
        recorded_on=TODAY,
        by=None,
    )
    outcome_record(
        person=person,
        programme=programme,
        moment="programme_end",
        result="work",
        recorded_on=TODAY,
        by=None,
    )
    outcome_record(
        person=person,
        programme=programme,
        moment="follow_up",
        result="job_seeking",
        recorded_on=TODAY,
        by=None,
    )
    assert dict(Outcome.objects.values_list("moment", "result")) == {
        "programme_end": "work",
        "follow_up": "job_seeking",
    }
    with pytest.raises(ValidationError, match="Resultat"):
        outcome_record(
            person=person,
            programme=programme,
            moment="follow_up",
            result="rich",
            recorded_on=TODAY,
            by=None,
        )
    with pytest.raises(ValidationError, match="Datum"):
        outcome_record(
            person=person,
            programme=programme,
            moment="follow_up",
            result="work",
            recorded_on=TODAY + dt.timedelta(days=1),
            by=None,
        )
    assert AuditEvent.objects.filter(action="collaboration.outcome.changed").count() == 1


def test_reference_letter_states_engagements_and_hours_and_verifies_with_initials(world):
    person = support_resource(world)
    programme = world["programme"]
    with pytest.raises(ValidationError, match="minst ett uppdrag"):
        reference_letter_issue(person=person, programme=programme, by=None)
    for hours in ("2.5", "3"):
        engagement_record(
            person=person,
            session=make_session(programme=programme, days_ahead=-5),
            role="experience_expert",
            hours=Decimal(hours),
            by=None,
        )
    letter = reference_letter_issue(person=person, programme=programme, by=None)
    assert (letter.engagements, letter.hours) == (2, Decimal("5.5"))
    pdf = reference_letter_pdf(letter)
    assert pdf.startswith(b"%PDF")
    result = reference_verify(letter.code.lower())
    assert result["initials"] == "A. H."
    assert result["hours"] == Decimal("5.5")
    assert "Haidari" not in str(result)
    assert reference_verify("NOSUCHCODE") is None


def test_verification_page_is_public_and_its_code_stays_out_of_the_logs(world, client):
    person = support_resource(world)
    engagement_record(
        person=person,
        session=make_session(programme=world["programme"], days_ahead=-5),
        role="panel",
        hours=Decimal(2),
        by=None,
    )
    letter = reference_letter_issue(person=person, programme=world["programme"], by=None)
    url = reverse("collaboration:reference_verify", args=[letter.code])
    page = client.get(url).content.decode()
    assert "A. H." in page
    assert "Haidari" not in page
    assert client.get(reverse("collaboration:reference_verify", args=["NOPE"])).status_code == 404
    assert loggable_path(url) == "/collaboration/verify/[hidden]/"


def test_coordinator_records_and_issues_through_the_pages(world, client):
    sign_in(client, world["users"]["coordinator"])
    person = support_resource(world)
    session = make_session(programme=world["programme"], days_ahead=-2)
    url = reverse("collaboration:support_resource", args=[person.pk])
    response = client.post(
        reverse("collaboration:engagement_add", args=[person.pk]),
        {"session": session.pk, "role": "co_trainer", "hours": "30"},
    )
    assert response.status_code == 400
    assert "Timmar" in response.content.decode()
    response = client.post(
        reverse("collaboration:engagement_add", args=[person.pk]),
        {"session": session.pk, "role": "co_trainer", "hours": "3"},
    )
    assert response.url == url
    response = client.post(
        reverse("collaboration:outcome_set", args=[person.pk]),
        {
            "programme": world["programme"].pk,
            "moment": "programme_end",
            "result": "internship",
            "recorded_on": TODAY.isoformat(),
        },
    )
    assert response.url == url
    response = client.post(
        reverse("collaboration:letter_issue", args=[person.pk]),
        {"programme": world["programme"].pk},
    )
    letter = ReferenceLetter.objects.get()
    assert response.url == reverse("collaboration:letter_download", args=[letter.pk])
    download = client.get(response.url)
    assert download["Content-Type"] == "application/pdf"
    assert AuditEvent.objects.filter(action="collaboration.reference_letter.downloaded").exists()
    page = client.get(url).content.decode()
    assert "Praktik" in page or "praktik" in page
    engagement = Engagement.objects.get()
    client.post(reverse("collaboration:engagement_remove", args=[engagement.pk]))
    assert not Engagement.objects.exists()


def test_support_resources_of_another_municipality_are_hidden_from_a_coordinator(world, client):
    own, other = support_resource(world), support_resource(world, "other")
    sign_in(client, world["users"]["coordinator"])
    page = client.get(reverse("collaboration:support_list")).content.decode()
    assert reverse("collaboration:support_resource", args=[own.pk]) in page
    assert reverse("collaboration:support_resource", args=[other.pk]) not in page
    response = client.post(
        reverse("collaboration:engagement_add", args=[other.pk]),
        {"session": make_session(programme=world["programme"]).pk, "role": "panel", "hours": "1"},
    )
    assert response.status_code == 404
    assert not Engagement.objects.exists()
    sign_in(client, world["users"]["evaluator"])
    assert client.get(reverse("collaboration:support_list")).status_code == 403

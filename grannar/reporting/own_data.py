"""Everything held about one person (GDPR art. 15 and 20): their record, account, training,
survey answers, support-resource work and the audit log's entries about them, as one set of
sections that the JSON file, the page and the PDF all show.

Only rows tied to the person themself are read: their `Person`, their `User`, the records that
point at either, and the pseudonymous answers whose keyed hash is theirs (recomputed here with
the same key, since nothing else links them). Anonymous answers cannot be found, by design.
The personnummer is never shown in full, not even to its holder: the export is a file that may
be e-mailed or left in a download folder, so it shows the birth date and hides the last four
digits (docs/decisions.md). Apps above reporting add their own sections through `register`.
"""

import datetime as dt
import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import TextIO

from axes.models import AccessAttempt
from django.db.models import Q
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_scopes import scopes_disabled

from grannar.collaboration.models import (
    Engagement,
    GroupMember,
    Lesson,
    Meeting,
    Outcome,
    ReferenceLetter,
    Routine,
)
from grannar.core.audit import action_description, log_action
from grannar.core.crypto import decrypt_text
from grannar.core.models import AuditEvent
from grannar.evaluation.models import Answer, Invitation, Response, Survey
from grannar.evaluation.services import pseudonym
from grannar.people.models import (
    ErasureRequest,
    Gender,
    Person,
    Role,
    User,
    normalize_email,
)
from grannar.reporting.documents import Document
from grannar.training.models import (
    Attendance,
    CalendarFeed,
    Certificate,
    ImportJob,
    MonthlyAttestation,
    PersonRollup,
    Registration,
)

FORMAT = "grannar-own-data/1"
# Wider tables do not fit an A4 page; their records print as labelled values instead.
PRINTED_TABLE_COLUMNS = 4
# A long section (a staff member's own audit entries) is cut on the page, not in the files.
PAGE_ROWS = 500
NO_VALUE = "–"

# Programme-wide files and lists that name every participant: an event of one of these in a
# programme (or on a session) the person took part in disclosed their data too.
PROGRAMME_DISCLOSURES = (
    "reporting.esf_participants.exported",
    "reporting.esf_attendance.exported",
    "reporting.esf.made",
)
SESSION_DISCLOSURES = ("training.attendance.listed", "training.evidence.viewed")


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    choices: type | None = None  # a TextChoices class: the page shows its label
    printed: bool = True  # False: in the JSON and on the page, not in the PDF's narrow table

    def shown(self, value) -> str:
        """The value as the page and the PDF show it."""
        if value is None or value == "" or value == []:
            return NO_VALUE
        if self.choices is not None:
            return str(dict(self.choices.choices).get(value, value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, dt.datetime):
            return timezone.localtime(value).strftime("%Y-%m-%d %H:%M")
        if isinstance(value, dt.date):
            return value.isoformat()
        if isinstance(value, Decimal):
            return format(value.normalize(), "f")
        if isinstance(value, list):
            return ", ".join(str(item) for item in value)
        return str(value)


@dataclass
class Section:
    key: str
    title: str | Promise
    columns: list[Column]
    rows: list[dict]
    note: str | Promise = ""
    # One record (the person, the account): shown as labelled values, a JSON object.
    single: bool = False

    @property
    def printed_columns(self) -> list[Column]:
        return [column for column in self.columns if column.printed]

    def shown_rows(self, limit: int | None = None) -> list[list[str]]:
        rows = self.rows if limit is None else self.rows[:limit]
        return [[column.shown(row.get(column.key)) for column in self.columns] for row in rows]

    @property
    def page_rows(self) -> list[list[str]]:
        """The rows the page shows: the first PAGE_ROWS; the downloads hold them all."""
        return self.shown_rows(PAGE_ROWS)

    @property
    def rows_left_out(self) -> int:
        return max(0, len(self.rows) - PAGE_ROWS)

    def labelled(self) -> list[tuple[str, str]]:
        """A single record's (label, value) pairs."""
        row = self.rows[0] if self.rows else {}
        return [(str(column.label), column.shown(row.get(column.key))) for column in self.columns]


def _json_value(value):
    if isinstance(value, dt.datetime):
        return timezone.localtime(value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


@dataclass
class OwnData:
    """What is held about one person or account, made at `made`."""

    person: Person | None
    user: User | None
    made: dt.datetime = field(default_factory=timezone.now)
    sections: list[Section] = field(default_factory=list)

    @property
    def subject(self):
        """The object the audit entries of an export point at: the person, else the account."""
        return self.person or self.user

    @property
    def introduction(self) -> str:
        return str(INTRODUCTION)

    @property
    def name(self) -> str:
        return self.person.full_name if self.person else self.user.email

    def as_data(self) -> dict:
        data: dict = {"format": FORMAT, "made": _json_value(self.made)}
        for section in self.sections:
            rows = [
                {column.key: _json_value(row.get(column.key)) for column in section.columns}
                for row in section.rows
            ]
            data[section.key] = (rows[0] if rows else None) if section.single else rows
        return data

    def as_json(self) -> str:
        return json.dumps(self.as_data(), ensure_ascii=False, indent=2) + "\n"

    def as_document(self) -> Document:
        document = Document(title=_("My data in Grannar"))
        document.heading(_("My data in Grannar"))
        document.text(
            _("Everything Grannar holds about %(name)s, made %(made)s.")
            % {"name": self.name, "made": Column("made", "").shown(self.made)}
        )
        document.text(self.introduction)
        for section in self.sections:
            document.heading(str(section.title), level=2)
            if section.note:
                document.text(str(section.note))
            if not section.rows:
                document.text(_("Nothing recorded."))
            elif section.single:
                document.entries(section.labelled())
            elif len(section.printed_columns) > PRINTED_TABLE_COLUMNS:
                # Too wide for a page: each record as labelled values.
                for row in section.rows:
                    document.entries(
                        [(str(c.label), c.shown(row.get(c.key))) for c in section.columns]
                    )
            else:
                columns = section.printed_columns
                document.table(
                    caption=str(section.title),
                    columns=[str(column.label) for column in columns],
                    rows=[[c.shown(row.get(c.key)) for c in columns] for row in section.rows],
                    numeric_from=len(columns),
                )
        return document

    def as_pdf(self) -> bytes:
        return self.as_document().as_pdf()


INTRODUCTION = gettext_lazy(
    "The programme's owner processes these data to run the training programme, to report to "
    "the funder and to evaluate the programme. The record of processing says why each kind of "
    "data is kept, who sees it and for how long."
)

Collector = Callable[[Person | None, User | None], Section | None]
_COLLECTORS: list[Collector] = []


def register(collector: Collector) -> Collector:
    """Add a section from an app above reporting (its `ready` registers it)."""
    if collector not in _COLLECTORS:
        _COLLECTORS.append(collector)
    return collector


def subject_for_email(email: str) -> tuple[Person | None, User | None]:
    """The person and the account with `email` (or linked to one that has it).
    LookupError when there is neither."""
    address = normalize_email(email)
    with scopes_disabled():
        person = Person.objects.filter(email=address).first()
        user = User.objects.filter(email=address).first()
        if user is None and person is not None:
            user = User.objects.filter(person=person).first()
        if person is None and user is not None and user.person_id:
            person = Person.objects.filter(pk=user.person_id).first()
    if person is None and user is None:
        raise LookupError(address)
    return person, user


def own_data(*, person: Person | None, user: User | None) -> OwnData:
    """Everything held about `person` and `user` (either may be missing, not both)."""
    if person is None and user is None:
        raise ValueError("own_data needs a person or an account.")
    result = OwnData(person=person, user=user)
    with scopes_disabled():
        builders = [
            _person,
            _account,
            _roles,
            _registrations,
            _attendance,
            _attestations,
            _certificates,
            _calendar_feed,
            _invitations,
            _survey_responses,
            _survey_answers,
            _group_memberships,
            _meetings,
            _routines,
            _engagements,
            _outcomes,
            _reference_letters,
            _figures,
            _erasure_requests,
            _records_made,
            _sign_in_attempts,
            *_COLLECTORS,
            _disclosures,
            _own_actions,
        ]
        for build in builders:
            section = build(person, user)
            if section is not None:
                result.sections.append(section)
    return result


def own_data_log(*, data: OwnData, fmt: str, by: User | None, via: str = "web") -> None:
    """Audit that the data were shown (`page`) or exported (json, pdf), without personal data."""
    entry = {
        "actor": by,
        "target": data.subject,
        "municipality_id": data.person.municipality_id if data.person else None,
        "data": {"format": fmt, "via": via},
    }
    if fmt == "page":
        log_action(action="reporting.own_data.viewed", **entry)
    else:
        log_action(action="reporting.own_data.exported", **entry)


def masked_personnummer(person: Person) -> str:
    """The birth date part of the stored personnummer, the last four digits hidden."""
    if not person.has_personnummer:
        return ""
    try:
        digits = "".join(ch for ch in decrypt_text(person.personnummer_encrypted) if ch.isdigit())
    except ValueError:
        return _("stored, but not readable with the current key")
    return f"{digits[:-4]}-****"


def _person(person, user) -> Section | None:
    if person is None:
        return None
    row = {
        "email": person.email,
        "first_name": person.first_name,
        "last_name": person.last_name,
        "phone": person.phone,
        "gender": person.gender,
        "birth_year": person.birth_year,
        "municipality": person.municipality.name,
        "municipality_code": person.municipality.code,
        "workplace": person.workplace.name if person.workplace_id else person.workplace_name,
        "staff_category": person.staff_category.name if person.staff_category_id else "",
        "support_resource": person.support_resource,
        "personnummer": masked_personnummer(person),
        "erased": person.erased,
        "created": person.created,
        "updated": person.updated,
    }
    return Section(
        key="person",
        title=gettext_lazy("Your details"),
        single=True,
        rows=[row],
        columns=[
            Column("email", gettext_lazy("E-mail address")),
            Column("first_name", gettext_lazy("First name")),
            Column("last_name", gettext_lazy("Last name")),
            Column("phone", gettext_lazy("Phone")),
            Column("gender", gettext_lazy("Gender"), Gender),
            Column("birth_year", gettext_lazy("Birth year")),
            Column("municipality", gettext_lazy("Municipality")),
            Column("municipality_code", gettext_lazy("Municipality code")),
            Column("workplace", gettext_lazy("Workplace")),
            Column("staff_category", gettext_lazy("Staff category")),
            Column("support_resource", gettext_lazy("Support resource")),
            Column("personnummer", gettext_lazy("Personnummer (last four digits hidden)")),
            Column("erased", gettext_lazy("Erased")),
            Column("created", gettext_lazy("Recorded")),
            Column("updated", gettext_lazy("Last changed")),
        ],
    )


def _erasure_requests(person, user) -> Section | None:
    if person is None:
        return None
    rows = [
        {
            "status": r.status,
            "requested": r.requested,
            "reason": r.reason,
            "decided": r.decided,
            "legal_ground": r.legal_ground,
            "refusal": r.refusal,
        }
        for r in ErasureRequest.objects.filter(person=person).order_by("requested", "id")
    ]
    return Section(
        key="erasure_requests",
        title=gettext_lazy("Requests to erase your data"),
        rows=rows,
        columns=[
            Column("status", gettext_lazy("Status"), ErasureRequest.Status),
            Column("requested", gettext_lazy("Requested")),
            Column("reason", gettext_lazy("Reason")),
            Column("decided", gettext_lazy("Decided")),
            Column("legal_ground", gettext_lazy("Legal ground")),
            Column("refusal", gettext_lazy("Why it was refused")),
        ],
    )


def _account(person, user) -> Section | None:
    if user is None:
        return None
    row = {
        "email": user.email,
        "language": user.language,
        "active": user.is_active,
        "created": user.date_joined,
        "last_sign_in": user.last_login,
        "two_step_verification": TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
    }
    return Section(
        key="account",
        title=gettext_lazy("Your account"),
        single=True,
        rows=[row],
        note=gettext_lazy("The password is stored only as a one-way hash and is not shown."),
        columns=[
            Column("email", gettext_lazy("E-mail address")),
            Column("language", gettext_lazy("Language")),
            Column("active", gettext_lazy("Active")),
            Column("created", gettext_lazy("Created")),
            Column("last_sign_in", gettext_lazy("Last sign-in")),
            Column("two_step_verification", gettext_lazy("Two-step verification set up")),
        ],
    )


def _roles(person, user) -> Section | None:
    if user is None:
        return None
    rows = [
        {
            "role": assignment.role,
            "programme": assignment.programme.name if assignment.programme_id else "",
            "municipality": assignment.municipality.name if assignment.municipality_id else "",
        }
        for assignment in user.roles.select_related("programme", "municipality").order_by("id")
    ]
    return Section(
        key="roles",
        title=gettext_lazy("Your roles"),
        rows=rows,
        columns=[
            Column("role", gettext_lazy("Role"), Role),
            Column("programme", gettext_lazy("Programme")),
            Column("municipality", gettext_lazy("Municipality")),
        ],
    )


def _registrations_of(person) -> list[Registration]:
    return list(
        Registration.objects.filter(person=person)
        .select_related("session__course", "attendance")
        .order_by("session__starts", "id")
    )


def _registrations(person, user) -> Section | None:
    if person is None:
        return None
    rows = [
        {
            "session": r.session.code,
            "course": r.session.course.title,
            "starts": r.session.starts,
            "ends": r.session.ends,
            "place": r.session.location,
            "status": r.status,
            "registered": r.created,
            "changed": r.changed,
        }
        for r in _registrations_of(person)
    ]
    return Section(
        key="registrations",
        title=gettext_lazy("Registrations"),
        rows=rows,
        columns=[
            Column("session", gettext_lazy("Session")),
            Column("course", gettext_lazy("Course")),
            Column("starts", gettext_lazy("Starts")),
            Column("ends", gettext_lazy("Ends")),
            Column("place", gettext_lazy("Place")),
            Column("status", gettext_lazy("Status"), Registration.Status),
            Column("registered", gettext_lazy("Registered")),
            Column("changed", gettext_lazy("Last changed")),
        ],
    )


def _attendance(person, user) -> Section | None:
    if person is None:
        return None
    rows = [
        {
            "session": a.registration.session.code,
            "course": a.registration.session.course.title,
            "starts": a.registration.session.starts,
            "hours": a.hours if a.hours is not None else a.registration.session.credited_hours,
            "method": a.method,
            "recorded": a.recorded,
        }
        for a in Attendance.objects.filter(registration__person=person)
        .select_related("registration__session__course")
        .order_by("registration__session__starts", "id")
    ]
    return Section(
        key="attendance",
        title=gettext_lazy("Attendance"),
        rows=rows,
        note=gettext_lazy("Hours are the session's credited hours where no other figure was set."),
        columns=[
            Column("session", gettext_lazy("Session")),
            Column("course", gettext_lazy("Course")),
            Column("starts", gettext_lazy("Starts")),
            Column("hours", gettext_lazy("Hours")),
            Column("method", gettext_lazy("Recorded by"), Attendance.Method),
            Column("recorded", gettext_lazy("Recorded")),
        ],
    )


def _attestations(person, user) -> Section | None:
    if person is None:
        return None
    rows = [
        {
            "programme": a.programme.name,
            "month": a.month.strftime("%Y-%m"),
            "hours": a.hours,
            "statement": a.statement,
            "attested": a.attested,
        }
        for a in MonthlyAttestation.objects.filter(person=person)
        .select_related("programme")
        .order_by("month", "id")
    ]
    return Section(
        key="attestations",
        title=gettext_lazy("Monthly attestations"),
        rows=rows,
        columns=[
            Column("programme", gettext_lazy("Programme")),
            Column("month", gettext_lazy("Month")),
            Column("hours", gettext_lazy("Hours")),
            Column("statement", gettext_lazy("Statement")),
            Column("attested", gettext_lazy("Attested")),
        ],
    )


def _certificates(person, user) -> Section | None:
    if person is None:
        return None
    rows = [
        {
            "code": c.code,
            "course": c.registration.session.course.title,
            "session": c.registration.session.code,
            "issued": c.issued,
            "revoked": c.revoked,
        }
        for c in Certificate.objects.filter(registration__person=person)
        .select_related("registration__session__course")
        .order_by("issued", "id")
    ]
    return Section(
        key="certificates",
        title=gettext_lazy("Certificates"),
        rows=rows,
        columns=[
            Column("code", gettext_lazy("Verification code")),
            Column("course", gettext_lazy("Course")),
            Column("session", gettext_lazy("Session")),
            Column("issued", gettext_lazy("Issued")),
            Column("revoked", gettext_lazy("Revoked")),
        ],
    )


def _calendar_feed(person, user) -> Section | None:
    if person is None:
        return None
    rows = [{"created": f.created} for f in CalendarFeed.objects.filter(person=person)]
    return Section(
        key="calendar_feed",
        title=gettext_lazy("Calendar feed"),
        rows=rows,
        note=gettext_lazy("Only a hash of the feed's address is stored."),
        columns=[Column("created", gettext_lazy("Created"))],
    )


def _invitations(person, user) -> Section | None:
    if person is None:
        return None
    rows = [
        {
            "survey": i.survey.title,
            "created": i.created,
            "sent": i.sent,
            "reminded": i.reminded,
            "link_used": i.used,
        }
        for i in Invitation.objects.filter(person=person)
        .select_related("survey")
        .order_by("created", "id")
    ]
    return Section(
        key="survey_invitations",
        title=gettext_lazy("Survey invitations"),
        rows=rows,
        note=gettext_lazy(
            "Whether a link was used is stored, never when, so that an anonymous answer cannot "
            "be traced back to you."
        ),
        columns=[
            Column("survey", gettext_lazy("Survey")),
            Column("created", gettext_lazy("Created")),
            Column("sent", gettext_lazy("Sent")),
            Column("reminded", gettext_lazy("Reminded")),
            Column("link_used", gettext_lazy("Link used")),
        ],
    )


def _own_responses(person) -> list[Response]:
    """The person's named responses and the pseudonymous ones carrying their keyed hash."""
    keys: dict[str, set[int]] = {}
    for survey in Survey.objects.filter(mode=Survey.Mode.PSEUDONYMOUS).only(
        "pk", "programme_id", "series"
    ):
        hashed = pseudonym(
            programme_id=survey.programme_id,
            series=survey.series or f"survey-{survey.pk}",
            person_id=person.pk,
        )
        keys.setdefault(hashed, set()).add(survey.pk)
    mine = Q(person=person)
    for hashed, surveys in keys.items():
        mine |= Q(pseudonym=hashed, survey_id__in=surveys)
    return list(
        Response.objects.filter(mine)
        .select_related("survey", "municipality", "staff_category", "sector", "workplace")
        .order_by("submitted", "id")
    )


def _survey_responses(person, user) -> Section | None:
    if person is None:
        return None
    rows = [
        {
            "response": r.pk,
            "survey": r.survey.title,
            "mode": r.survey.mode,
            "submitted": r.submitted,
            "municipality": r.municipality.name if r.municipality_id else "",
            "staff_category": r.staff_category.name if r.staff_category_id else "",
            "sector": r.sector.name if r.sector_id else "",
            "workplace": r.workplace.name if r.workplace_id else "",
        }
        for r in _own_responses(person)
    ]
    return Section(
        key="survey_responses",
        title=gettext_lazy("Survey responses"),
        rows=rows,
        note=gettext_lazy(
            "Named answers point at you; pseudonymous answers carry a code made from your "
            "identity with a secret key, which pairs your answers before and after a course "
            "without saying who you are. Anonymous answers cannot be linked to you and are "
            "therefore not here."
        ),
        columns=[
            Column("response", gettext_lazy("Response")),
            Column("survey", gettext_lazy("Survey")),
            Column("mode", gettext_lazy("Mode"), Survey.Mode),
            Column("submitted", gettext_lazy("Answered")),
            Column("municipality", gettext_lazy("Municipality")),
            Column("staff_category", gettext_lazy("Staff category")),
            Column("sector", gettext_lazy("Sector")),
            Column("workplace", gettext_lazy("Workplace")),
        ],
    )


def _answer_value(answer: Answer):
    if answer.number is not None:
        return answer.number
    if answer.choices:
        labels = dict(answer.question.localized_choices())
        return [labels.get(choice, choice) for choice in answer.choices]
    return answer.text


def _survey_answers(person, user) -> Section | None:
    if person is None:
        return None
    responses = {r.pk: r for r in _own_responses(person)}
    rows = [
        {
            "response": a.response_id,
            "survey": responses[a.response_id].survey.title,
            "question": a.question.code,
            "question_text": a.question.localized_text,
            "answer": _answer_value(a),
        }
        for a in Answer.objects.filter(response_id__in=responses)
        .select_related("question__section")
        .order_by("response_id", "question__section__order", "question__order", "id")
    ]
    return Section(
        key="survey_answers",
        title=gettext_lazy("Survey answers"),
        rows=rows,
        columns=[
            Column("response", gettext_lazy("Response")),
            Column("survey", gettext_lazy("Survey")),
            Column("question", gettext_lazy("Code")),
            Column("question_text", gettext_lazy("Question")),
            Column("answer", gettext_lazy("Answer")),
        ],
    )


def _group_memberships(person, user) -> Section | None:
    if person is None:
        return None
    rows = [
        {
            "workshop": str(m.workshop.municipality),
            "programme": m.workshop.programme.name,
            "sector": m.sector.name,
            "role": m.role,
        }
        for m in GroupMember.objects.filter(person=person)
        .select_related("workshop__municipality", "workshop__programme", "sector")
        .order_by("id")
    ]
    return Section(
        key="pilot_workshop_groups",
        title=gettext_lazy("Pilot workshop project groups"),
        rows=rows,
        columns=[
            Column("workshop", gettext_lazy("Pilot workshop")),
            Column("programme", gettext_lazy("Programme")),
            Column("sector", gettext_lazy("Sector")),
            Column("role", gettext_lazy("Role"), GroupMember.Role),
        ],
    )


def _meetings(person, user) -> Section | None:
    if person is None:
        return None
    rows = [
        {"workshop": str(m.workshop.municipality), "date": m.date}
        for m in Meeting.objects.filter(attendees__person=person)
        .select_related("workshop__municipality")
        .order_by("date", "id")
    ]
    return Section(
        key="meetings_attended",
        title=gettext_lazy("Project group meetings you attended"),
        rows=rows,
        columns=[
            Column("workshop", gettext_lazy("Pilot workshop")),
            Column("date", gettext_lazy("Date")),
        ],
    )


def _routines(person, user) -> Section | None:
    if person is None:
        return None
    rows = [
        {"routine": r.title, "workshop": str(r.workshop.municipality), "status": r.status}
        for r in Routine.objects.filter(owner__person=person)
        .select_related("workshop__municipality")
        .order_by("id")
    ]
    return Section(
        key="routines_owned",
        title=gettext_lazy("Routines you own"),
        rows=rows,
        columns=[
            Column("routine", gettext_lazy("Routine")),
            Column("workshop", gettext_lazy("Pilot workshop")),
            Column("status", gettext_lazy("Status"), Routine.Status),
        ],
    )


def _engagements(person, user) -> Section | None:
    if person is None:
        return None
    rows = []
    for e in (
        Engagement.objects.filter(person=person)
        .select_related("session__course", "meeting__workshop__municipality")
        .order_by("created", "id")
    ):
        if e.session_id:
            what, when = e.session.course.title, e.session.starts
        else:
            what, when = str(e.meeting.workshop.municipality), e.meeting.date
        rows.append(
            {"in": what, "date": when, "role": e.role, "hours": e.hours, "recorded": e.created}
        )
    return Section(
        key="engagements",
        title=gettext_lazy("Engagements as a support resource"),
        rows=rows,
        columns=[
            Column("in", gettext_lazy("Session or meeting")),
            Column("date", gettext_lazy("Date")),
            Column("role", gettext_lazy("Role"), Engagement.Role),
            Column("hours", gettext_lazy("Hours")),
            Column("recorded", gettext_lazy("Recorded")),
        ],
    )


def _outcomes(person, user) -> Section | None:
    if person is None:
        return None
    rows = [
        {
            "programme": o.programme.name,
            "moment": o.moment,
            "outcome": o.result,
            "recorded_on": o.recorded_on,
        }
        for o in Outcome.objects.filter(person=person).select_related("programme").order_by("id")
    ]
    return Section(
        key="outcomes",
        title=gettext_lazy("Outcomes"),
        rows=rows,
        columns=[
            Column("programme", gettext_lazy("Programme")),
            Column("moment", gettext_lazy("Moment"), Outcome.Moment),
            Column("outcome", gettext_lazy("Outcome"), Outcome.Result),
            Column("recorded_on", gettext_lazy("Recorded on")),
        ],
    )


def _reference_letters(person, user) -> Section | None:
    if person is None:
        return None
    rows = [
        {
            "code": r.code,
            "programme": r.programme.name,
            "engagements": r.engagements,
            "hours": r.hours,
            "issued": r.issued,
        }
        for r in ReferenceLetter.objects.filter(person=person)
        .select_related("programme")
        .order_by("issued", "id")
    ]
    return Section(
        key="reference_letters",
        title=gettext_lazy("Reference letters"),
        rows=rows,
        columns=[
            Column("code", gettext_lazy("Verification code")),
            Column("programme", gettext_lazy("Programme")),
            Column("engagements", gettext_lazy("Engagements")),
            Column("hours", gettext_lazy("Hours")),
            Column("issued", gettext_lazy("Issued")),
        ],
    )


def _figures(person, user) -> Section | None:
    if person is None:
        return None
    rows = [
        {
            "programme": r.programme.name,
            "staff_category": r.staff_category,
            "sector": r.sector,
            "gender": r.gender,
            "age_band": r.age_band,
            "first_session": r.entry,
            "last_session": r.exit,
            "hours": r.hours,
        }
        for r in PersonRollup.objects.filter(person=person).select_related("programme")
    ]
    return Section(
        key="figures",
        title=gettext_lazy("What the programme's figures count for you"),
        rows=rows,
        note=gettext_lazy(
            "Derived from your attendance for the funder's figures; your name is not part of it."
        ),
        columns=[
            Column("programme", gettext_lazy("Programme")),
            Column("staff_category", gettext_lazy("Staff category")),
            Column("sector", gettext_lazy("Sector")),
            Column("gender", gettext_lazy("Gender"), Gender),
            Column("age_band", gettext_lazy("Age band")),
            Column("first_session", gettext_lazy("First session")),
            Column("last_session", gettext_lazy("Last session")),
            Column("hours", gettext_lazy("Whole hours")),
        ],
    )


def _records_made(person, user) -> Section | None:
    if user is None:
        return None
    counts = [
        (
            "lessons",
            gettext_lazy("Lessons learned written"),
            Lesson.objects.filter(created_by=user),
        ),
        ("imports", gettext_lazy("Files imported"), ImportJob.objects.filter(created_by=user)),
        (
            "attendance",
            gettext_lazy("Attendance marks recorded"),
            Attendance.objects.filter(recorded_by=user),
        ),
        (
            "reference_letters",
            gettext_lazy("Reference letters issued"),
            ReferenceLetter.objects.filter(issued_by=user),
        ),
    ]
    rows = [
        {"record": key, "what": str(label), "count": records.count()}
        for key, label, records in counts
    ]
    rows = [row for row in rows if row["count"]]
    return Section(
        key="records_made",
        title=gettext_lazy("Records that name you as their author"),
        rows=rows,
        columns=[
            Column("record", gettext_lazy("Kind")),
            Column("what", gettext_lazy("What")),
            Column("count", gettext_lazy("Number")),
        ],
    )


def _sign_in_attempts(person, user) -> Section | None:
    address = user.email if user else person.email
    rows = [
        {
            "time": a.attempt_time,
            "ip_address": a.ip_address,
            "browser": a.user_agent,
            "failures": a.failures_since_start,
        }
        for a in AccessAttempt.objects.filter(username=address).order_by("attempt_time")
    ]
    return Section(
        key="failed_sign_ins",
        title=gettext_lazy("Failed sign-ins"),
        rows=rows,
        note=gettext_lazy(
            "Kept to stop password guessing; cleared at the next successful sign-in."
        ),
        columns=[
            Column("time", gettext_lazy("Time")),
            Column("ip_address", gettext_lazy("IP address")),
            Column("browser", gettext_lazy("Browser")),
            Column("failures", gettext_lazy("Failures")),
        ],
    )


def _actor_name(actor: User | None) -> str:
    if actor is None:
        return _("the system")
    if actor.person_id:
        return actor.person.full_name
    return actor.email


def _event_rows(events) -> list[dict]:
    return [
        {
            "time": event.created,
            "action": event.action,
            "description": action_description(event.action),
            "by": _actor_name(event.actor),
            "object": f"{event.target_type} {event.target_id}".strip(),
        }
        for event in events
    ]


def _targets(person, user) -> Q:
    """Audit events about the person's and the account's own records."""
    targets = Q(pk__in=[])
    if user is not None:
        targets |= Q(target_type="people.user", target_id=str(user.pk))
    if person is None:
        return targets
    registrations = _registrations_of(person)
    owned = {
        "people.person": [person.pk],
        "training.registration": [r.pk for r in registrations],
        "training.monthlyattestation": MonthlyAttestation.objects.filter(person=person),
        "training.certificate": Certificate.objects.filter(registration__person=person),
        "training.calendarfeed": CalendarFeed.objects.filter(person=person),
        "collaboration.engagement": Engagement.objects.filter(person=person),
        "collaboration.outcome": Outcome.objects.filter(person=person),
        "collaboration.referenceletter": ReferenceLetter.objects.filter(person=person),
        "collaboration.groupmember": GroupMember.objects.filter(person=person),
        "people.erasurerequest": ErasureRequest.objects.filter(person=person),
    }
    for target_type, ids in owned.items():
        if not isinstance(ids, list):
            ids = list(ids.values_list("pk", flat=True))
        if ids:
            targets |= Q(target_type=target_type, target_id__in=[str(pk) for pk in ids])
    sessions = {str(r.session_id) for r in registrations}
    if sessions:
        targets |= Q(
            action__in=SESSION_DISCLOSURES, target_type="training.session", target_id__in=sessions
        )
    programmes = {
        str(r.session.course.programme_id) for r in registrations if r.session.course.programme_id
    }
    if programmes:
        targets |= Q(
            action__in=PROGRAMME_DISCLOSURES,
            target_type="programmes.programme",
            target_id__in=programmes,
        )
    return targets


EVENT_COLUMNS = [
    Column("time", gettext_lazy("Time")),
    Column("description", gettext_lazy("What")),
    Column("action", gettext_lazy("Code"), printed=False),
    Column("by", gettext_lazy("Done by")),
    Column("object", gettext_lazy("Object")),
]


def _disclosures(person, user) -> Section:
    events = (
        AuditEvent.objects.filter(_targets(person, user))
        .select_related("actor__person")
        .order_by("created", "id")
    )
    return Section(
        key="audit_about_you",
        title=gettext_lazy("Who has seen, exported or changed your data"),
        rows=_event_rows(events),
        note=gettext_lazy(
            "From the audit log: every change to your records, every time someone opened or "
            "exported them, and the funder's files and attendance lists that included you."
        ),
        columns=EVENT_COLUMNS,
    )


def _own_actions(person, user) -> Section | None:
    if user is None:
        return None
    events = (
        AuditEvent.objects.filter(actor=user)
        .select_related("actor__person")
        .order_by("created", "id")
    )
    return Section(
        key="audit_by_you",
        title=gettext_lazy("What you have done in Grannar"),
        rows=_event_rows(events),
        note=gettext_lazy(
            "From the audit log: the entries recorded with you as the one who acted."
        ),
        columns=[column for column in EVENT_COLUMNS if column.key != "by"],
    )


class ExportError(Exception):
    """The export cannot be made or written; the message says why."""


def write_atomically(path: Path, content: bytes) -> None:
    """Write `content` to `path` through a temporary file beside it, so that a reader never
    sees half a file and a failure leaves any earlier file untouched."""
    if path.is_dir() or not path.parent.is_dir():
        raise ExportError(_("%(file)s: not a file in an existing folder.") % {"file": path})
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(content)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise ExportError(f"{path}: {error.strerror or error}") from error


def export_main(*, email: str, fmt: str, output: Path | None, stdout: TextIO) -> int:
    """`grannar person export`: everything held about the person or account with `email`, as
    JSON or PDF, to `output` (atomically) or standard output; audit-logged once written.
    Returns the number of bytes written."""
    try:
        person, user = subject_for_email(email)
    except LookupError as error:
        raise ExportError(
            _("No person or account has the e-mail address %(email)s.") % {"email": error}
        ) from error
    if fmt == "pdf" and output is None:
        raise ExportError(_("A PDF goes to a file: give --output FILE."))
    data = own_data(person=person, user=user)
    content = data.as_json().encode() if fmt == "json" else data.as_pdf()
    if output is None:
        stdout.write(content.decode())
        stdout.flush()
    else:
        write_atomically(output, content)
    own_data_log(data=data, fmt=fmt, by=None, via="command")
    return len(content)

"""Support resources: their engagements, their outcomes and the reference letter, a PDF made
with typst that lists engagements and hours and can be verified by its code."""

import datetime as dt
from decimal import Decimal
from pathlib import Path

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from grannar.collaboration.models import Engagement, Meeting, Outcome, ReferenceLetter
from grannar.core.audit import log_action
from grannar.core.emblem import funding_for_typst
from grannar.core.pdf import render_pdf
from grannar.people.models import Person, User
from grannar.programmes.models import Programme
from grannar.training.models import Session, new_certificate_code

TEMPLATE = Path(__file__).parent / "typst" / "reference_letter.typ"
MAX_HOURS = Decimal(24)


def _check_support_resource(person: Person) -> None:
    if not person.support_resource:
        raise ValidationError(
            _("Person: %(name)s is not a support resource.") % {"name": person.full_name}
        )


@transaction.atomic
def engagement_record(
    *,
    person: Person,
    role: str,
    hours: Decimal,
    session: Session | None = None,
    meeting: Meeting | None = None,
    by: User | None,
) -> Engagement:
    """Record that a support resource took part in a session or a workshop meeting."""
    _check_support_resource(person)
    if (session is None) == (meeting is None):
        raise ValidationError(_("Session or meeting: choose one of them, not both."))
    if meeting is not None and meeting.workshop.municipality_id != person.municipality_id:
        raise ValidationError(_("Meeting: choose a meeting of the own municipality's workshop."))
    if role not in Engagement.Role.values:
        raise ValidationError(_("Role: choose one of the roles in the list."))
    if not Decimal(0) < hours <= MAX_HOURS:
        raise ValidationError(
            _("Hours: give more than 0 and at most %(max)s hours.") % {"max": MAX_HOURS}
        )
    engagement = Engagement.objects.create(
        person=person, session=session, meeting=meeting, role=role, hours=hours
    )
    log_action(
        action="collaboration.engagement.recorded",
        actor=by,
        target=engagement,
        municipality_id=person.municipality_id,
        data={"role": role, "hours": str(hours)},
    )
    return engagement


@transaction.atomic
def engagement_remove(*, engagement: Engagement, by: User | None) -> None:
    """Take back an engagement recorded by mistake; issued letters keep what they state."""
    log_action(
        action="collaboration.engagement.removed",
        actor=by,
        target=engagement,
        municipality_id=engagement.person.municipality_id,
    )
    engagement.delete()


@transaction.atomic
def outcome_record(
    *,
    person: Person,
    programme: Programme,
    moment: str,
    result: str,
    recorded_on: dt.date,
    by: User | None,
) -> Outcome:
    """Where the support resource stands at the programme's end or at follow-up (one per
    moment; recording it again replaces it)."""
    _check_support_resource(person)
    if moment not in Outcome.Moment.values:
        raise ValidationError(_("Moment: choose programme end or follow-up."))
    if result not in Outcome.Result.values:
        raise ValidationError(_("Outcome: choose one of the outcomes in the list."))
    if recorded_on > dt.date.today():
        raise ValidationError(_("Date: the date cannot be in the future."))
    outcome, created = Outcome.objects.update_or_create(
        person=person,
        programme=programme,
        moment=moment,
        defaults={"result": result, "recorded_on": recorded_on},
    )
    log_action(
        action="collaboration.outcome.recorded" if created else "collaboration.outcome.changed",
        actor=by,
        target=outcome,
        municipality_id=person.municipality_id,
        data={"moment": moment, "result": result},
    )
    return outcome


def _totals(person: Person, before=None) -> tuple[int, Decimal]:
    engagements = Engagement.objects.filter(person=person)
    if before is not None:
        engagements = engagements.filter(created__lte=before)
    count = engagements.count()
    return count, engagements.aggregate(total=Sum("hours"))["total"] or Decimal(0)


def reference_letter_issue(*, person: Person, programme: Programme, by: User | None):
    """A new letter stating the support resource's engagements and hours as of now."""
    _check_support_resource(person)
    count, hours = _totals(person)
    if count == 0:
        raise ValidationError(_("The reference letter needs at least one engagement."))
    for _attempt in range(3):
        try:
            with transaction.atomic():
                letter = ReferenceLetter.objects.create(
                    person=person,
                    programme=programme,
                    code=new_certificate_code(),
                    engagements=count,
                    hours=hours,
                    issued_by=by if by is not None and by.is_authenticated else None,
                )
                log_action(
                    action="collaboration.reference_letter.issued",
                    actor=by,
                    target=letter,
                    municipality_id=person.municipality_id,
                )
                return letter
        except IntegrityError:
            continue  # the random code was taken; draw another
    raise ValidationError(_("The reference letter could not be issued; try again."))


def _hours_text(hours: Decimal) -> str:
    """Hours as the letter writes them: 3, 2,5 or 1,25."""
    whole = hours == hours.to_integral_value()
    return formats.number_format(hours.quantize(Decimal(1)) if whole else hours.normalize())


def _engagement_line(engagement: Engagement) -> dict:
    if engagement.session_id:
        when = timezone.localtime(engagement.session.starts).date()
        what = engagement.session.course.title
    else:
        when = engagement.meeting.date
        what = _("Pilot workshop meeting, %(municipality)s") % {
            "municipality": engagement.meeting.workshop.municipality.name
        }
    return {
        "date": when.isoformat(),
        "what": what,
        "role": str(engagement.get_role_display()).capitalize(),
        "hours": _hours_text(engagement.hours),
    }


def letter_engagements(letter: ReferenceLetter) -> list[dict]:
    """The engagements the letter states: those recorded up to its issue, oldest first."""
    engagements = Engagement.objects.filter(
        person=letter.person, created__lte=letter.issued
    ).select_related("session__course", "meeting__workshop__municipality")
    return sorted((_engagement_line(e) for e in engagements), key=lambda line: line["date"])


def verify_url(code: str) -> str:
    """The public address where the letter with `code` is checked."""
    return f"{settings.GRANNAR_SITE_URL}{reverse('collaboration:reference_verify', args=[code])}"


def reference_letter_pdf(letter: ReferenceLetter) -> bytes:
    """The letter as PDF, with the funding statement and the code to verify it by."""
    programme = letter.programme
    statement = programme.funding_statement
    url = verify_url(letter.code)
    data = {
        "lang": translation.get_language() or "sv",
        "title": _("Reference letter"),
        "labels": {
            "heading": _("Reference letter"),
            "intro": _(
                "%(name)s has taken part in %(programme)s as a support resource, sharing "
                "experience and knowledge with the staff who work with newly arrived children "
                "and young people."
            )
            % {"name": letter.person.full_name, "programme": programme.name},
            "date": _("Date"),
            "what": _("Activity"),
            "role": _("Role"),
            "hours": _("Hours"),
            "total": ngettext(
                "In all: %(count)s engagement, %(hours)s hours.",
                "In all: %(count)s engagements, %(hours)s hours.",
                letter.engagements,
            )
            % {"count": letter.engagements, "hours": _hours_text(letter.hours)},
            "issued": _("Issued %(date)s by %(owner)s.")
            % {
                "date": formats.date_format(timezone.localtime(letter.issued).date(), "j F Y"),
                "owner": programme.owner,
            },
            "verify": _("Check that this letter is genuine at"),
            "code": _("Verification code"),
        },
        "rows": letter_engagements(letter),
        "funding": funding_for_typst(text=statement.text, eu_emblem=statement.eu_emblem)
        if statement
        else None,
        "code": letter.code,
        "url": url,
        "qr": list(segno.make(url, error="m").svg_inline(scale=4, border=0).encode()),
    }
    return render_pdf(TEMPLATE, data)


def reference_verify(code: str) -> dict | None:
    """What the public verification page shows: initials, engagements, hours and the issue date."""
    letter = (
        ReferenceLetter.objects.select_related("person", "programme")
        .filter(code=code.strip().upper())
        .first()
    )
    if letter is None:
        return None
    person = letter.person
    return {
        "initials": f"{person.first_name[:1]}. {person.last_name[:1]}.",
        "programme": letter.programme.name,
        "engagements": letter.engagements,
        "hours": letter.hours,
        "issued": timezone.localtime(letter.issued).date(),
        "funding": letter.programme.funding_statement,
    }

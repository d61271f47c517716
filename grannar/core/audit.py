"""The audit log: every state change and every disclosure of personal data goes through here."""

import re
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from grannar.core.models import AuditEvent

_ACTION = re.compile(r"^[a-z_]+(\.[a-z_]+){2,}$")
# Safety net: free-form details must never carry e-mail addresses or personnummer.
_PERSONAL = re.compile(r"@|\b\d{6,8}[-+]?\d{4}\b")


def check_audit_data(data: Any) -> None:
    """Refuse details that look like personal data; they belong in the object, not the log."""
    if isinstance(data, dict):
        for value in data.values():
            check_audit_data(value)
    elif isinstance(data, list | tuple):
        for value in data:
            check_audit_data(value)
    elif isinstance(data, str) and _PERSONAL.search(data):
        raise ValueError("Audit details must not contain personal data.")


def log_action(
    *,
    action: str,
    actor=None,
    target: models.Model | None = None,
    municipality_id: int | None = None,
    data: dict | None = None,
) -> AuditEvent:
    """Record `action` (namespaced, e.g. `people.person.changed`) by `actor` on `target`."""
    if not _ACTION.match(action):
        raise ValueError(f"Audit action {action!r} is not namespaced as app.entity.verb.")
    data = data or {}
    check_audit_data(data)
    if actor is not None and not getattr(actor, "is_authenticated", False):
        actor = None
    return AuditEvent.objects.create(
        action=action,
        actor=actor,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        municipality_id=municipality_id,
        data=data,
    )


# What each action code means, for the audit-log page and its export. Every code the product
# writes has a line here; tests/core/test_audit_descriptions.py finds them in the source.
ACTION_DESCRIPTIONS = {
    "core.audit_log.listed": _("Audit log viewed"),
    "core.audit_log.exported": _("Audit log exported"),
    "core.auth.signed_in": _("Signed in"),
    "core.auth.signed_out": _("Signed out"),
    "core.auth.sign_in_failed": _("Failed sign-in"),
    "core.demo.loaded": _("Demo data loaded"),
    "core.backup.made": _("Backup made"),
    "core.backup.restored": _("Backup restored"),
    "programmes.programme.loaded": _("Programme file loaded"),
    "people.person.created": _("Person added"),
    "people.person.changed": _("Person's details changed"),
    "people.person.listed": _("List of people viewed"),
    "people.person.viewed": _("Person's details viewed"),
    "people.workplace.changed": _("Workplace changed"),
    "people.role.assigned": _("Role assigned"),
    "people.user.created": _("Account created"),
    "people.two_factor.enrolled": _("Two-step verification set up"),
    "people.two_factor.verified": _("Two-step verification passed"),
    "people.two_factor.failed": _("Two-step verification failed"),
    "people.two_factor.recovery_codes_renewed": _("Recovery codes renewed"),
    "people.erasure.requested": _("Erasure of a person requested"),
    "people.erasure.refused": _("Erasure of a person refused"),
    "people.person.erased": _("Person erased (identity removed, counted facts kept)"),
    "people.sso.signed_in": _("Signed in with single sign-on"),
    "people.sso.refused": _("Single sign-on refused"),
    "training.course.created": _("Course created"),
    "training.course.changed": _("Course changed"),
    "training.session.created": _("Session created"),
    "training.session.changed": _("Session changed"),
    "training.session.cancelled": _("Session cancelled"),
    "training.session.capacity_changed": _("Session capacity changed"),
    "training.reservation.set": _("Seats reserved for a municipality"),
    "training.reservation.released": _("Reserved seats released"),
    "training.registration.confirmed": _("Registration confirmed"),
    "training.registration.waitlisted": _("Registration put on the waiting list"),
    "training.registration.promoted": _("Registration moved from the waiting list to a seat"),
    "training.registration.cancelled": _("Registration cancelled"),
    "training.attendance.present": _("Attendance marked: present"),
    "training.attendance.absent": _("Attendance marked: absent"),
    "training.attendance.listed": _("Attendance list viewed"),
    "training.attestation.created": _("Monthly hours attested"),
    "training.attestation.listed": _("Attestations viewed"),
    "training.certificate.issued": _("Certificate issued"),
    "training.certificate.downloaded": _("Certificate downloaded"),
    "training.monthly_certificate.downloaded": _("Monthly attendance certificate downloaded"),
    "training.import.uploaded": _("Import file uploaded"),
    "training.import.queued": _("Import started"),
    "training.import.sessions": _("Sessions imported"),
    "training.import.attendance": _("Attendance imported"),
    "training.rollups.rebuilt": _("Figures' rollups rebuilt"),
    "evaluation.survey.created": _("Survey created"),
    "evaluation.survey.draft": _("Survey set back to draft"),
    "evaluation.survey.open": _("Survey opened"),
    "evaluation.survey.closed": _("Survey closed"),
    "evaluation.survey.series_changed": _("Survey series changed"),
    "evaluation.question.saved": _("Survey question saved"),
    "evaluation.invitations.sent": _("Survey invitations sent"),
    "evaluation.response.submitted": _("Survey answered"),
    "evaluation.answers.exported": _("Survey answers exported"),
    "collaboration.workshop.created": _("Pilot workshop created"),
    "collaboration.workshop.changed": _("Pilot workshop changed"),
    "collaboration.member.added": _("Project group member added"),
    "collaboration.member.removed": _("Project group member removed"),
    "collaboration.meeting.recorded": _("Project group meeting recorded"),
    "collaboration.routine.created": _("Routine created"),
    "collaboration.routine.changed": _("Routine changed"),
    "collaboration.routine.testing": _("Routine testing started"),
    "collaboration.routine.adopted": _("Routine adopted"),
    "collaboration.routine.followed_up": _("Routine followed up"),
    "collaboration.routine.retired": _("Routine retired"),
    "collaboration.engagement.recorded": _("Support resource's engagement recorded"),
    "collaboration.engagement.removed": _("Support resource's engagement removed"),
    "collaboration.outcome.recorded": _("Support resource's outcome recorded"),
    "collaboration.outcome.changed": _("Support resource's outcome changed"),
    "collaboration.reference_letter.issued": _("Reference letter issued"),
    "collaboration.reference_letter.downloaded": _("Reference letter downloaded"),
    "collaboration.plan.created": _("Competence plan created"),
    "collaboration.plan.changed": _("Competence plan changed"),
    "collaboration.plan.need_set": _("Competence plan need set"),
    "collaboration.plan.need_removed": _("Competence plan need removed"),
    "collaboration.plan.adopted": _("Competence plan adopted"),
    "collaboration.plan.followed_up": _("Competence plan followed up"),
    "collaboration.lesson.created": _("Lesson learned recorded"),
    "collaboration.lesson.changed": _("Lesson learned changed"),
    "reporting.summary.made": _("Summary report made"),
    "reporting.final.made": _("Final report made"),
    "reporting.evaluation.made": _("Evaluation report made"),
    "reporting.esf_participants.exported": _("ESF participant export made"),
    "reporting.esf_attendance.exported": _("ESF attendance export made"),
    "reporting.esf_cofinancing.exported": _("ESF co-financing export made"),
    "reporting.esf.made": _("ESF export made from the command line"),
    "reporting.own_data.viewed": _("Own data viewed"),
    "reporting.own_data.exported": _("Own data exported"),
    "reporting.retention.disposed": _("Data disposed of by a retention rule"),
    "training.attendance.undone": _("Attendance mark undone"),
    "training.course.handed_over": _("Course handed over to the regular catalogue"),
    "training.attestation.exported": _("Attestation list exported"),
    "training.calendar_feed.created": _("Calendar feed created"),
    "training.calendar_feed.revoked": _("Calendar feed revoked"),
    "training.evidence.viewed": _("Attendance evidence viewed"),
    "training.municipality_bookings.viewed": _("Municipality's bookings viewed"),
    "training.person_record.viewed": _("Person's training record viewed"),
    "site.site_page.created": _("Site page created"),
    "site.site_page.changed": _("Site page changed"),
    "site.accessibility_report.received": _("Accessibility problem reported"),
    "api.token.created": _("API token made"),
    "api.token.revoked": _("API token revoked"),
}


def action_description(action: str) -> str:
    """The readable description of an action code; the code itself for one without a line."""
    return str(ACTION_DESCRIPTIONS.get(action, action))


def audit_events(*, created_before) -> models.QuerySet[AuditEvent]:
    """Audit entries older than a moment, for a retention rule."""
    return AuditEvent.objects.filter(created__lt=created_before)


def audit_events_delete(*, ids: list[int]) -> int:
    """Dispose of audit entries whose retention rule has run out."""
    return AuditEvent.objects.filter(pk__in=ids).delete()[0]

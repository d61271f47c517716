"""The tools each role's start page links to, in one table: a new page for a role gets its line
here, and tests/site/test_start.py checks that every line leads to a page the role may open."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from grannar.people.models import Role


@dataclass(frozen=True)
class Tool:
    url_name: str
    label: str | Promise
    # Opened once per programme the user works in, with the programme's code.
    per_programme: bool = False

    def links(self, programmes) -> list[tuple[str, str]]:
        """(URL, label) for this tool; one per programme where it is per programme."""
        if not self.per_programme:
            return [(reverse(self.url_name), str(self.label))]
        return [
            (
                reverse(self.url_name, args=[p.code]),
                str(self.label) if len(programmes) == 1 else f"{self.label}: {p.name}",
            )
            for p in programmes
        ]


ROLE_TOOLS: dict[str, list[Tool]] = {
    Role.ADMIN: [
        Tool("reporting:dashboard", _("Dashboard and reports"), per_programme=True),
        Tool("people:list", _("Find and edit people")),
        Tool("people:create", _("Add a person")),
        Tool("training:course_list", _("Courses and sessions")),
        Tool("training:import_upload", _("Import sessions or attendance")),
        Tool("evaluation:survey_list", _("Surveys")),
        Tool("training:evidence_list", _("Attendance evidence per session")),
        Tool("training:attestation_audit", _("Attestations")),
        Tool("site:audit_log", _("Audit log")),
        Tool("reporting:processing", _("Record of processing"), per_programme=True),
        Tool("reporting:retention", _("Retention plan")),
        Tool("reporting:erasure", _("Erasure requests")),
    ],
    Role.COORDINATOR: [
        Tool("training:municipality", _("Bookings and waiting lists of your staff")),
        Tool("people:list", _("Your municipality's staff")),
        Tool("people:create", _("Add a person")),
        Tool("collaboration:workshop_list", _("Pilot workshop")),
        Tool("training:catalogue", _("Courses to register staff for")),
        Tool("reporting:dashboard", _("Dashboard"), per_programme=True),
        Tool("reporting:erasure", _("Erasure requests")),
    ],
    Role.TRAINER: [
        Tool("training:catalogue", _("Courses")),
    ],
    Role.PARTICIPANT: [
        Tool("training:catalogue", _("Find a course")),
        Tool("training:my_registrations", _("My registrations")),
        Tool("training:checkin", _("Check in at a session")),
        Tool("training:attestations", _("Attest my hours")),
        Tool("site:my_data", _("My data")),
    ],
    Role.EVALUATOR: [
        Tool("evaluation:survey_list", _("Surveys and results")),
        Tool("reporting:dashboard", _("Dashboard"), per_programme=True),
    ],
    Role.AUDITOR: [
        Tool("reporting:dashboard", _("Dashboard, reports and ESF exports"), per_programme=True),
        Tool("training:evidence_list", _("Attendance evidence per session")),
        Tool("training:attestation_audit", _("Attestations")),
        Tool("site:audit_log", _("Audit log")),
        Tool("reporting:processing", _("Record of processing"), per_programme=True),
    ],
}


def role_tools(role: str, programmes) -> list[tuple[str, str]]:
    """The (URL, label) links the start page gives `role`."""
    return [link for tool in ROLE_TOOLS.get(role, []) for link in tool.links(programmes)]

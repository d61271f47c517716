"""The record of processing activities (GDPR art. 30), made from the code and the programme file.

Each category of personal data names the model fields it consists of, why it is processed, on
what legal basis, the pages that show it and the retention rule that governs it. What the
record says is read from those sources when it is made: the data from the models' own field
names, who sees it from the roles the views record (`core.permissions`), whether the person
sees it themself from the sections of their own-data export (`own_data`), and how long it is
kept from the programme's `[[retention]]` rules. tests/reporting/test_processing.py fails when a
model with personal data, a field of a person or an account, a section of the export or a kind
of retention rule is left out.
"""

from dataclasses import dataclass, field

from django.apps import apps
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from grannar.core.permissions import url_roles
from grannar.people.models import Role
from grannar.programmes.models import Programme
from grannar.programmes.retention import LABELS, Rule, rule
from grannar.reporting.documents import Document

# The legal bases named in the record (art. 6.1).
PUBLIC_TASK = gettext_lazy(
    "Art. 6.1 e: a task in the public interest (the region's and municipalities' competence "
    "development of their staff)"
)
LEGAL_OBLIGATION = gettext_lazy(
    "Art. 6.1 c: a legal obligation (the funder's rules on follow-up, evidence and audit of "
    "the European Social Fund)"
)
ACCESSIBILITY_LAW = gettext_lazy(
    "Art. 6.1 c: a legal obligation (the law on accessibility to digital public services, "
    "2018:1937)"
)


@dataclass(frozen=True)
class Category:
    """One category of personal data: what it is made of and why, as declared in the code."""

    key: str
    name: str | Promise
    # "app_label.Model.field", or "app_label.Model" for every field of the model.
    fields: tuple[str, ...]
    purpose: str | Promise
    legal_basis: str | Promise
    # Named URLs whose pages or files show the data; their views record who may open them.
    views: tuple[str, ...] = ()
    # Sections of the person's own-data export that hold it: the person sees it themself.
    own_sections: tuple[str, ...] = ()
    # The programme file's `[[retention]]` kind that governs it (programmes.retention).
    retention: str | None = None
    # Who else receives it outside the pages (e-mail, the funder), in words.
    recipients: str | Promise = ""


CATEGORIES: tuple[Category, ...] = (
    Category(
        key="identity",
        name=gettext_lazy("Identity and contact details"),
        fields=(
            "people.Person.email",
            "people.Person.first_name",
            "people.Person.last_name",
            "people.Person.phone",
        ),
        purpose=gettext_lazy(
            "To register staff for training, tell them about their sessions and show who attended."
        ),
        legal_basis=PUBLIC_TASK,
        views=(
            "people:list",
            "people:detail",
            "training:person",
            "training:municipality",
            "training:attendance",
            "training:evidence",
            "collaboration:support_resource",
            "collaboration:workshop",
        ),
        own_sections=("person",),
        retention="attendance_evidence",
    ),
    Category(
        key="background",
        name=gettext_lazy("Background for the funder's figures"),
        fields=(
            "people.Person.gender",
            "people.Person.birth_year",
            "people.Person.municipality",
            "people.Person.workplace",
            "people.Person.workplace_name",
            "people.Person.staff_category",
            "training.PersonRollup",
        ),
        purpose=gettext_lazy(
            "To count participants by gender, age band, municipality and staff category as the "
            "funder requires, and to compute the co-financing."
        ),
        legal_basis=LEGAL_OBLIGATION,
        views=("people:list", "people:detail", "reporting:esf_export"),
        own_sections=("person", "figures"),
        retention="attendance_evidence",
        recipients=gettext_lazy("The funder receives the figures; small groups are suppressed."),
    ),
    Category(
        key="personnummer",
        name=gettext_lazy("Personnummer"),
        fields=("people.Person.personnummer_encrypted",),
        purpose=gettext_lazy(
            "Only for the participant report the funder passes to Statistics Sweden (SCB)."
        ),
        legal_basis=LEGAL_OBLIGATION,
        views=("reporting:esf_export",),
        own_sections=("person",),
        retention="attendance_evidence",
        recipients=gettext_lazy("The funder, in the participant file for SCB."),
    ),
    Category(
        key="training",
        name=gettext_lazy("Registrations, attendance and certificates"),
        fields=(
            "training.Registration",
            "training.Attendance",
            "training.Certificate",
            "training.CalendarFeed",
            "training.ImportJob",
        ),
        purpose=gettext_lazy(
            "To run the courses and to keep the evidence of attendance the funder audits."
        ),
        legal_basis=LEGAL_OBLIGATION,
        views=(
            "training:attendance",
            "training:person",
            "training:municipality",
            "training:evidence",
            "training:import_status",
            "reporting:esf_export",
        ),
        own_sections=("registrations", "attendance", "certificates", "calendar_feed"),
        retention="attendance_evidence",
    ),
    Category(
        key="attestations",
        name=gettext_lazy("Monthly attestations"),
        fields=("training.MonthlyAttestation",),
        purpose=gettext_lazy("The participants' own attestation of their hours, for the funder."),
        legal_basis=LEGAL_OBLIGATION,
        views=("training:attestation_audit", "training:attestation_export"),
        own_sections=("attestations",),
        retention="attestations",
    ),
    Category(
        key="survey_answers",
        name=gettext_lazy("Survey invitations and answers"),
        fields=(
            "evaluation.Invitation",
            "evaluation.Response",
            "evaluation.Answer.number",
            "evaluation.Answer.choices",
        ),
        purpose=gettext_lazy(
            "To evaluate what the training changed; named or linked only where the survey says so."
        ),
        legal_basis=PUBLIC_TASK,
        views=("evaluation:survey_results", "evaluation:survey_export"),
        own_sections=("survey_invitations", "survey_responses", "survey_answers"),
        retention="survey_answers",
    ),
    Category(
        key="survey_free_text",
        name=gettext_lazy("Free-text survey answers"),
        fields=("evaluation.Answer.text",),
        purpose=gettext_lazy("The respondents' own words in the evaluation, masked when shown."),
        legal_basis=PUBLIC_TASK,
        views=("evaluation:survey_results", "evaluation:survey_export"),
        own_sections=("survey_answers",),
        retention="survey_free_text",
    ),
    Category(
        key="support_resources",
        name=gettext_lazy("Support resources' engagements and outcomes"),
        fields=(
            "people.Person.support_resource",
            "collaboration.Engagement",
            "collaboration.Outcome",
            "collaboration.ReferenceLetter",
        ),
        purpose=gettext_lazy(
            "To record the part young people take as support resources, give them a reference "
            "letter and follow where they go next."
        ),
        legal_basis=PUBLIC_TASK,
        views=(
            "collaboration:support_list",
            "collaboration:support_resource",
            "collaboration:letter_download",
        ),
        own_sections=("person", "engagements", "outcomes", "reference_letters"),
        retention="support_resource_outcomes",
    ),
    Category(
        key="collaboration",
        name=gettext_lazy("Pilot workshop groups"),
        fields=("collaboration.GroupMember", "collaboration.Meeting", "collaboration.Routine"),
        purpose=gettext_lazy(
            "To run the local pilot workshops: who takes part, who came to a meeting, who owns "
            "a routine."
        ),
        legal_basis=PUBLIC_TASK,
        views=("collaboration:workshop", "collaboration:routine"),
        own_sections=("pilot_workshop_groups", "meetings_attended", "routines_owned"),
    ),
    Category(
        key="accounts",
        name=gettext_lazy("Accounts and roles"),
        fields=(
            "people.User",
            "people.RoleAssignment",
            "sessions.Session",
            "otp_totp.TOTPDevice",
            "otp_static.StaticDevice",
            "people.ProviderDevice",
            "api.ApiToken",
            "axes.AccessAttempt",
            "axes.AccessLog",
            "axes.AccessFailureLog",
        ),
        purpose=gettext_lazy(
            "To let people sign in safely and to give each role only what it needs."
        ),
        legal_basis=PUBLIC_TASK,
        own_sections=("account", "roles", "failed_sign_ins"),
        retention="accounts",
    ),
    Category(
        key="authorship",
        name=gettext_lazy("Staff named in records they made"),
        fields=(
            "training.Session.trainers",
            "collaboration.Lesson.created_by",
            "people.ErasureRequest.requested_by",
            "people.ErasureRequest.decided_by",
        ),
        purpose=gettext_lazy(
            "To show who trains a session, who recorded attendance or wrote a lesson, so that "
            "the records can be checked."
        ),
        legal_basis=PUBLIC_TASK,
        views=("training:session_edit", "collaboration:lesson_list"),
        own_sections=("records_made",),
    ),
    Category(
        key="audit_log",
        name=gettext_lazy("Audit log"),
        fields=("core.AuditEvent",),
        purpose=gettext_lazy(
            "To show who changed or disclosed which personal data, and when (art. 5.2 and 32)."
        ),
        legal_basis=LEGAL_OBLIGATION,
        views=("site:audit_log", "site:audit_log_export"),
        own_sections=("audit_about_you", "audit_by_you"),
        retention="audit_log",
    ),
    Category(
        key="erasure",
        name=gettext_lazy("Requests to erase"),
        fields=("people.ErasureRequest", "people.Person.erased"),
        purpose=gettext_lazy("To handle a person's request to be erased (art. 17)."),
        legal_basis=gettext_lazy("Art. 6.1 c: a legal obligation (the GDPR, art. 12 and 17)"),
        views=("reporting:erasure",),
        own_sections=("person", "erasure_requests"),
    ),
    Category(
        key="accessibility_reports",
        name=gettext_lazy("Accessibility reports"),
        fields=("site.AccessibilityReport",),
        purpose=gettext_lazy("To answer a visitor who reports an accessibility problem."),
        legal_basis=ACCESSIBILITY_LAW,
        own_sections=("accessibility_reports",),
        recipients=gettext_lazy("The programme admins, by e-mail."),
    ),
)

# Fields of a person or an account that hold no personal data of their own.
TECHNICAL_FIELDS = {
    "people.Person.id",
    "people.Person.created",
    "people.Person.updated",
}


# Names for models and fields that have no name of their own in the interface language (other
# packages' models, fields named only in code).
LABELS_OF_PATHS = {
    "training.PersonRollup": gettext_lazy("Per-person figures of each programme"),
    "evaluation.Invitation": gettext_lazy("Survey invitations"),
    "evaluation.Response": gettext_lazy("Survey responses"),
    "evaluation.Answer.number": gettext_lazy("Answers: numbers and scale values"),
    "evaluation.Answer.choices": gettext_lazy("Answers: choices"),
    "evaluation.Answer.text": gettext_lazy("Answers: free text"),
    "people.Person.personnummer_encrypted": gettext_lazy("Person: personnummer (encrypted)"),
    "sessions.Session": gettext_lazy("Sign-in sessions"),
    "otp_totp.TOTPDevice": gettext_lazy("Authenticator apps for two-step verification"),
    "otp_static.StaticDevice": gettext_lazy("Recovery codes for two-step verification"),
    "api.ApiToken": gettext_lazy(
        "Personal API tokens (name, start, times of use; the secret hashed)"
    ),
    "people.ProviderDevice": gettext_lazy(
        "Second factor vouched for by the sign-in service (single sign-on)"
    ),
    "axes.AccessAttempt": gettext_lazy("Failed sign-ins (address, IP address, browser)"),
    "axes.AccessLog": gettext_lazy("Sign-in log (address, IP address, browser)"),
    "axes.AccessFailureLog": gettext_lazy("Failed sign-in log (address, IP address, browser)"),
    "collaboration.Lesson.created_by": gettext_lazy("Lesson learned: written by"),
    "people.ErasureRequest.requested_by": gettext_lazy("Request to erase: requested by"),
    "people.ErasureRequest.decided_by": gettext_lazy("Request to erase: decided by"),
}


def _field_label(path: str) -> str:
    """`app.Model.field` as the model names it; `app.Model` as the model's plural name."""
    if path in LABELS_OF_PATHS:
        return str(LABELS_OF_PATHS[path])
    label, _dot, name = path.rpartition(".") if path.count(".") == 2 else (path, "", "")
    model = apps.get_model(label)
    if not name:
        return str(model._meta.verbose_name_plural).capitalize()
    found = model._meta.get_field(name)
    verbose = getattr(found, "verbose_name", name)
    owner = str(model._meta.verbose_name).capitalize()
    return f"{owner}: {verbose}"


_ROLE_ORDER = [Role.ADMIN, Role.COORDINATOR, Role.TRAINER, Role.EVALUATOR, Role.AUDITOR]


def audience(category: Category) -> list[str]:
    """Who sees the category: the roles the views record, and the person themself."""
    roles: set[str] = set()
    for name in category.views:
        recorded = url_roles(name)
        if recorded is None:
            raise LookupError(f"{name} records no roles; the record cannot say who sees it.")
        roles |= recorded
    seen = [str(Role(role).label) for role in _ROLE_ORDER if role in roles]
    if category.own_sections:
        seen.append(_("the person themself (My data)"))
    return seen


def retention_text(programme: Programme, category: Category) -> str:
    """The retention rule for the category in `programme`, in words."""
    if category.retention is None:
        return _("No retention rule in the programme file: kept until erased.")
    found: Rule | None = rule(programme, category.retention)
    if found is None:
        return _("The programme file has no rule for %(kind)s: kept until erased.") % {
            "kind": LABELS[category.retention]
        }
    values = {"years": found.keep_years, "decision": found.decision}
    if found.after == "last_sign_in":
        return (
            _(
                "Kept %(years)s full calendar years after the year of the last sign-in "
                "(decision %(decision)s)."
            )
            % values
        )
    values["until"] = found.keep_until(programme.ends).isoformat()
    return (
        _(
            "Kept %(years)s full calendar years after the programme's end, until %(until)s "
            "(decision %(decision)s)."
        )
        % values
    )


@dataclass
class Entry:
    category: Category
    data: list[str]
    audience: list[str]
    retention: str

    @property
    def name(self) -> str:
        return str(self.category.name)

    @property
    def purpose(self) -> str:
        return str(self.category.purpose)

    @property
    def legal_basis(self) -> str:
        return str(self.category.legal_basis)

    @property
    def recipients(self) -> str:
        return str(self.category.recipients)


@dataclass
class Record:
    programme: Programme
    entries: list[Entry] = field(default_factory=list)

    @property
    def introduction(self) -> str:
        return str(INTRODUCTION) % {"owner": self.programme.owner}

    def as_document(self) -> Document:
        title = _("Record of processing: %(programme)s") % {"programme": self.programme.name}
        document = Document(title=title)
        document.heading(title)
        document.text(self.introduction)
        for entry in self.entries:
            document.heading(entry.name, level=2)
            items = [
                (_("Personal data"), "; ".join(entry.data)),
                (_("Purpose"), entry.purpose),
                (_("Legal basis"), entry.legal_basis),
                (_("Who sees it"), ", ".join(entry.audience)),
                (_("Retention"), entry.retention),
            ]
            if entry.recipients:
                items.append((_("Recipients outside the service"), entry.recipients))
            document.entries(items)
        return document

    def as_pdf(self) -> bytes:
        return self.as_document().as_pdf()


INTRODUCTION = gettext_lazy(
    "Controller: %(owner)s. Made from the service's own code and the programme file: the data "
    "from the data model, who sees it from the permissions of the pages, the retention from the "
    "programme's disposal rules."
)


def processing_record(programme: Programme) -> Record:
    """The record of processing for `programme`, read from the code and its programme file."""
    return Record(
        programme=programme,
        entries=[
            Entry(
                category=category,
                data=[_field_label(path) for path in category.fields],
                audience=audience(category),
                retention=retention_text(programme, category),
            )
            for category in CATEGORIES
        ],
    )

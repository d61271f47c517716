"""The retention run: what each programme's retention rules have made due, and carrying it out.

The plan lists every rule of every programme with the day its data is kept until and what has
fallen due; carrying it out disposes of exactly that, all or nothing, with one audit entry per
rule naming its decision. Each app disposes of its own tables (its `retention` module).
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from grannar.collaboration import retention as collaboration_retention
from grannar.core.audit import audit_events, audit_events_delete, log_action
from grannar.evaluation import retention as evaluation_retention
from grannar.people.erasure import ERASED_DOMAIN, account_close
from grannar.people.models import Person, User
from grannar.programmes.models import Programme
from grannar.programmes.retention import DATA_KINDS, LABELS, Rule, rules
from grannar.reporting.erasure import identity_remove
from grannar.training import retention as training_retention


@dataclass
class PlanItem:
    """One rule of one programme: what it keeps until when, and what is due today."""

    programme: Programme
    rule: Rule
    keep_until: dt.date | None  # None for accounts: each counts from its own last sign-in
    ids: list[int] = field(default_factory=list)
    files: list[int] = field(default_factory=list)  # attendance evidence: stored import files

    @property
    def data(self) -> str:
        return self.rule.data

    @property
    def label(self) -> str:
        return str(LABELS[self.rule.data])

    @property
    def description(self) -> str:
        return DATA_KINDS[self.rule.data]

    @property
    def count(self) -> int:
        return len(self.ids) + len(self.files)

    @property
    def due(self) -> bool:
        return self.count > 0


def retention_plan(*, today: dt.date | None = None) -> list[PlanItem]:
    """Every programme's rules with what has fallen due on `today` (default: today)."""
    today = today or timezone.localdate()
    programmes = list(Programme.objects.order_by("ends", "code"))
    items = [
        PlanItem(
            programme=programme,
            rule=found,
            keep_until=None if found.after == "last_sign_in" else found.keep_until(programme.ends),
        )
        for programme in programmes
        for found in rules(programme)
    ]

    def due_programmes(data: str) -> list[Programme]:
        return [
            item.programme
            for item in items
            if item.data == data and item.keep_until is not None and item.keep_until < today
        ]

    for item in items:
        if item.keep_until is not None and item.keep_until >= today:
            continue
        programme = item.programme
        if item.data == "attendance_evidence":
            item.ids = _evidence_person_ids(programme, due_programmes("attendance_evidence"))
            item.files = sorted(
                training_retention.import_files(programme=programme).values_list("pk", flat=True)
            )
        elif item.data == "attestations":
            item.ids = _ids(training_retention.attestations(programme=programme))
        elif item.data == "survey_answers":
            item.ids = _ids(evaluation_retention.responses(programme=programme))
        elif item.data == "survey_free_text":
            item.ids = _ids(evaluation_retention.free_text(programme=programme))
        elif item.data == "support_resource_outcomes":
            item.ids = _ids(collaboration_retention.outcomes(programme=programme))
    _plan_accounts([item for item in items if item.data == "accounts"], today)
    _plan_audit_log(items, programmes, due_programmes("audit_log"))
    return items


def _ids(queryset) -> list[int]:
    return sorted(queryset.values_list("pk", flat=True))


def _evidence_person_ids(programme: Programme, due: list[Programme]) -> list[int]:
    """People whose identity only this programme's (and other due programmes') evidence still
    holds: not erased, in no programme whose rule still runs, without an open account (the
    accounts rule closes that first)."""
    candidates = training_retention.programme_person_ids(programme=programme)
    candidates -= training_retention.other_programme_person_ids(programmes=due)
    candidates -= collaboration_retention.other_programme_person_ids(programmes=due)
    with_account = User.objects.filter(person_id__in=candidates, is_active=True).values_list(
        "person_id", flat=True
    )
    candidates -= set(with_account)
    return sorted(
        Person.objects.filter(pk__in=candidates, erased__isnull=True).values_list("pk", flat=True)
    )


def _plan_accounts(items: list[PlanItem], today: dt.date) -> None:
    """Accounts belong to no one programme: the longest accounts rule of all decides, and the
    other programmes' rules show nothing due."""
    if not items:
        return
    longest = max(items, key=lambda item: item.rule.keep_years)
    # Due when the last sign-in's year + keep_years is before this year: before 1 January of
    # this year minus keep_years (local time), which the database can compare.
    first_kept = timezone.make_aware(dt.datetime(today.year - longest.rule.keep_years, 1, 1))
    users = (
        User.objects.filter(is_active=True, is_superuser=False)
        .annotate(last=Coalesce("last_login", "date_joined"))
        .filter(last__lt=first_kept)
        .exclude(email__endswith="@" + ERASED_DOMAIN)
    )
    longest.ids = sorted(users.values_list("pk", flat=True))


def _plan_audit_log(items: list[PlanItem], programmes: list[Programme], due: list[Programme]):
    """Entries from up to a due programme's end, but never from the time of a programme whose
    audit log is still kept (the log is not divided by programme)."""
    kept_from = min(
        (programme.starts for programme in programmes if programme not in due), default=None
    )
    taken: set[int] = set()
    for item in items:
        if item.data != "audit_log" or item.programme not in due:
            continue
        last_day = item.programme.ends
        if kept_from is not None:
            last_day = min(last_day, kept_from - dt.timedelta(days=1))
        before = timezone.make_aware(
            dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min)
        )
        ids = list(audit_events(created_before=before).values_list("pk", flat=True))
        item.ids = sorted(set(ids) - taken)
        taken |= set(item.ids)


def retention_run(*, by: User | None = None, today: dt.date | None = None) -> list[PlanItem]:
    """Carry out the plan, all or nothing, with an audit entry per rule that disposed of
    anything (naming its decision). Returns the plan carried out."""
    plan = retention_plan(today=today)
    with transaction.atomic():
        for item in plan:
            if not item.due:
                continue
            _dispose(item)
            log_action(
                action="reporting.retention.disposed",
                actor=by,
                target=item.programme,
                data={
                    "data": item.data,
                    "decision": item.rule.decision,
                    "keep_years": item.rule.keep_years,
                    "keep_until": item.keep_until.isoformat() if item.keep_until else "",
                    "records": len(item.ids),
                    "files": len(item.files),
                },
            )
    return plan


def _dispose(item: PlanItem) -> None:
    data = item.data
    if data == "attendance_evidence":
        training_retention.import_files_forget(job_ids=item.files)
        files = training_retention.ImportFiles()
        for person in Person.objects.filter(pk__in=item.ids):
            identity_remove(person=person, files=files)
    elif data == "attestations":
        training_retention.attestations_delete(ids=item.ids)
    elif data == "survey_answers":
        evaluation_retention.responses_delete(programme=item.programme, ids=item.ids)
    elif data == "survey_free_text":
        evaluation_retention.free_text_clear(ids=item.ids)
    elif data == "support_resource_outcomes":
        collaboration_retention.outcomes_delete(ids=item.ids)
    elif data == "accounts":
        for user in User.objects.filter(pk__in=item.ids):
            account_close(user=user)
    elif data == "audit_log":
        audit_events_delete(ids=item.ids)

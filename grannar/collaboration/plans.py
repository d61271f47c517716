"""Competence-supply plans (kompetensförsörjningsplaner): a workplace's needs per staff category
and the actions that meet them, moving draft → adopted → followed_up."""

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from grannar.collaboration.models import CompetencePlan, PlanNeed
from grannar.core.audit import log_action
from grannar.people.models import User, Workplace
from grannar.programmes.models import Programme, StaffCategory
from grannar.training.models import Course


def _log(action: str, by: User | None, target, plan: CompetencePlan, **data) -> None:
    log_action(
        action=action,
        actor=by,
        target=target,
        municipality_id=plan.workplace.municipality_id,
        data={k: v.isoformat() if isinstance(v, dt.date) else v for k, v in data.items()},
    )


def _check_period(start: dt.date, end: dt.date) -> None:
    if end < start:
        raise ValidationError(_("Period: the end cannot be before the start."))


def _check_open(plan: CompetencePlan) -> None:
    if plan.status == CompetencePlan.Status.FOLLOWED_UP:
        raise ValidationError(_("The plan has been followed up and can no longer be changed."))


@transaction.atomic
def plan_create(
    *,
    programme: Programme,
    workplace: Workplace,
    period_start: dt.date,
    period_end: dt.date,
    actions: str = "",
    by: User | None,
) -> CompetencePlan:
    """Start a workplace's plan as a draft."""
    _check_period(period_start, period_end)
    plan = CompetencePlan.objects.create(
        programme=programme,
        workplace=workplace,
        period_start=period_start,
        period_end=period_end,
        actions=actions.strip(),
    )
    _log("collaboration.plan.created", by, plan, plan)
    return plan


@transaction.atomic
def plan_update(
    *,
    plan: CompetencePlan,
    period_start: dt.date,
    period_end: dt.date,
    actions: str,
    by: User | None,
) -> CompetencePlan:
    """Change the plan's period and actions until it has been followed up."""
    _check_open(plan)
    _check_period(period_start, period_end)
    plan.period_start, plan.period_end, plan.actions = period_start, period_end, actions.strip()
    plan.save(update_fields=["period_start", "period_end", "actions", "changed"])
    _log("collaboration.plan.changed", by, plan, plan)
    return plan


@transaction.atomic
def need_set(
    *,
    plan: CompetencePlan,
    staff_category: StaffCategory,
    head_count: int,
    competences: str = "",
    courses: Iterable[Course] = (),
    by: User | None,
) -> PlanNeed:
    """The plan's need for one staff category (set again, it replaces the earlier one)."""
    _check_open(plan)
    if head_count < 1:
        raise ValidationError(_("Head count: give at least 1."))
    need, _created = PlanNeed.objects.update_or_create(
        plan=plan,
        staff_category=staff_category,
        defaults={"head_count": head_count, "competences": competences.strip()},
    )
    need.courses.set(list(courses))
    _log(
        "collaboration.plan.need_set",
        by,
        need,
        plan,
        category=staff_category.code,
        head_count=head_count,
    )
    return need


@transaction.atomic
def need_remove(*, need: PlanNeed, by: User | None) -> None:
    """Take a need out of a plan that has not been followed up."""
    plan = CompetencePlan.objects.select_related("workplace").get(pk=need.plan_id)
    _check_open(plan)
    _log("collaboration.plan.need_removed", by, need, plan, category=need.staff_category.code)
    need.delete()


def _locked(plan: CompetencePlan) -> CompetencePlan:
    return (
        CompetencePlan.objects.select_for_update(of=("self",))
        .select_related("workplace")
        .get(pk=plan.pk)
    )


def _refuse(plan: CompetencePlan, step: str, rule: str) -> None:
    raise ValidationError(
        _("The plan is “%(status)s” and cannot %(step)s now: %(rule)s")
        % {"status": plan.get_status_display(), "step": step, "rule": rule}
    )


def _check_date(date: dt.date, earliest: dt.date | None = None) -> None:
    if date > dt.date.today():
        raise ValidationError(_("Date: the date cannot be in the future."))
    if earliest is not None and date < earliest:
        raise ValidationError(
            _("Date: the date cannot be before the adoption, %(date)s.")
            % {"date": earliest.isoformat()}
        )


@transaction.atomic
def plan_adopt(
    *, plan: CompetencePlan, date: dt.date, reference: str, by: User | None
) -> CompetencePlan:
    """draft → adopted, with the day and the decision's reference; a plan needs a need."""
    plan = _locked(plan)
    if plan.status != CompetencePlan.Status.DRAFT:
        _refuse(plan, _("be adopted"), _("only a draft is adopted."))
    if not plan.needs.exists():
        raise ValidationError(_("The plan needs at least one staff category's need first."))
    if not reference.strip():
        raise ValidationError(_("Reference: give the decision's reference, e.g. the minutes."))
    _check_date(date)
    plan.status, plan.adopted_on = CompetencePlan.Status.ADOPTED, date
    plan.decision_reference = reference.strip()
    plan.save(update_fields=["status", "adopted_on", "decision_reference", "changed"])
    _log("collaboration.plan.adopted", by, plan, plan, date=date)
    return plan


@transaction.atomic
def plan_follow_up(
    *, plan: CompetencePlan, date: dt.date, note: str, by: User | None
) -> CompetencePlan:
    """adopted → followed_up, with the day and a note on how it went."""
    plan = _locked(plan)
    if plan.status != CompetencePlan.Status.ADOPTED:
        _refuse(plan, _("be followed up"), _("only an adopted plan is followed up."))
    _check_date(date, plan.adopted_on)
    plan.status, plan.followed_up_on = CompetencePlan.Status.FOLLOWED_UP, date
    plan.follow_up_note = note.strip()
    plan.save(update_fields=["status", "followed_up_on", "follow_up_note", "changed"])
    _log("collaboration.plan.followed_up", by, plan, plan, date=date)
    return plan


PLAN_STEPS = {"adopt": plan_adopt, "follow_up": plan_follow_up}

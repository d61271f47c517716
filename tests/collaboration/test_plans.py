"""Competence-supply plans: needs per staff category, draft → adopted → followed up."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from grannar.collaboration.models import CompetencePlan, PlanNeed
from grannar.collaboration.plans import (
    need_remove,
    need_set,
    plan_adopt,
    plan_create,
    plan_follow_up,
    plan_update,
)
from grannar.core.models import AuditEvent
from grannar.programmes.models import StaffCategory
from tests.factories import make_session, make_workplace, sign_in

pytestmark = pytest.mark.usefixtures("no_scope")
TODAY = dt.date.today()


def make_plan(world, target: str = "own") -> CompetencePlan:
    return plan_create(
        programme=world["programme"],
        workplace=make_workplace(municipality=world[target]),
        period_start=dt.date(2025, 1, 1),
        period_end=dt.date(2026, 12, 31),
        actions="Alla i personalgruppen går grundkursen.",
        by=None,
    )


def test_plan_period_and_needs(world):
    with pytest.raises(ValidationError, match="Period"):
        plan_create(
            programme=world["programme"],
            workplace=make_workplace(municipality=world["own"]),
            period_start=dt.date(2026, 1, 1),
            period_end=dt.date(2025, 1, 1),
            by=None,
        )
    plan = make_plan(world)
    category = StaffCategory.objects.order_by("id").first()
    course = make_session(programme=world["programme"]).course
    need_set(
        plan=plan,
        staff_category=category,
        head_count=4,
        competences="Traumamedvetenhet",
        courses=[course],
        by=None,
    )
    need = need_set(plan=plan, staff_category=category, head_count=6, by=None)
    assert PlanNeed.objects.get().head_count == 6
    assert list(need.courses.all()) == []
    with pytest.raises(ValidationError, match="Antal personer"):
        need_set(plan=plan, staff_category=category, head_count=0, by=None)
    assert AuditEvent.objects.filter(action="collaboration.plan.need_set").count() == 2


def test_plan_life_cycle_and_refusals(world):
    plan = make_plan(world)
    with pytest.raises(ValidationError, match="minst ett behov"):
        plan_adopt(plan=plan, date=TODAY, reference="KS 2025/12", by=None)
    need = need_set(plan=plan, staff_category=StaffCategory.objects.first(), head_count=2, by=None)
    with pytest.raises(ValidationError, match="”utkast”"):
        plan_follow_up(plan=plan, date=TODAY, note="", by=None)
    with pytest.raises(ValidationError, match="Referens"):
        plan_adopt(plan=plan, date=TODAY, reference=" ", by=None)
    plan = plan_adopt(
        plan=plan, date=TODAY - dt.timedelta(days=30), reference="KS 2025/12", by=None
    )
    assert (plan.status, plan.adopted_on) == ("adopted", TODAY - dt.timedelta(days=30))
    with pytest.raises(ValidationError, match="”antagen”"):
        plan_adopt(plan=plan, date=TODAY, reference="KS", by=None)
    with pytest.raises(ValidationError, match="före antagandet"):
        plan_follow_up(plan=plan, date=TODAY - dt.timedelta(days=31), note="", by=None)
    plan = plan_follow_up(plan=plan, date=TODAY, note="Fyra av sex har gått kursen.", by=None)
    assert plan.status == "followed_up"
    with pytest.raises(ValidationError, match="kan inte längre ändras"):
        plan_update(
            plan=plan,
            period_start=plan.period_start,
            period_end=plan.period_end,
            actions="x",
            by=None,
        )
    with pytest.raises(ValidationError, match="kan inte längre ändras"):
        need_remove(need=need, by=None)
    actions = list(
        AuditEvent.objects.filter(target_id=str(plan.pk), action__startswith="collaboration.plan.")
        .exclude(action__startswith="collaboration.plan.need")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "collaboration.plan.created",
        "collaboration.plan.adopted",
        "collaboration.plan.followed_up",
    ]


def test_coordinator_writes_a_plan_for_an_own_workplace_only(world, client):
    sign_in(client, world["users"]["coordinator"])
    own, other = (
        make_workplace(municipality=world["own"]),
        make_workplace(municipality=world["other"]),
    )
    data = {
        "programme": world["programme"].pk,
        "period_start": "2025-01-01",
        "period_end": "2025-12-31",
        "actions": "",
    }
    response = client.post(reverse("collaboration:plan_create"), {**data, "workplace": other.pk})
    assert "workplace" in response.context["form"].errors
    response = client.post(reverse("collaboration:plan_create"), {**data, "workplace": own.pk})
    plan = CompetencePlan.objects.get()
    assert response.url == reverse("collaboration:plan", args=[plan.pk])
    category = StaffCategory.objects.first()
    response = client.post(
        reverse("collaboration:need_set", args=[plan.pk]),
        {"need-staff_category": category.pk, "need-head_count": "3"},
    )
    assert response.status_code == 302
    response = client.post(
        reverse("collaboration:plan_step", args=[plan.pk, "follow_up"]),
        {"follow_up-date": TODAY.isoformat()},
    )
    assert response.status_code == 400
    assert "Planen har status ”utkast”" in response.content.decode()
    response = client.post(
        reverse("collaboration:plan_step", args=[plan.pk, "adopt"]),
        {"adopt-date": TODAY.isoformat(), "adopt-reference": "Protokoll 3/25"},
    )
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == "adopted"
    page = client.get(reverse("collaboration:plan_list")).content.decode()
    assert own.name in page


def test_another_municipalitys_plan_is_a_404_for_a_coordinator(world, client):
    plan = make_plan(world, "other")
    sign_in(client, world["users"]["coordinator"])
    assert client.get(reverse("collaboration:plan", args=[plan.pk])).status_code == 404
    response = client.post(
        reverse("collaboration:need_set", args=[plan.pk]),
        {"need-staff_category": StaffCategory.objects.first().pk, "need-head_count": "3"},
    )
    assert response.status_code == 404
    assert not PlanNeed.objects.exists()
    assert (
        reverse("collaboration:plan", args=[plan.pk])
        not in client.get(reverse("collaboration:plan_list")).content.decode()
    )

"""Erasing any people of the demo world leaves every figure as it was."""

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grannar.demo import demo_load
from grannar.evaluation.analysis import evaluation_summary
from grannar.people.models import Person
from grannar.reporting import reports
from grannar.reporting.erasure import person_erase
from grannar.training import rollups

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("no_scope")]


def _rounded(value):
    """Floats to nine places: a mean summed in another row order may differ in its last bit."""
    if isinstance(value, float):
        return round(value, 9)
    if isinstance(value, dict):
        return {key: _rounded(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_rounded(item) for item in value]
    return value


class _Undo(Exception):
    """Raised to roll one example's erasures back, so that the next starts from the world."""


@pytest.fixture
def demo_world():
    programme = demo_load(scale="small").programme
    people = list(Person.objects.order_by("pk").values_list("pk", flat=True))
    return programme, people


def test_erasing_random_people_keeps_every_figure(demo_world):
    programme, people = demo_world
    summary = reports.summary_json(programme)
    evaluation = _rounded(evaluation_summary(programme))
    assert '"participants": 0' not in summary

    @settings(
        max_examples=12,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(st.lists(st.sampled_from(people), min_size=1, max_size=6, unique=True))
    def erase_some(chosen: list[int]):
        try:
            with transaction.atomic():
                for person in Person.objects.filter(pk__in=chosen):
                    person_erase(
                        person=person, by=None, reason="Begäran", legal_ground="Art. 17.1 a"
                    )
                assert Person.objects.filter(pk__in=chosen, erased__isnull=False).count() == len(
                    chosen
                )
                assert reports.summary_json(programme) == summary
                assert _rounded(evaluation_summary(programme)) == evaluation
                assert rollups.verify(programme) == []
                raise _Undo
        except _Undo:
            pass

    erase_some()

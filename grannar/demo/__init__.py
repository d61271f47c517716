"""Deterministic demo data, one module per domain; `demo_load` puts them together."""

import math
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction

from grannar.core.audit import log_action
from grannar.demo.collaboration import CollaborationDemo
from grannar.demo.evaluation import EvaluationDemo
from grannar.demo.people import DEMO_DOMAIN, SEED, DemoBuilder, demo_accounts
from grannar.demo.programmes import (
    demo_leaving_dates,
    demo_targets,
    ensure_reference_programme,
    national_programme_text,
)
from grannar.demo.training import TrainingDemo
from grannar.people.models import User
from grannar.programmes.models import Programme
from grannar.programmes.services import programme_load
from grannar.training import rollups
from grannar.training.models import PersonRollup

SCALES = ("small", "region", "national")
# The national demo's people: staff and support resources, about ten attended sessions each.
NATIONAL_PERSONS = 100_400
NATIONAL_SUPPORT_SHARE = 400 / NATIONAL_PERSONS


@dataclass
class DemoResult:
    programme: Programme
    people_created: int
    accounts: list[tuple[str, str]]


def demo_load(
    *, scale: str = "region", password: str | None = None, persons: int | None = None
) -> DemoResult:
    """Load the demo for `scale`; loading it again adds nothing. `persons` sizes the national
    demo (100 400 by default), its attended registrations in proportion."""
    if scale not in SCALES:
        raise ValueError(f"Unknown scale {scale!r}; choose one of {', '.join(SCALES)}.")
    if persons is not None and scale != "national":
        raise ValueError("Only the national demo takes a number of persons.")
    if persons is not None and persons < 10:
        raise ValueError("The national demo needs at least 10 persons.")
    password = password or settings.GRANNAR_DEMO_PASSWORD
    with transaction.atomic():
        reference = ensure_reference_programme()
        if scale == "national":
            programme = programme_load(text=national_programme_text()).programme
            persons = persons or NATIONAL_PERSONS
            supports = max(2, round(persons * NATIONAL_SUPPORT_SHARE))
            staff = persons - supports
        else:
            programme = reference
            planned = programme.reported_participants or programme.target_participants
            staff = math.ceil(planned * 1.09)
            supports = max(2, staff // 75)
            if scale == "small":
                staff, supports = staff // 10, max(2, supports // 4)
        builder = DemoBuilder(programme, staff=staff, support_resources=supports, seed=SEED)
        created = builder.write(*builder.plan())
        demo_leaving_dates(programme)
        demo_targets(programme)
        accounts = demo_accounts(reference, password=password)
        if scale == "national":
            # Nobody's own list should hold the national programme's thousands of sessions.
            TrainingDemo(programme, seed=SEED, trainer=None, admin=None).load_at_scale(
                attended=round(settings.GRANNAR_NATIONAL_ATTENDANCE * persons / NATIONAL_PERSONS)
            )
        else:
            TrainingDemo(
                programme,
                seed=SEED,
                trainer=User.objects.filter(email=f"kursledare@{DEMO_DOMAIN}").first(),
                admin=User.objects.filter(email=f"admin@{DEMO_DOMAIN}").first(),
            ).load()
            EvaluationDemo(programme, seed=SEED).load()
            CollaborationDemo(
                programme,
                seed=SEED,
                admin=User.objects.filter(email=f"admin@{DEMO_DOMAIN}").first(),
            ).load()
        # The rows above were written in bulk, past the services: count them once, set-based.
        if created or not PersonRollup.objects.filter(programme=programme).exists():
            rollups.rebuild(programme)
        if created:
            log_action(
                action="core.demo.loaded",
                target=programme,
                data={"scale": scale, "people_created": created},
            )
    return DemoResult(programme=programme, people_created=created, accounts=accounts)

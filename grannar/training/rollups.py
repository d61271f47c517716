"""Maintained rollups of the programme's figures, so that reading them touches a few thousand
rows whatever the programme's size.

`PersonRollup` holds one row per person with counted attendance in a programme (the facts of
`facts.person_facts` over the whole programme, plus the sub-goals attended); `Tally` counts
those rows per municipality, breakdown and key; `SessionRollup` and `SessionMunicipality` count
each session's people and their sectors. `refresh` recomputes them from the raw registrations
for the persons and sessions a change touched, in the transaction of the change; `rebuild`
recomputes a whole programme set-based; `verify` compares the stored rows with a recomputation.
The raw path (`facts.person_facts`) stays the reference the rollups are checked against.

Concurrency: a refresh locks the municipalities of the persons it recomputes (their rows, in
id order, `FOR NO KEY UPDATE`, so that foreign-key checks of other writers do not conflict),
then the sessions' rollup rows, and only then reads the raw data. Person rows, tallies and
session-per-municipality rows are only written under their municipality's lock and session
rows under their own, so under READ COMMITTED a second refresh waits for the first to commit
and then sees its rows. SQLite serialises writers anyway.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import NamedTuple

from django.db import connection, transaction
from django.db.models import Case, Count, F, Max, Min, Q, Sum, Value, When
from django.db.models.expressions import RawSQL
from django.utils import timezone
from django_scopes import scopes_disabled

from grannar.core.audit import log_action
from grannar.core.bulk import id_list, insert_rows
from grannar.core.rules import FULL_COVERAGE_SECTORS, UNKNOWN, age_band, gender_key
from grannar.people.models import Person
from grannar.programmes.models import Municipality, Programme
from grannar.training.facts import Scope, attended_registrations, registration_hours
from grannar.training.models import (
    PersonRollup,
    ProgrammeRollup,
    Registration,
    Session,
    SessionMunicipality,
    SessionRollup,
    Tally,
)

BATCH = 2000  # ids per IN list
PERSON_BATCH = 2000  # persons recounted at a time: what a refresh holds in memory
ONE_PASS = 10_000  # persons beyond which a refresh reads the programme's registrations once
# Switched off only by the concurrency test's control, to show that the lock is what holds.
LOCK_GUARD = True


def _chunks(ids: Iterable[int], size: int = BATCH) -> Iterator[RawSQL]:
    """The ids in order, `size` at a time, each batch as one parameter (`core.bulk.id_list`)."""
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield id_list(ordered[start : start + size])


# --- recomputation from the raw registrations -------------------------------------------------


class PersonRollupRow(NamedTuple):
    """A person rollup as recomputed, in the order of `PersonRollup`'s columns: cheaper to
    make by the hundred thousand than model instances, and inserted as it is."""

    programme_id: int
    person_id: int
    municipality_id: int
    support_resource: bool
    workplace_id: int | None
    staff_category_id: int | None
    staff_category: str
    sector: str
    gender: str
    age_band: str
    entry: dt.date
    exit: dt.date
    hours: int
    subgoals: str


def _person_rows(
    programme: Programme, person_ids: Iterable[int] | RawSQL | None
) -> list[PersonRollupRow]:
    """The person rollups recomputed from the raw registrations: one aggregate query and one
    for the sub-goals (per batch of ids, or for the whole programme with None)."""
    return list(_iter_person_rows(programme, person_ids))


def _iter_person_rows(
    programme: Programme, person_ids: Iterable[int] | RawSQL | None
) -> Iterator[PersonRollupRow]:
    """`_person_rows`, one at a time."""
    scope = Scope(programme)
    rows = attended_registrations(scope)
    if person_ids is not None:
        rows = rows.filter(person_id__in=person_ids)
    subgoals: dict[int, set[int]] = defaultdict(set)
    for person_id, number in (
        rows.filter(session__course__subgoals__isnull=False)
        .values_list("person_id", "session__course__subgoals__number")
        .distinct()
        .order_by()
    ):
        subgoals[person_id].add(number)
    aggregates = (
        rows.values(
            "person_id",
            "person__municipality_id",
            "person__support_resource",
            "person__workplace_id",
            "person__staff_category_id",
            "person__staff_category__code",
            "person__staff_category__sector__code",
            "person__gender",
            "person__birth_year",
        )
        .annotate(
            entry=Min("session__starts"),
            exit=Max("session__starts"),
            hours=Sum(registration_hours()),
        )
        .order_by()
    )
    for row in aggregates.iterator(chunk_size=5000):
        entry = timezone.localtime(row["entry"]).date()
        person_id = row["person_id"]
        yield PersonRollupRow(
            programme_id=programme.pk,
            person_id=person_id,
            municipality_id=row["person__municipality_id"],
            support_resource=row["person__support_resource"],
            workplace_id=row["person__workplace_id"],
            staff_category_id=row["person__staff_category_id"],
            staff_category=row["person__staff_category__code"] or UNKNOWN,
            sector=row["person__staff_category__sector__code"] or UNKNOWN,
            gender=gender_key(row["person__gender"]),
            age_band=age_band(birth_year=row["person__birth_year"], first_year=entry.year),
            entry=entry,
            exit=timezone.localtime(row["exit"]).date(),
            hours=row["hours"] or 0,
            subgoals=",".join(str(n) for n in sorted(subgoals.get(person_id, ()))),
        )


def _tally_counts(people: Iterable) -> dict[tuple[int, str, str], list[int]]:
    """(municipality id, dimension, key) → [persons, hours] from person rollups: participants
    by every breakdown, support resources only in ("all", "support")."""
    counts: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0])

    def add(municipality_id: int, dimension: str, key: str, hours: int) -> None:
        cell = counts[(municipality_id, dimension, key)]
        cell[0] += 1
        cell[1] += hours

    for person in people:
        m = person.municipality_id
        if person.support_resource:
            add(m, "all", "support", 0)
            continue
        hours = person.hours
        add(m, "all", "participants", hours)
        add(m, "category", person.staff_category, hours)
        add(m, "rate", str(person.staff_category_id or ""), hours)
        add(m, "gender", person.gender, hours)
        add(m, "age", person.age_band, hours)
        add(m, "sector", person.sector, hours)
        add(m, "reached", f"{person.entry:%Y-%m}", hours)
        for number in filter(None, person.subgoals.split(",")):
            add(m, "subgoal", number, hours)
        if person.workplace_id is not None:
            add(m, "workplace", str(person.workplace_id), hours)
    return counts


def _session_counts(
    programme: Programme, session_ids: Iterable[int] | RawSQL | None
) -> tuple[dict[int, tuple[int, int]], dict[tuple[int, int], tuple[int, int]]]:
    """Per session (persons, sectors) and per (session, municipality) the same, from the raw
    registrations: people counted, and distinct sectors of the participants among them."""
    rows = attended_registrations(Scope(programme))
    if session_ids is not None:
        rows = rows.filter(session_id__in=session_ids)
    sessions: dict[int, list] = defaultdict(lambda: [0, set()])
    places: dict[tuple[int, int], list] = defaultdict(lambda: [0, set()])
    for session_id, municipality_id, sector_id, support, n in (
        rows.values_list(
            "session_id",
            "person__municipality_id",
            "person__staff_category__sector_id",
            "person__support_resource",
        )
        .annotate(n=Count("id"))
        .order_by()
        .iterator(chunk_size=5000)
    ):
        for cell in (sessions[session_id], places[(session_id, municipality_id)]):
            cell[0] += n
            if not support and sector_id is not None:
                cell[1].add(sector_id)
    return (
        {k: (n, len(s)) for k, (n, s) in sessions.items()},
        {k: (n, len(s)) for k, (n, s) in places.items()},
    )


# --- refresh ----------------------------------------------------------------------------------


def _lock_municipalities(ids: set[int]) -> None:
    if LOCK_GUARD and ids:
        list(
            Municipality.objects.select_for_update(no_key=True)
            .filter(pk__in=sorted(ids))
            .order_by("pk")
            .values_list("pk", flat=True)
        )


def _municipalities_of(programme: Programme, person_ids: set[int]) -> set[int]:
    """The persons' current municipalities and those their rollups were counted in."""
    found: set[int] = set()
    for chunk in _chunks(person_ids):
        found.update(
            Person.objects.with_scopes_disabled()
            .filter(pk__in=chunk)
            .values_list("municipality_id", flat=True)
            .distinct()
            .order_by()
        )
        found.update(
            PersonRollup.objects.filter(programme=programme, person_id__in=chunk)
            .values_list("municipality_id", flat=True)
            .distinct()
            .order_by()
        )
    return found


def refresh(
    programme: Programme,
    *,
    person_ids: Iterable[int],
    session_ids: Iterable[int] | None = None,
) -> None:
    """Recompute the rollups of these persons in the programme, in the caller's transaction,
    and of the sessions given (all their sessions in the programme when None, as after a change
    to their records)."""
    persons = set(person_ids)
    with transaction.atomic(), scopes_disabled():
        if not built(programme):
            return
        if session_ids is not None:
            sessions = set(session_ids)
        else:
            sessions = set()
            for chunk in _chunks(persons):
                sessions.update(
                    Registration.objects.filter(
                        session__course__programme=programme, person_id__in=chunk
                    )
                    .values_list("session_id", flat=True)
                    .order_by()
                )
        if not (persons or sessions):
            return
        locked: set[int] = set()
        # A person moved meanwhile may name a municipality not yet locked: lock until stable.
        while needed := _municipalities_of(programme, persons) - locked:
            _lock_municipalities(needed)
            locked |= needed
        _lock_sessions(programme, sessions)
        _write_persons(programme, persons)
        _write_sessions(programme, sessions, locked)
        _write_tallies(programme, locked)


def built(programme: Programme) -> bool:
    """Whether the programme's rollups were built (by `rebuild`, or empty when it was
    created): until then refreshes do nothing and the figures read the raw registrations."""
    return ProgrammeRollup.objects.filter(programme=programme).exists()


def refresh_sessions(programme: Programme, session_ids: Iterable[int]) -> None:
    """Refresh these sessions and everyone registered on them, as after a change to a
    session's time or hours or to its course."""
    sessions = set(session_ids)
    persons: set[int] = set()
    with scopes_disabled():
        for chunk in _chunks(sessions):
            persons.update(
                Registration.objects.filter(session_id__in=chunk)
                .values_list("person_id", flat=True)
                .order_by()
            )
    refresh(programme, person_ids=persons, session_ids=sessions)


def refresh_people(person_ids: Iterable[int]) -> None:
    """Refresh every programme in which these persons have a registration or a rollup, as
    after a change to their records."""
    persons = set(person_ids)
    programme_ids: set[int] = set()
    with scopes_disabled():
        for chunk in _chunks(persons):
            programme_ids.update(
                Registration.objects.filter(
                    person_id__in=chunk, session__course__programme__isnull=False
                )
                .values_list("session__course__programme_id", flat=True)
                .distinct()
                .order_by()
            )
            programme_ids.update(
                PersonRollup.objects.filter(person_id__in=chunk)
                .values_list("programme_id", flat=True)
                .distinct()
                .order_by()
            )
    for programme in Programme.objects.filter(pk__in=programme_ids).order_by("pk"):
        refresh(programme, person_ids=persons)


def refresh_municipality(programme: Programme, municipality_id: int) -> None:
    """Refresh everyone of a municipality with attendance in the programme, as after a change
    to its leaving date."""
    with scopes_disabled():
        persons = set(
            Registration.objects.filter(
                session__course__programme=programme,
                status=Registration.Status.ATTENDED,
                person__municipality_id=municipality_id,
            )
            .values_list("person_id", flat=True)
            .distinct()
            .order_by()
        )
        persons |= set(
            PersonRollup.objects.filter(
                programme=programme, municipality_id=municipality_id
            ).values_list("person_id", flat=True)
        )
    refresh(programme, person_ids=persons)


def _lock_sessions(programme: Programme, sessions: set[int]) -> None:
    """Make sure each session has its rollup row, and lock those rows in id order."""
    if not sessions:
        return
    for chunk in _chunks(sessions):
        SessionRollup.objects.bulk_create(
            [
                SessionRollup(programme=programme, session_id=pk, starts=starts)
                for pk, starts in Session.objects.filter(pk__in=chunk).values_list("pk", "starts")
            ],
            ignore_conflicts=True,
        )
        if LOCK_GUARD:
            list(
                SessionRollup.objects.select_for_update(no_key=True)
                .filter(programme=programme, session_id__in=chunk)
                .order_by("session_id")
                .values_list("pk", flat=True)
            )


def _write_persons(programme: Programme, persons: set[int]) -> None:
    if len(persons) > ONE_PASS:
        # As many as a large import touches: one pass over the programme is quicker than
        # recounting them a few hundred at a time, and holds as little.
        for chunk in _chunks(persons):
            PersonRollup.objects.filter(programme=programme, person_id__in=chunk).delete()
        _insert_person_rows(
            row for row in _iter_person_rows(programme, None) if row.person_id in persons
        )
        return
    for chunk in _chunks(persons, PERSON_BATCH):
        fresh = _person_rows(programme, chunk)
        PersonRollup.objects.filter(programme=programme, person_id__in=chunk).delete()
        _insert_person_rows(fresh)


def _insert_person_rows(rows: Iterable[PersonRollupRow]) -> None:
    """Insert person rollups as plain rows, a batch at a time: a large import writes tens of
    thousands, and what this holds does not grow with them."""
    date = connection.ops.adapt_datefield_value
    batch: list[tuple] = []
    for row in rows:
        batch.append(row._replace(entry=date(row.entry), exit=date(row.exit)))
        if len(batch) >= PERSON_BATCH:
            insert_rows(PersonRollup, PersonRollupRow._fields, batch)
            batch = []
    if batch:
        insert_rows(PersonRollup, PersonRollupRow._fields, batch)


def _write_tallies(programme: Programme, municipalities: set[int]) -> None:
    """Recount the tallies of these municipalities from their person rollups."""
    if not municipalities:
        return
    people = PersonRollup.objects.filter(
        programme=programme, municipality_id__in=municipalities
    ).values_list(
        "municipality_id",
        "support_resource",
        "workplace_id",
        "staff_category_id",
        "staff_category",
        "sector",
        "gender",
        "age_band",
        "entry",
        "hours",
        "subgoals",
        named=True,
    )
    # Small chunks of plain rows: what a recount holds does not grow with the municipality.
    counts = _tally_counts(people.iterator(chunk_size=PERSON_BATCH))
    counts.update(_stored_session_tallies(programme, municipalities))
    Tally.objects.filter(programme=programme, municipality_id__in=municipalities).delete()
    _insert_tallies(programme, counts)


def _insert_tallies(programme: Programme, counts: dict[tuple[int, str, str], list[int]]) -> None:
    Tally.objects.bulk_create(
        [
            Tally(
                programme=programme,
                municipality_id=m,
                dimension=dimension,
                key=key,
                persons=persons,
                hours=hours,
            )
            for (m, dimension, key), (persons, hours) in counts.items()
        ],
        batch_size=2000,
    )


def _write_sessions(programme: Programme, sessions: set[int], municipalities: set[int]) -> None:
    """Recount the locked sessions, their rows for the locked municipalities, and the
    programme's row (by the change in sessions held and mixed, under its lock)."""
    held = mixed = 0
    for chunk in _chunks(sessions):
        totals, places = _session_counts(programme, chunk)
        rollups = list(SessionRollup.objects.filter(programme=programme, session_id__in=chunk))
        starts = dict(Session.objects.filter(pk__in=chunk).values_list("pk", "starts"))
        for rollup in rollups:
            held -= rollup.persons > 0
            mixed -= rollup.sectors >= FULL_COVERAGE_SECTORS
            rollup.persons, rollup.sectors = totals.get(rollup.session_id, (0, 0))
            rollup.starts = starts[rollup.session_id]
            held += rollup.persons > 0
            mixed += rollup.sectors >= FULL_COVERAGE_SECTORS
        SessionRollup.objects.bulk_update(rollups, ["persons", "sectors", "starts"])
        SessionMunicipality.objects.filter(
            programme=programme, session_id__in=chunk, municipality_id__in=municipalities
        ).delete()
        SessionMunicipality.objects.bulk_create(
            [
                SessionMunicipality(
                    programme=programme,
                    session_id=session_id,
                    municipality_id=m,
                    persons=persons,
                    sectors=sectors,
                )
                for (session_id, m), (persons, sectors) in places.items()
                if m in municipalities
            ]
        )
    if sessions:
        _write_programme(programme, held=held, mixed=mixed)


def _write_programme(programme: Programme, *, held: int, mixed: int) -> None:
    rows = ProgrammeRollup.objects.filter(programme=programme)
    row = (rows.select_for_update(no_key=True) if LOCK_GUARD else rows).get()
    row.sessions_held += held
    row.mixed_sessions += mixed
    counted = SessionRollup.objects.filter(programme=programme, persons__gt=0)
    row.first = counted.order_by("starts").values_list("starts", flat=True).first()
    row.last = counted.order_by("-starts").values_list("starts", flat=True).first()
    row.save()


def _stored_session_tallies(
    programme: Programme, municipalities: set[int] | None
) -> dict[tuple[int, str, str], list[int]]:
    """("sessions", "held"/"mixed") per municipality from the stored session rows."""
    rows = SessionMunicipality.objects.filter(programme=programme)
    if municipalities is not None:
        rows = rows.filter(municipality_id__in=municipalities)
    counts = {}
    for m, held, mixed in (
        rows.values("municipality_id")
        .annotate(held=Count("pk"), mixed=Count("pk", filter=Q(sectors__gte=FULL_COVERAGE_SECTORS)))
        .order_by()
        .values_list("municipality_id", "held", "mixed")
    ):
        counts[(m, "sessions", "held")] = [held, 0]
        if mixed:
            counts[(m, "sessions", "mixed")] = [mixed, 0]
    return counts


def _session_tallies(
    places: dict[tuple[int, int], tuple[int, int]],
) -> dict[tuple[int, str, str], list[int]]:
    """The same from recomputed session-per-municipality counts."""
    counts: dict[tuple[int, str, str], list[int]] = defaultdict(lambda: [0, 0])
    for (_session, m), (_persons, sectors) in places.items():
        counts[(m, "sessions", "held")][0] += 1
        if sectors >= FULL_COVERAGE_SECTORS:
            counts[(m, "sessions", "mixed")][0] += 1
    return counts


def _programme_values(totals: dict[int, tuple[int, int]], starts: dict[int, object]) -> tuple:
    counted = [s for s, (persons, _sectors) in totals.items() if persons > 0]
    days = sorted(starts[s] for s in counted)
    return (
        len(counted),
        sum(1 for s in counted if totals[s][1] >= FULL_COVERAGE_SECTORS),
        days[0] if days else None,
        days[-1] if days else None,
    )


# --- rebuild and verify ---------------------------------------------------------------------


def _insert_select(model, columns: list[str], queryset) -> None:
    """INSERT … SELECT: the queryset's columns, in order, into the model's table."""
    sql, params = queryset.query.sql_with_params()
    names = ", ".join(connection.ops.quote_name(model._meta.get_field(c).column) for c in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {connection.ops.quote_name(model._meta.db_table)} ({names}) {sql}",
            params,
        )


def rebuild(programme: Programme) -> int:
    """Recompute every rollup of the programme from the raw registrations, set-based, in one
    transaction; return the number of person rows written."""
    with transaction.atomic(), scopes_disabled():
        for model in (PersonRollup, Tally, SessionMunicipality, SessionRollup, ProgrammeRollup):
            model.objects.filter(programme=programme).delete()
        people = _person_rows(programme, None)
        _insert_person_rows(people)
        rows = attended_registrations(Scope(programme)).order_by()
        participants = Q(person__support_resource=False)
        sector = "person__staff_category__sector_id"
        _insert_select(
            SessionRollup,
            ["session", "starts", "persons", "sectors", "programme"],
            rows.values("session_id").annotate(
                first=Min("session__starts"),
                n=Count("id"),
                s=Count(sector, distinct=True, filter=participants),
                p=Value(programme.pk),
            ),
        )
        _insert_select(
            SessionMunicipality,
            ["session", "municipality", "persons", "sectors", "programme"],
            rows.values("session_id", "person__municipality_id").annotate(
                n=Count("id"),
                s=Count(sector, distinct=True, filter=participants),
                p=Value(programme.pk),
            ),
        )
        counts = _tally_counts(people)
        counts.update(_stored_session_tallies(programme, None))
        _insert_tallies(programme, counts)
        counted = SessionRollup.objects.filter(programme=programme)
        span = counted.aggregate(
            held=Count("pk"),
            mixed=Count("pk", filter=Q(sectors__gte=FULL_COVERAGE_SECTORS)),
            first=Min("starts"),
            last=Max("starts"),
        )
        ProgrammeRollup.objects.create(
            programme=programme,
            sessions_held=span["held"],
            mixed_sessions=span["mixed"],
            first=span["first"],
            last=span["last"],
        )
        if connection.vendor == "postgresql":
            # Fresh statistics, so that the planner reads the new rows by their indexes.
            with connection.cursor() as cursor:
                for model in (PersonRollup, Tally, SessionMunicipality, SessionRollup):
                    cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
    return len(people)


def rollups_rebuild(*, programme: Programme, by=None) -> int:
    """Rebuild the programme's rollups (`rebuild`) and audit it; return the person rows."""
    with transaction.atomic():
        people = rebuild(programme)
        log_action(
            action="training.rollups.rebuilt", actor=by, target=programme, data={"people": people}
        )
    return people


@dataclass(frozen=True)
class Difference:
    """One stored rollup value that a recomputation does not give."""

    table: str
    key: str
    stored: object
    recomputed: object


def verify(programme: Programme) -> list[Difference]:
    """Compare the stored rollups with a recomputation from the raw registrations; empty when
    they agree."""
    with scopes_disabled():
        fresh = _person_rows(programme, None)
        differences = _compare(
            "person",
            {p.person_id: _person_key(p) for p in PersonRollup.objects.filter(programme=programme)},
            {p.person_id: _person_key(p) for p in fresh},
        )
        stored_tallies = {
            (m, d, k): (n, h)
            for m, d, k, n, h in Tally.objects.filter(programme=programme).values_list(
                "municipality_id", "dimension", "key", "persons", "hours"
            )
        }
        totals, places = _session_counts(programme, None)
        recounted = _tally_counts(fresh)
        recounted.update(_session_tallies(places))
        differences += _compare(
            "tally", stored_tallies, {k: tuple(v) for k, v in recounted.items()}
        )
        row = ProgrammeRollup.objects.filter(programme=programme).first()
        starts = dict(Session.objects.filter(pk__in=list(totals)).values_list("pk", "starts"))
        differences += _compare(
            "programme",
            {programme.code: row and (row.sessions_held, row.mixed_sessions, row.first, row.last)},
            {programme.code: _programme_values(totals, starts)},
        )
        differences += _compare(
            "session",
            {
                s: (n, k)
                for s, n, k in SessionRollup.objects.filter(
                    programme=programme, persons__gt=0
                ).values_list("session_id", "persons", "sectors")
            },
            totals,
        )
        differences += _compare(
            "session_municipality",
            {
                (s, m): (n, k)
                for s, m, n, k in SessionMunicipality.objects.filter(
                    programme=programme
                ).values_list("session_id", "municipality_id", "persons", "sectors")
            },
            places,
        )
    return differences


def _person_key(person: PersonRollup | PersonRollupRow) -> tuple:
    return (
        person.municipality_id,
        person.support_resource,
        person.workplace_id,
        person.staff_category_id,
        person.staff_category,
        person.sector,
        person.gender,
        person.age_band,
        person.entry,
        person.exit,
        person.hours,
        person.subgoals,
    )


def _compare(table: str, stored: dict, recomputed: dict) -> list[Difference]:
    return [
        Difference(table, str(key), stored.get(key), recomputed.get(key))
        for key in sorted(set(stored) | set(recomputed), key=str)
        if stored.get(key) != recomputed.get(key)
    ]


# --- reading ------------------------------------------------------------------------------------


def programme_row(programme: Programme) -> ProgrammeRollup | None:
    """The programme's row; None while its rollups are not built. One query."""
    return ProgrammeRollup.objects.filter(programme=programme).first()


def covers(scope: Scope, row: ProgrammeRollup | None) -> bool:
    """Whether the rollups (built, `row`) give the scope's figures: its period, if any, holds
    every counted session of the programme."""
    if row is None:
        return False
    if row.first is None:
        return True
    first = timezone.localtime(row.first).date()
    last = timezone.localtime(row.last).date()
    return (scope.start is None or scope.start <= first) and (
        scope.end is None or scope.end >= last
    )


def tallies(
    scope: Scope, dimensions: Iterable[str], *, per_municipality: Iterable[str] = ()
) -> list[tuple[str, str, str, int, int]]:
    """(municipality code, dimension, key, persons, hours) of the scope's tallies, summed over
    municipalities in SQL except for the dimensions `per_municipality` (code "" where summed).
    One query."""
    rows = Tally.objects.filter(programme=scope.programme, dimension__in=list(dimensions))
    if scope.municipality_id is not None:
        rows = rows.filter(municipality_id=scope.municipality_id)
    code = Case(
        When(dimension__in=list(per_municipality), then=F("municipality__code")),
        default=Value(""),
    )
    return list(
        rows.annotate(code=code)
        .values("code", "dimension", "key")
        .annotate(n=Sum("persons"), h=Sum("hours"))
        .order_by()
        .values_list("code", "dimension", "key", "n", "h")
    )


def session_counts(scope: Scope, row: ProgrammeRollup) -> tuple[int, int]:
    """Sessions held (someone counted attended) and sessions whose participants span all
    sectors (`FULL_COVERAGE_SECTORS`), in the scope: the programme's row, or one query on the
    municipality's tallies."""
    if scope.municipality_id is None:
        return row.sessions_held, row.mixed_sessions
    counts = {key: persons for _code, _d, key, persons, _h in tallies(scope, ["sessions"])}
    return counts.get("held", 0), counts.get("mixed", 0)


def support_resources_attended(scope: Scope) -> set[int]:
    """Ids of the support resources with counted attendance in the scope. One query."""
    rows = PersonRollup.objects.filter(programme=scope.programme, support_resource=True)
    if scope.municipality_id is not None:
        rows = rows.filter(municipality_id=scope.municipality_id)
    return set(rows.values_list("person_id", flat=True))

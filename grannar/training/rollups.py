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

from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Case, Count, F, Max, Min, Q, Sum, Value, When
from django.utils import timezone
from django_scopes import scopes_disabled

from grannar.core.audit import log_action
from grannar.core.rules import UNKNOWN, age_band, gender_key
from grannar.people.models import Person
from grannar.programmes.models import Municipality, Programme
from grannar.training.facts import Scope, attended_registrations, registration_hours
from grannar.training.models import (
    PersonRollup,
    Registration,
    Session,
    SessionMunicipality,
    SessionRollup,
    Tally,
)

BATCH = 2000  # ids per IN list
# Switched off only by the concurrency test's control, to show that the lock is what holds.
LOCK_GUARD = True


def _chunks(ids: Iterable[int], size: int = BATCH) -> Iterator[list[int]]:
    ordered = sorted(set(ids))
    for start in range(0, len(ordered), size):
        yield ordered[start : start + size]


# --- recomputation from the raw registrations -------------------------------------------------


def _person_rows(programme: Programme, person_ids: list[int] | None) -> list[PersonRollup]:
    """The person rollups recomputed from the raw registrations: one aggregate query and one
    for the sub-goals (per batch of ids, or for the whole programme with None)."""
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
    result = []
    for row in aggregates.iterator(chunk_size=5000):
        entry = timezone.localtime(row["entry"]).date()
        person_id = row["person_id"]
        result.append(
            PersonRollup(
                programme=programme,
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
        )
    return result


def _tally_counts(people: Iterable[PersonRollup]) -> dict[tuple[int, str, str], list[int]]:
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
    programme: Programme, session_ids: list[int] | None
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
        if not persons and not sessions:
            return
        locked: set[int] = set()
        # A person moved meanwhile may name a municipality not yet locked: lock until stable.
        while needed := _municipalities_of(programme, persons) - locked:
            _lock_municipalities(needed)
            locked |= needed
        _lock_sessions(programme, sessions)
        _write_persons(programme, persons)
        _write_tallies(programme, locked)
        _write_sessions(programme, sessions, locked)


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
                .filter(session_id__in=chunk)
                .order_by("session_id")
                .values_list("pk", flat=True)
            )


def _write_persons(programme: Programme, persons: set[int]) -> None:
    for chunk in _chunks(persons):
        fresh = _person_rows(programme, chunk)
        PersonRollup.objects.filter(programme=programme, person_id__in=chunk).delete()
        PersonRollup.objects.bulk_create(fresh, batch_size=1000)


def _write_tallies(programme: Programme, municipalities: set[int]) -> None:
    """Recount the tallies of these municipalities from their person rollups."""
    if not municipalities:
        return
    people = PersonRollup.objects.filter(
        programme=programme, municipality_id__in=municipalities
    ).only(
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
    )
    counts = _tally_counts(people.iterator(chunk_size=5000))
    Tally.objects.filter(programme=programme, municipality_id__in=municipalities).delete()
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
    """Recount the locked sessions, and their rows for the locked municipalities."""
    for chunk in _chunks(sessions):
        totals, places = _session_counts(programme, chunk)
        rollups = list(SessionRollup.objects.filter(session_id__in=chunk))
        starts = dict(Session.objects.filter(pk__in=chunk).values_list("pk", "starts"))
        for rollup in rollups:
            rollup.persons, rollup.sectors = totals.get(rollup.session_id, (0, 0))
            rollup.starts = starts[rollup.session_id]
        SessionRollup.objects.bulk_update(rollups, ["persons", "sectors", "starts"])
        SessionMunicipality.objects.filter(
            session_id__in=chunk, municipality_id__in=municipalities
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
        for model in (PersonRollup, Tally, SessionMunicipality, SessionRollup):
            model.objects.filter(programme=programme).delete()
        people = _person_rows(programme, None)
        PersonRollup.objects.bulk_create(people, batch_size=2000)
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
                for (m, dimension, key), (persons, hours) in _tally_counts(people).items()
            ],
            batch_size=2000,
        )
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
        differences += _compare(
            "tally",
            stored_tallies,
            {k: tuple(v) for k, v in _tally_counts(fresh).items()},
        )
        totals, places = _session_counts(programme, None)
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


def _person_key(person: PersonRollup) -> tuple:
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


def covers(scope: Scope) -> bool:
    """Whether the scope's period holds every counted session of the programme, so that the
    rollups (kept for the whole programme) give its figures. One query with a period."""
    if scope.start is None and scope.end is None:
        return True
    span = SessionRollup.objects.filter(programme=scope.programme, persons__gt=0).aggregate(
        first=Min("starts"), last=Max("starts")
    )
    if span["first"] is None:
        return True
    first = timezone.localtime(span["first"]).date()
    last = timezone.localtime(span["last"]).date()
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


def session_counts(scope: Scope, *, min_sectors: int) -> tuple[int, int]:
    """Sessions held (someone counted attended) and sessions whose participants span at least
    `min_sectors` sectors, in the scope. One query."""
    if scope.municipality_id is None:
        rows = SessionRollup.objects.filter(programme=scope.programme, persons__gt=0)
    else:
        rows = SessionMunicipality.objects.filter(
            programme=scope.programme, municipality_id=scope.municipality_id
        )
    counts = rows.aggregate(held=Count("pk"), mixed=Count("pk", filter=Q(sectors__gte=min_sectors)))
    return counts["held"], counts["mixed"]


def support_resources_attended(scope: Scope) -> set[int]:
    """Ids of the support resources with counted attendance in the scope. One query."""
    rows = PersonRollup.objects.filter(programme=scope.programme, support_resource=True)
    if scope.municipality_id is not None:
        rows = rows.filter(municipality_id=scope.municipality_id)
    return set(rows.values_list("person_id", flat=True))

"""The admin dashboard at national scale, against the tightest SQL for the same figures and
against DuckDB over the same rows.

On SQLite and on PostgreSQL, a national-style demo (`grannar demo --scale national`, 100 400
persons and about a million attended registrations by default; `--persons N` for a smaller one)
is loaded once into a scratch database per size (`var/bench-national-N.sqlite3`, PostgreSQL
database `grannar_bench_national_N`) and kept for later runs; its load time is printed when it
is loaded. Then, warm (one untimed run of each first), as the median of `--repeat` runs:

- ours:      the admin dashboard's figures in process, `figures(Scope(programme))` (ours_ms),
             and the whole `reports.dashboard(...)` for the admin, a coordinator and the
             evaluator, and the JSON summary; then the dashboard page over HTTP from the real
             server (gunicorn), signed in as each of them;
- tight SQL: one query per database dialect that reads the attended registrations once (a
             per-person aggregate, then every breakdown from it), by the same counting rules;
- DuckDB:    the same query in DuckDB, over the same rows copied into it once, untimed.

Every way must give exactly the figures `figures()` gives (`same_figures`). `--json FILE` writes
one object per database with `persons`, `attendance_rows`, `database`, `ours_ms`,
`tight_sql_ms`, `duckdb_ms`, `ratio_to_tight_sql` (ours ÷ tight SQL) and `same_figures`, and
the other timings.

Then it checks the final report at ten times the region demo's sessions: it loads the region
demo into its own SQLite file, copies every held session nine times with its attendance,
renders the final report as PDF and fails if any two words on a page overlap (the check of
`tests/pdf_checks.py`). `--documents` runs only this part (about a minute).

    .venv/bin/python bench/dashboard_scale.py [--persons 100400] [--database both]
        [--repeat 5] [--json FILE] [--fresh] [--no-documents] [--documents]
"""

import argparse
import csv
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))  # also for a test loading this file
from common import PG_ADMIN, free_port, postgres_answers  # noqa: E402 - needs the line above

BIN = Path(sys.executable).parent
DOCUMENTS_SQLITE = ROOT / "var" / "bench-documents.sqlite3"
SESSION_FACTOR = 10
NATIONAL_PERSONS = 100_400
CODE = "nationell-demo"
BENCH_DOMAIN = "bench.example"
KEYS = (
    "persons",
    "attendance_rows",
    "database",
    "ours_ms",
    "tight_sql_ms",
    "duckdb_ms",
    "ratio_to_tight_sql",
    "same_figures",
)

# The figures of `grannar.reporting.counting.figures()` by the rules of
# `grannar.training.facts`: attended registrations of the programme, not at a session after the
# person's (current) municipality left it, nor at a session of a course after the day it was
# handed over; whole hours per registration (attended hours, else the session's credited
# hours, rounded down); a person's age band and month reached from their first session, in
# local time. The registrations are read once, into `counted`; every figure comes from it or
# from the per-person aggregate `people` over it. `{p}` marks the programme's id, `{tz}` the
# time zone's name; the dialect fills in hours, local dates, years and months.
TIGHT_SQL = """
WITH counted AS MATERIALIZED (
    SELECT r.person_id, r.session_id, s.course_id, s.starts, {hours} AS hours,
           p.support_resource, p.municipality_id, p.staff_category_id, p.gender, p.birth_year
    FROM training_registration r
    JOIN training_session s ON s.id = r.session_id
    JOIN training_course c ON c.id = s.course_id
    JOIN people_person p ON p.id = r.person_id
    LEFT JOIN training_attendance a ON a.registration_id = r.id
    LEFT JOIN programmes_membership ms
        ON ms.programme_id = c.programme_id AND ms.municipality_id = p.municipality_id
    WHERE c.programme_id = {p} AND r.status = 'attended'
      AND (ms."left" IS NULL OR {local_date_starts} <= ms."left")
      AND (c.handed_over_on IS NULL OR {local_date_starts} <= c.handed_over_on)
),
people AS MATERIALIZED (
    SELECT person_id, support_resource, municipality_id, staff_category_id, gender,
           birth_year, MIN(starts) AS entry, SUM(hours) AS hours
    FROM counted
    GROUP BY person_id, support_resource, municipality_id, staff_category_id, gender,
             birth_year
),
participants AS MATERIALIZED (
    SELECT x.*, {entry_year} AS entry_year, {entry_month} AS entry_month
    FROM people x
    WHERE NOT x.support_resource
)
SELECT 'participants' AS figure, '' AS item, COUNT(*) AS n, CAST(NULL AS DECIMAL(10, 2)) AS rate
FROM participants
UNION ALL
SELECT 'support_resources', '', COUNT(*), NULL FROM people WHERE support_resource
UNION ALL
SELECT 'sessions_held', '', COUNT(DISTINCT session_id), NULL FROM counted
UNION ALL
SELECT 'by_municipality', m.code, COUNT(*), NULL
FROM participants x JOIN programmes_municipality m ON m.id = x.municipality_id
GROUP BY m.code
UNION ALL
SELECT 'by_staff_category', COALESCE(k.code, 'okand'), COUNT(*), NULL
FROM participants x LEFT JOIN programmes_staffcategory k ON k.id = x.staff_category_id
GROUP BY COALESCE(k.code, 'okand')
UNION ALL
SELECT 'by_sector', COALESCE(se.code, 'okand'), COUNT(*), NULL
FROM participants x
LEFT JOIN programmes_staffcategory k ON k.id = x.staff_category_id
LEFT JOIN programmes_sector se ON se.id = k.sector_id
GROUP BY COALESCE(se.code, 'okand')
UNION ALL
SELECT 'by_gender', g.gender, COUNT(*), NULL FROM (
    SELECT CASE WHEN gender IN ('kvinna', 'man', 'annat') THEN gender ELSE 'okand' END
           AS gender
    FROM participants
) g GROUP BY g.gender
UNION ALL
SELECT 'by_age_band', b.band, COUNT(*), NULL FROM (
    SELECT CASE WHEN birth_year IS NULL THEN 'okand'
                WHEN entry_year - birth_year < 25 THEN '<25'
                WHEN entry_year - birth_year <= 54 THEN '25-54'
                ELSE '>54' END AS band
    FROM participants
) b GROUP BY b.band
UNION ALL
SELECT 'reached_by_month', entry_month, COUNT(*), NULL FROM participants GROUP BY entry_month
UNION ALL
SELECT 'hours', CAST(x.staff_category_id AS VARCHAR(20)), SUM(x.hours),
       COALESCE(pc.hourly_rate_sek, pr.default_hourly_rate_sek, 0)
FROM participants x
JOIN programmes_programme pr ON pr.id = {p}
LEFT JOIN programmes_programmecategory pc
    ON pc.programme_id = pr.id AND pc.category_id = x.staff_category_id
GROUP BY x.staff_category_id, COALESCE(pc.hourly_rate_sek, pr.default_hourly_rate_sek, 0)
UNION ALL
SELECT 'by_subgoal', CAST(g.number AS VARCHAR(20)), COUNT(DISTINCT x.person_id), NULL
FROM counted x
JOIN training_course_subgoals cs ON cs.course_id = x.course_id
JOIN programmes_subgoal g ON g.id = cs.subgoal_id
WHERE NOT x.support_resource
GROUP BY g.number
"""
DIALECTS = {
    "postgresql": {
        "hours": "CAST(FLOOR(COALESCE(a.hours, s.credited_hours)) AS INTEGER)",
        "local_date_starts": "CAST((s.starts AT TIME ZONE {tz}) AS DATE)",
        "entry_year": "CAST(EXTRACT(YEAR FROM x.entry AT TIME ZONE {tz}) AS INTEGER)",
        "entry_month": "TO_CHAR(x.entry AT TIME ZONE {tz}, 'YYYY-MM')",
    },
    # SQLite keeps UTC text and has no time zones: Django's own functions, registered on
    # every connection, convert; the per-row one only where a leaving or handover day is set.
    "sqlite": {
        "hours": "CAST(COALESCE(a.hours, s.credited_hours) AS INTEGER)",
        "local_date_starts": "django_datetime_cast_date(s.starts, {tz}, 'UTC')",
        "entry_year": "CAST(django_datetime_extract('year', x.entry, {tz}, 'UTC') AS INTEGER)",
        "entry_month": "substr(django_datetime_trunc('month', x.entry, {tz}, 'UTC'), 1, 7)",
    },
    "duckdb": {
        "hours": "CAST(FLOOR(COALESCE(a.hours, s.credited_hours)) AS INTEGER)",
        "local_date_starts": "CAST((s.starts AT TIME ZONE {tz}) AS DATE)",
        "entry_year": "CAST(EXTRACT(YEAR FROM x.entry AT TIME ZONE {tz}) AS INTEGER)",
        "entry_month": "strftime(x.entry AT TIME ZONE {tz}, '%Y-%m')",
    },
}
# What DuckDB is given: the columns the query reads, of every row of each table.
DUCKDB_TABLES = {
    "training_registration": "id BIGINT, session_id BIGINT, person_id BIGINT, status VARCHAR",
    "training_attendance": "registration_id BIGINT, hours DECIMAL(5,2)",
    "training_session": "id BIGINT, course_id BIGINT, starts TIMESTAMPTZ, "
    "credited_hours DECIMAL(5,2)",
    "training_course": "id BIGINT, programme_id BIGINT, handed_over_on DATE",
    "training_course_subgoals": "course_id BIGINT, subgoal_id BIGINT",
    "people_person": "id BIGINT, support_resource BOOLEAN, municipality_id BIGINT, "
    "staff_category_id BIGINT, gender VARCHAR, birth_year INTEGER",
    "programmes_membership": 'programme_id BIGINT, municipality_id BIGINT, "left" DATE',
    "programmes_municipality": "id BIGINT, code VARCHAR",
    "programmes_staffcategory": "id BIGINT, code VARCHAR, sector_id BIGINT",
    "programmes_sector": "id BIGINT, code VARCHAR",
    "programmes_programme": "id BIGINT, default_hourly_rate_sek DECIMAL(10,2)",
    "programmes_programmecategory": "programme_id BIGINT, category_id BIGINT, "
    "hourly_rate_sek DECIMAL(10,2)",
    "programmes_subgoal": "id BIGINT, number INTEGER",
}


def tight_sql(dialect: str, marker) -> str:
    """The query in one dialect; `marker(name)` writes a parameter's placeholder."""
    parts = {key: text.format(tz=marker("tz")) for key, text in DIALECTS[dialect].items()}
    return TIGHT_SQL.format(p=marker("programme"), **parts)


def _collect(rows) -> dict:
    """The query's rows as the figures `figures()` gives (see `ours`)."""
    scalars = ("participants", "support_resources", "sessions_held")
    result: dict = dict.fromkeys(scalars, 0)
    hours, money = 0, Decimal(0)
    for figure, item, n, rate in rows:
        if figure in scalars:
            result[figure] = int(n)
        elif figure == "hours":
            hours += int(n or 0)
            money += int(n or 0) * Decimal(str(rate))
        elif n:
            result.setdefault(figure, {})[str(item)] = int(n)
    result["attended_hours"] = hours
    result["cofinancing_sek"] = money
    return result


def tight_figures(connection, programme) -> dict:
    """Every figure from the one query, in the dialect of `connection` (a Django connection)."""
    from django.conf import settings

    sql = tight_sql(connection.vendor, lambda name: f"%({name})s")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"programme": programme.pk, "tz": settings.TIME_ZONE})
        return _collect(cursor.fetchall())


def duckdb_load(connection):
    """A DuckDB database in memory holding the rows the query reads, copied from `connection`
    through CSV files (done once, not timed)."""
    import duckdb

    duck = duckdb.connect()
    duck.execute("SET TimeZone = 'UTC'")
    with tempfile.TemporaryDirectory() as folder, connection.cursor() as cursor:
        for table, columns in DUCKDB_TABLES.items():
            names = [c.split()[0] for c in columns.split(", ")]
            quoted = ", ".join(connection.ops.quote_name(n.strip('"')) for n in names)
            path = Path(folder) / f"{table}.csv"
            cursor.execute(f"SELECT {quoted} FROM {connection.ops.quote_name(table)}")  # noqa: S608
            with path.open("w", newline="") as out:
                writer = csv.writer(out)
                while chunk := cursor.fetchmany(50_000):
                    writer.writerows([_csv_value(v) for v in row] for row in chunk)
            duck.execute(f"CREATE TABLE {table} ({columns})")
            duck.execute(f"COPY {table} FROM '{path}' (FORMAT csv, HEADER false, NULLSTR '\\N')")
    return duck


def _csv_value(value):
    import datetime as dt

    if value is None:
        return "\\N"
    if isinstance(value, dt.datetime):
        # SQLite gives naive UTC, PostgreSQL aware: both as UTC text with its offset.
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC).isoformat(sep=" ")
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def duckdb_figures(duck, programme) -> dict:
    """Every figure from the same query in DuckDB."""
    from django.conf import settings

    sql = tight_sql("duckdb", lambda name: f"${name}")
    rows = duck.execute(sql, {"programme": programme.pk, "tz": settings.TIME_ZONE}).fetchall()
    return _collect(rows)


def ours(result) -> dict:
    """`figures()` as the plain data the other ways give."""
    return {
        "participants": result.participants,
        "support_resources": result.support_resources,
        "sessions_held": result.sessions_held,
        "attended_hours": result.attended_hours,
        "cofinancing_sek": result.cofinancing_sek,
        "by_municipality": result.by_municipality,
        "by_staff_category": result.by_staff_category,
        "by_sector": result.by_sector,
        "by_gender": result.by_gender,
        "by_age_band": result.by_age_band,
        "by_subgoal": result.by_subgoal,
        "reached_by_month": result.reached_by_month,
    }


def differences(expected: dict, got: dict) -> list[str]:
    """The figures that differ (a breakdown's missing keys count as zero on both sides)."""
    return sorted(key for key in expected.keys() | got.keys() if expected.get(key) != got.get(key))


def median_ms(repeat: int, work) -> tuple[float, object]:
    """One untimed run first, then the median of `repeat` timed runs, in milliseconds."""
    value = work()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        value = work()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), value


def bench_users(programme) -> dict:
    """The admin, a coordinator (of the municipality with the most people) and the evaluator
    of the national programme, each with a confirmed second factor (made once)."""
    from django.db.models import Count

    from grannar.demo.people import DEMO_TOTP_KEY
    from grannar.people.models import Role, User
    from grannar.people.services import role_assign
    from grannar.people.two_factor import totp_device, totp_device_set

    biggest = (
        programme.memberships.filter(participates=True)
        .annotate(people=Count("municipality__person"))
        .order_by("-people", "municipality__code")
        .first()
        .municipality
    )
    users = {}
    for name, role, municipality in (
        ("admin", Role.ADMIN, None),
        ("coordinator", Role.COORDINATOR, biggest),
        ("evaluator", Role.EVALUATOR, None),
    ):
        email = f"{name}.{programme.code}@{BENCH_DOMAIN}"
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, None)
        role_assign(user=user, role=role, by=None, programme=programme, municipality=municipality)
        if not totp_device(user):
            totp_device_set(user=user, key=DEMO_TOTP_KEY)
        users[name] = User.objects.get(pk=user.pk)
    return users


def signed_in(user) -> str:
    """A session key for `user`, signed in and past the second factor, as a browser holds it."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY

    from grannar.people.two_factor import totp_device

    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = "grannar.people.backends.UserBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = totp_device(user).persistent_id
    store.create()
    return store.session_key


def get(port: int, path: str, session_key: str | None = None) -> int:
    import http.client

    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    headers = {"Host": f"127.0.0.1:{port}"}
    if session_key:
        headers["Cookie"] = f"sessionid={session_key}"
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    except OSError:
        return 0
    finally:
        connection.close()


def over_http(repeat: int, path: str, keys: dict[str, str]) -> dict[str, float]:
    """The page at `path` from the real server (gunicorn, as `make run` serves it), for each
    signed-in session: warm, then the median of `repeat` GETs, in milliseconds."""
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "1",
            "--timeout",
            "600",
            "--log-level",
            "warning",
        ],
        env={**os.environ, "GRANNAR_LOG_LEVEL": "WARNING"},
        cwd=ROOT,
    )
    try:
        for _ in range(300):
            if get(port, "/healthz") == 200:
                break
            time.sleep(0.1)
        results = {}
        for name, key in keys.items():
            statuses = []

            def page(key=key, statuses=statuses):
                statuses.append(get(port, path, key))

            results[name], _ = median_ms(repeat, page)
            if set(statuses) != {200}:
                raise RuntimeError(f"GET {path} as {name}: {sorted(set(statuses))}")
        return results
    finally:
        server.terminate()
        server.wait(timeout=30)


def measure(repeat: int, http: bool) -> dict:
    """Runs inside a process whose DATABASE_URL names the database to measure."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    django.setup()
    from django.db import connection
    from django.utils import translation
    from django_scopes import scopes_disabled

    from grannar.programmes.models import Programme
    from grannar.reporting import reports
    from grannar.reporting.counting import figures
    from grannar.training import rollups
    from grannar.training.facts import Scope
    from grannar.training.models import Attendance

    translation.activate("sv")
    with scopes_disabled():
        programme = Programme.objects.get(code=CODE)
        if not rollups.built(programme):
            # A database loaded before the rollups existed: build them (untimed), or the
            # figures would be read the reference way and measure that instead.
            print("rollups not built: rebuilding them first", file=sys.stderr)
            rollups.rebuild(programme)
        users = bench_users(programme)
        result = {
            "persons": programme.memberships.values("municipality__person").count(),
            "attendance_rows": Attendance.objects.filter(
                registration__session__course__programme=programme
            ).count(),
            "database": connection.vendor,
        }
        result["ours_ms"], ours_result = median_ms(
            repeat, lambda: figures(Scope(programme=programme))
        )
        result["tight_sql_ms"], tight = median_ms(
            repeat, lambda: tight_figures(connection, programme)
        )
        duck = duckdb_load(connection)
        result["duckdb_ms"], duck_result = median_ms(
            repeat, lambda: duckdb_figures(duck, programme)
        )
        for name, user in users.items():
            key = "dashboard_ms" if name == "admin" else f"{name}_ms"
            result[key], _ = median_ms(
                repeat, lambda user=user: reports.dashboard(programme=programme, user=user)
            )
        result["summary_ms"], _ = median_ms(repeat, lambda: reports.summary_json(programme))
        keys = {name: signed_in(user) for name, user in users.items()} if http else {}
    if http:
        pages = over_http(repeat, f"/reporting/{programme.code}/", keys)
        for name, ms in pages.items():
            key = "dashboard_http_ms" if name == "admin" else f"{name}_http_ms"
            result[key] = ms
    expected = ours(ours_result)
    result["tight_sql_differs"] = differences(expected, tight)
    result["duckdb_differs"] = differences(expected, duck_result)
    result["same_figures"] = not result["tight_sql_differs"] and not result["duckdb_differs"]
    result["ratio_to_tight_sql"] = round(result["ours_ms"] / result["tight_sql_ms"], 4)
    result["participants"] = ours_result.participants
    return result


def multiply_sessions(programme, factor: int) -> None:
    """Copy each of the programme's held sessions `factor` − 1 times, with its attended
    registrations and their attendance rows; done once (the copies' codes end in `-xN`)."""
    from django.db import transaction

    from grannar.training.models import Attendance, Registration, Session

    held = list(
        Session.objects.filter(course__programme=programme, registrations__status="attended")
        .exclude(code__contains="-x")
        .distinct()
        .order_by("id")
    )
    if Session.objects.filter(course__programme=programme, code__contains="-x").exists():
        return
    attended = list(
        Registration.objects.with_scopes_disabled()
        .filter(session__in=held, status=Registration.Status.ATTENDED)
        .select_related("attendance")
    )
    by_session: dict[int, list] = {}
    for registration in attended:
        by_session.setdefault(registration.session_id, []).append(registration)
    with transaction.atomic():
        for copy in range(1, factor):
            sessions = []
            for original in held:
                session = Session(
                    **{
                        f.attname: getattr(original, f.attname)
                        for f in Session._meta.concrete_fields
                        if not f.primary_key
                    }
                )
                session.code = f"{original.code}-x{copy}"
                session.reserved_free = 0
                sessions.append(session)
            Session.objects.bulk_create(sessions)
            made = {
                s.code: s.pk
                for s in Session.objects.filter(code__endswith=f"-x{copy}").only("code")
            }
            registrations, hours = [], []
            for original in held:
                for registration in by_session.get(original.pk, []):
                    registrations.append(
                        Registration(
                            session_id=made[f"{original.code}-x{copy}"],
                            person_id=registration.person_id,
                            municipality_id=registration.municipality_id,
                            status=registration.status,
                        )
                    )
                    attendance = getattr(registration, "attendance", None)
                    hours.append(
                        (attendance.hours, attendance.method) if attendance else (None, None)
                    )
            Registration.objects.bulk_create(registrations, batch_size=5_000)
            Attendance.objects.bulk_create(
                [
                    Attendance(registration_id=r.pk, hours=h, method=m)
                    for r, (h, m) in zip(registrations, hours, strict=True)
                    if m is not None
                ],
                batch_size=5_000,
            )


def check_documents() -> dict:
    """Runs inside a process whose DATABASE_URL holds the region demo: the final report at
    ten times its sessions, checked for words printed over each other."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    django.setup()
    from django.utils import translation
    from django_scopes import scopes_disabled
    from pypdf import PdfReader

    from grannar.programmes.models import Programme
    from grannar.reporting import reports
    from grannar.reporting.selectors import sessions_held
    from grannar.training.facts import Scope
    from tests.pdf_checks import overlapping_words

    translation.activate("sv")
    with scopes_disabled():
        programme = Programme.objects.get(code="nya-grannar")
        before = sessions_held(Scope(programme=programme)).count()
        multiply_sessions(programme, SESSION_FACTOR)
        sessions = sessions_held(Scope(programme=programme)).count()
        started = time.perf_counter()
        pdf = reports.final_report(programme).as_pdf()
        render_time = time.perf_counter() - started
    started = time.perf_counter()
    overlaps = overlapping_words(pdf)
    return {
        "demo_sessions": before,
        "sessions": sessions,
        "pages": len(PdfReader(io.BytesIO(pdf)).pages),
        "render": render_time,
        "check": time.perf_counter() - started,
        "overlaps": [str(overlap) for overlap in overlaps[:5]],
        "overlap_count": len(overlaps),
    }


def documents(fresh: bool) -> bool:
    """Prints the final report check at ten times the demo's sessions; true when it passed."""
    url = f"sqlite:///{DOCUMENTS_SQLITE}"
    if fresh:
        for path in DOCUMENTS_SQLITE.parent.glob(f"{DOCUMENTS_SQLITE.name}*"):
            path.unlink()
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    print("Final report: loading the region demo …")
    for command in (["migrate", "-v0"], ["demo", "--scale", "region"]):
        subprocess.run(  # noqa: S603 - fixed arguments
            [BIN / "grannar", *command], env=env, check=True, cwd=ROOT, capture_output=True
        )
    output = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, __file__, "--check-documents"],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    r = json.loads(output.strip().splitlines()[-1])
    print(
        f"Final report at {SESSION_FACTOR}× the demo's {r['demo_sessions']} sessions: "
        f"{r['sessions']} sessions, {r['pages']} pages, rendered in {r['render']:.1f} s, "
        f"checked in {r['check']:.1f} s; words printed over each other: {r['overlap_count']}"
    )
    for overlap in r["overlaps"]:
        print(f"  {overlap}")
    return r["overlap_count"] == 0


def scratch(persons: int) -> dict[str, str]:
    """The scratch databases of one size: an SQLite file and a PostgreSQL database."""
    return {
        "sqlite": f"sqlite:///{ROOT / 'var' / f'bench-national-{persons}.sqlite3'}",
        "postgresql": f"postgres://postgres@127.0.0.1:5432/grannar_bench_national_{persons}",
    }


def prepare(name: str, url: str, persons: int) -> float | None:
    """Migrate and load the national demo of `persons` persons unless it is there; the load's
    seconds when it was loaded now."""
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    env.pop("GRANNAR_NATIONAL_ATTENDANCE", None)
    grannar = str(BIN / "grannar")
    subprocess.run([grannar, "migrate", "-v0"], env=env, check=True, cwd=ROOT)  # noqa: S603
    loaded = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, __file__, "--loaded"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if loaded.returncode == 0:
        return None
    print(f"{name}: loading the national demo with {persons} persons …", flush=True)
    started = time.perf_counter()
    subprocess.run(  # noqa: S603 - fixed arguments
        [grannar, "demo", "--scale", "national", "--persons", str(persons)],
        env=env,
        check=True,
        cwd=ROOT,
    )
    seconds = time.perf_counter() - started
    print(f"{name}: loaded in {seconds:.0f} s", flush=True)
    return seconds


def loaded() -> bool:
    """Runs inside the benchmark's environment: whether the national demo is there."""
    import django

    django.setup()
    from grannar.training.models import Course

    return Course.objects.filter(programme__code=CODE).exists()


def run(name: str, url: str, args) -> dict:
    load_s = prepare(name, url, args.persons)
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    command = [sys.executable, __file__, "--measure", str(args.repeat)]
    if args.no_http:
        command.append("--no-http")
    output = subprocess.run(  # noqa: S603 - fixed arguments
        command, env=env, check=True, cwd=ROOT, stdout=subprocess.PIPE, text=True
    ).stdout
    result = json.loads(output.strip().splitlines()[-1])
    if load_s is not None:
        result["load_s"] = round(load_s, 1)
    return result


def pg_database(name: str, fresh: bool) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [name]
        ).fetchone()
        if exists and fresh:
            connection.execute(f"DROP DATABASE {name} WITH (FORCE)")
        if fresh or not exists:
            connection.execute(f"CREATE DATABASE {name}")


NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def table(results: list[dict]) -> None:
    print(
        f"\n{'database':<11} {'persons':>8} {'attendance':>10} {'ours_ms':>9} "
        f"{'tight_sql_ms':>12} {'duckdb_ms':>9} {'ratio':>6}  same figures"
    )
    for r in results:
        same = (
            "yes"
            if r["same_figures"]
            else "NO: "
            + ", ".join(
                [f"tight SQL {k}" for k in r["tight_sql_differs"]]
                + [f"DuckDB {k}" for k in r["duckdb_differs"]]
            )
        )
        print(
            f"{NAMES[r['database']]:<11} {r['persons']:>8} {r['attendance_rows']:>10} "
            f"{r['ours_ms']:>9.1f} {r['tight_sql_ms']:>12.1f} {r['duckdb_ms']:>9.1f} "
            f"{r['ratio_to_tight_sql']:>7.4f}  {same}"
        )
    print("ours = figures(Scope(programme)) in process; ratio = ours / tight SQL; medians, warm")
    print(
        f"\n{'database':<11} {'dashboard':>9} {'coordinator':>11} {'evaluator':>9} "
        f"{'summary':>7} {'HTTP admin':>10} {'coordinator':>11} {'evaluator':>9} {'load s':>6}"
    )
    for r in results:
        http = [r.get(f"{k}_http_ms") for k in ("dashboard", "coordinator", "evaluator")]
        http_text = [f"{v:.1f}" if v is not None else "-" for v in http]
        load = f"{r['load_s']:.0f}" if "load_s" in r else "-"
        print(
            f"{NAMES[r['database']]:<11} {r['dashboard_ms']:>9.1f} {r['coordinator_ms']:>11.1f} "
            f"{r['evaluator_ms']:>9.1f} {r['summary_ms']:>7.1f} {http_text[0]:>10} "
            f"{http_text[1]:>11} {http_text[2]:>9} {load:>6}"
        )
    print("milliseconds: reports.dashboard(...) in process, then the page over HTTP")


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        sys.path.insert(0, str(ROOT))
        print(json.dumps(measure(int(sys.argv[2]), http="--no-http" not in sys.argv)))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--loaded":
        sys.path.insert(0, str(ROOT))
        return 0 if loaded() else 1
    if len(sys.argv) > 1 and sys.argv[1] == "--check-documents":
        sys.path.insert(0, str(ROOT))
        print(json.dumps(check_documents()))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--persons", type=int, default=NATIONAL_PERSONS)
    parser.add_argument("--database", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", type=Path, help="Write the results to this file.")
    parser.add_argument("--fresh", action="store_true", help="Rebuild the demo databases.")
    parser.add_argument("--no-http", action="store_true", help="Skip the pages over HTTP.")
    parser.add_argument(
        "--no-documents", action="store_true", help="Skip the final report's layout check."
    )
    parser.add_argument(
        "--documents", action="store_true", help="Only check the final report's layout."
    )
    args = parser.parse_args()
    if args.documents:
        return 0 if documents(args.fresh) else 1
    if args.persons < 10:
        parser.error("--persons must be at least 10")
    urls = scratch(args.persons)
    results = []
    if args.database in ("sqlite", "both"):
        path = Path(urls["sqlite"].removeprefix("sqlite:///"))
        path.parent.mkdir(exist_ok=True)
        if args.fresh:
            for old in path.parent.glob(f"{path.name}*"):
                old.unlink()
        results.append(run("SQLite", urls["sqlite"], args))
    if args.database in ("postgresql", "both"):
        if postgres_answers():
            pg_database(urls["postgresql"].rsplit("/", 1)[1], args.fresh)
            results.append(run("PostgreSQL", urls["postgresql"], args))
        else:
            print("PostgreSQL SKIPPED: nothing answers at 127.0.0.1:5432.")
    table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    failed = not all(r["same_figures"] for r in results)
    if not args.no_documents:
        failed |= not documents(args.fresh)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Dashboard and summary at national scale, against plain SQL GROUP BY for the same figures.

On SQLite and on PostgreSQL: loads `grannar demo --scale national` (about 100 000 persons and
1 000 000 attended registrations with their attendance rows; kept between runs, since writing it
takes minutes), then times, in the same process and run:

- ours:  the admin dashboard's figures and charts (`reports.dashboard`) and the JSON summary;
- plain: hand-written GROUP BY queries that give the same figures, and nothing else.

It checks that both give identical figures, and prints the best of --repeat timings and the
ratio ours / plain (target ≤ 1.3).

Then it checks the final report at ten times the region demo's sessions: it loads the region
demo into its own SQLite file, copies every held session nine times with its attendance,
renders the final report as PDF and fails if any two words on a page overlap (the check of
`tests/pdf_checks.py`). `--documents` runs only this part (about a minute).

    .venv/bin/python bench/dashboard_scale.py [--repeat 3] [--fresh] [--documents]
"""

import argparse
import io
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
SQLITE = ROOT / "var" / "bench-national.sqlite3"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
DOCUMENTS_SQLITE = ROOT / "var" / "bench-documents.sqlite3"
SESSION_FACTOR = 10
PG_NAME = "grannar_bench_national"
PG_URL = f"postgres://postgres@127.0.0.1:5432/{PG_NAME}"
CODE = "nationell-demo"

# The same figures as the counting module, written by hand. `{hours}` is the vendor's whole
# hours of one registration row; `{year}` the vendor's year of a timestamp.
ATTENDED = """
    FROM training_registration r
    JOIN training_session s ON s.id = r.session_id
    JOIN training_course c ON c.id = s.course_id
    JOIN people_person p ON p.id = r.person_id
    LEFT JOIN training_attendance a ON a.registration_id = r.id
    WHERE c.programme_id = %(programme)s AND r.status = 'attended'
"""
# Fixed text only: the one value, the programme's id, is a query parameter.
PLAIN = {
    "participants": "SELECT COUNT(DISTINCT r.person_id)" + ATTENDED + " AND NOT p.support_resource",
    "support_resources": "SELECT COUNT(DISTINCT r.person_id)"
    + ATTENDED
    + " AND p.support_resource",
    "sessions_held": "SELECT COUNT(DISTINCT r.session_id)" + ATTENDED,
    "hours_by_category": (
        "SELECT p.staff_category_id, SUM({hours})"
        + ATTENDED
        + " AND NOT p.support_resource GROUP BY p.staff_category_id"
    ),
    "by_municipality": (
        "SELECT m.code, COUNT(DISTINCT r.person_id)"
        + ATTENDED.replace(
            "LEFT JOIN", "JOIN programmes_municipality m ON m.id = p.municipality_id LEFT JOIN"
        )
        + " AND NOT p.support_resource GROUP BY m.code"
    ),
    "by_staff_category": (
        "SELECT k.code, COUNT(DISTINCT r.person_id)"
        + ATTENDED.replace(
            "LEFT JOIN", "JOIN programmes_staffcategory k ON k.id = p.staff_category_id LEFT JOIN"
        )
        + " AND NOT p.support_resource GROUP BY k.code"
    ),
    "by_gender": (
        "SELECT p.gender, COUNT(DISTINCT r.person_id)"
        + ATTENDED
        + " AND NOT p.support_resource GROUP BY p.gender"
    ),
    "by_age_band": (
        "SELECT CASE WHEN birth_year IS NULL THEN 'okand' WHEN first_year - birth_year < 25 "  # noqa: S608
        "THEN '<25' WHEN first_year - birth_year <= 54 THEN '25-54' ELSE '>54' END AS band, "
        "COUNT(*) FROM (SELECT p.birth_year AS birth_year, MIN({year}) AS first_year"
        + ATTENDED
        + " AND NOT p.support_resource GROUP BY r.person_id, p.birth_year) AS f GROUP BY band"
    ),
    "by_subgoal": (
        "SELECT g.number, COUNT(DISTINCT r.person_id)"
        + ATTENDED.replace(
            "LEFT JOIN",
            "JOIN training_course_subgoals cs ON cs.course_id = c.id "
            "JOIN programmes_subgoal g ON g.id = cs.subgoal_id LEFT JOIN",
        )
        + " AND NOT p.support_resource GROUP BY g.number"
    ),
}
VENDOR = {
    "sqlite": {
        "hours": "CAST(COALESCE(a.hours, s.credited_hours) AS INTEGER)",
        "year": "CAST(strftime('%%Y', s.starts) AS INTEGER)",  # sessions are daytime: UTC will do
    },
    "postgresql": {
        "hours": "CAST(FLOOR(COALESCE(a.hours, s.credited_hours)) AS INTEGER)",
        "year": "EXTRACT(YEAR FROM s.starts AT TIME ZONE 'Europe/Stockholm')",
    },
}


def plain_figures(connection, programme) -> dict:
    """Every figure straight from SQL; co-financing multiplies hours by the rates afterwards."""
    from decimal import Decimal

    from grannar.reporting.counting import hourly_rates

    vendor = VENDOR[connection.vendor]
    results = {}
    with connection.cursor() as cursor:
        for name, sql in PLAIN.items():
            cursor.execute(sql.format(**vendor), {"programme": programme.pk})
            results[name] = cursor.fetchall()
    rates = hourly_rates(programme)
    default = Decimal(programme.default_hourly_rate_sek or 0)
    hours = dict(results.pop("hours_by_category"))
    figures = {key: rows[0][0] for key, rows in results.items() if len(rows[0]) == 1}
    figures |= {
        key: {str(k): v for k, v in sorted(rows, key=lambda row: str(row[0])) if v}
        for key, rows in results.items()
        if rows and len(rows[0]) == 2
    }
    figures["attended_hours"] = int(sum(hours.values()))
    figures["cofinancing_sek"] = sum(int(h) * rates.get(c, default) for c, h in hours.items())
    return figures


def best(repeat: int, work) -> tuple[float, object]:
    times, value = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        value = work()
        times.append(time.perf_counter() - started)
    return min(times), value


def measure(repeat: int) -> dict:
    """Runs inside a process whose DATABASE_URL names the database to measure."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
    django.setup()
    from django.db import connection
    from django.utils import translation
    from django_scopes import scopes_disabled

    from grannar.demo.people import DEMO_DOMAIN
    from grannar.people.models import User
    from grannar.programmes.models import Programme
    from grannar.reporting import reports
    from grannar.reporting.counting import figures
    from grannar.training.facts import Scope

    translation.activate("sv")
    with scopes_disabled():
        programme = Programme.objects.get(code=CODE)
        admin = User.objects.get(email=f"admin@{DEMO_DOMAIN}")
        counts = {
            "persons": programme.memberships.values("municipality__person").count(),
            "attendance": connection.cursor()
            .execute(
                "SELECT COUNT(*) FROM training_attendance a JOIN training_registration r "
                "ON r.id = a.registration_id JOIN training_session s ON s.id = r.session_id "
                "JOIN training_course c ON c.id = s.course_id WHERE c.programme_id = %s",
                [programme.pk],
            )
            .fetchone()[0],
        }
        plain_time, plain = best(repeat, lambda: plain_figures(connection, programme))
        figures_time, ours = best(repeat, lambda: figures(Scope(programme=programme)))
        dashboard_time, _ = best(repeat, lambda: reports.dashboard(programme=programme, user=admin))
        summary_time, _ = best(repeat, lambda: reports.summary_json(programme))
    summary = ours.as_summary()
    mismatches = [
        key
        for key, value in plain.items()
        if key != "cofinancing_sek" and summary.get(key, getattr(ours, key, None)) != value
    ]
    if ours.cofinancing_sek != plain["cofinancing_sek"]:
        mismatches.append("cofinancing_sek")
    return {
        **counts,
        "plain": plain_time,
        "figures": figures_time,
        "dashboard": dashboard_time,
        "summary_time": summary_time,
        "mismatches": mismatches,
        "summary": summary,
    }


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


def prepare(name: str, url: str, fresh: bool) -> None:
    env = {**os.environ, "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "config.settings.base"}
    env.pop("GRANNAR_NATIONAL_ATTENDANCE", None)
    print(f"{name}: migrating and loading the national demo (minutes the first time) …")
    for command in (["migrate", "-v0"], ["demo", "--scale", "national"]):
        subprocess.run([BIN / "grannar", *command], env=env, check=True, cwd=ROOT)  # noqa: S603


def run(name: str, url: str, args) -> dict:
    prepare(name, url, args.fresh)
    env = {**os.environ, "DATABASE_URL": url}
    output = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, __file__, "--measure", str(args.repeat)],
        env=env,
        check=True,
        cwd=ROOT,
        capture_output=True,
        text=True,
    ).stdout
    return {"database": name, **json.loads(output.strip().splitlines()[-1])}


def postgres_answers() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except Exception:
        return False
    return True


def pg_database(fresh: bool) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        exists = connection.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", [PG_NAME]
        ).fetchone()
        if exists and fresh:
            connection.execute(f"DROP DATABASE {PG_NAME} WITH (FORCE)")
        if fresh or not exists:
            connection.execute(f"CREATE DATABASE {PG_NAME}")


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        sys.path.insert(0, str(ROOT))
        print(json.dumps(measure(int(sys.argv[2]))))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--check-documents":
        sys.path.insert(0, str(ROOT))
        print(json.dumps(check_documents()))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--fresh", action="store_true", help="Rebuild the demo databases.")
    parser.add_argument(
        "--documents", action="store_true", help="Only check the final report's layout."
    )
    args = parser.parse_args()
    if args.documents:
        return 0 if documents(args.fresh) else 1
    SQLITE.parent.mkdir(exist_ok=True)
    if args.fresh:
        for path in SQLITE.parent.glob(f"{SQLITE.name}*"):
            path.unlink()
    results = [run("SQLite", f"sqlite:///{SQLITE}", args)]
    if postgres_answers():
        pg_database(args.fresh)
        results.append(run("PostgreSQL", PG_URL, args))
    else:
        print("PostgreSQL SKIPPED: nothing answers at 127.0.0.1:5432.")
    print(
        f"\n{'database':<11} {'persons':>8} {'attendance':>10} {'plain s':>8} {'figures s':>9} "
        f"{'dashboard s':>11} {'summary s':>9} {'ratio':>6}  same figures"
    )
    failed = False
    for r in results:
        ratio = r["dashboard"] / r["plain"]
        failed |= bool(r["mismatches"]) or ratio > 1.3
        print(
            f"{r['database']:<11} {r['persons']:>8} {r['attendance']:>10} {r['plain']:>8.2f} "
            f"{r['figures']:>9.2f} {r['dashboard']:>11.2f} {r['summary_time']:>9.2f} "
            f"{ratio:>6.2f}  "
            f"{'yes' if not r['mismatches'] else 'NO: ' + ', '.join(r['mismatches'])}"
        )
    print("ratio = dashboard (figures, labels, suppression, SVG charts) / plain SQL GROUP BY")
    summaries = [json.dumps(r["summary"], sort_keys=True) for r in results]
    if len(summaries) > 1:
        same = len(set(summaries)) == 1
        failed |= not same
        print(f"Summary identical on every database: {'yes' if same else 'NO'}")
    print(
        f"participants {results[0]['summary']['participants']}, "
        f"attainment {results[0]['summary']['attainment']}"
    )
    failed |= not documents(args.fresh)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

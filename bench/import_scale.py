"""Attendance import at scale: the importer against a tight loader, time and memory.

Generates an attendance list (DESIGN.md's attendance.csv) of 20 000 and of 200 000 rows, four
sessions per person, and imports it on SQLite and on PostgreSQL with `import_attendance`, as
`grannar import attendance` does. The baseline, in the same database and run, is what a tight
loader does for the same number of rows: `executemany` INSERTs of the persons, registrations
and attendance rows, with the rows already parsed (only the inserts are timed). Each import
runs in a fresh subprocess; its peak memory is the growth of the process's maximum resident
set during the import (ru_maxrss), the file's own bytes (read before) not counted.

    .venv/bin/python bench/import_scale.py [--sizes 20000 200000] [--database both]
        [--repeat N] [--pg-database grannar_bench_import] [--json FILE]

A small file is measured three times (import and raw load alternating, each with sessions and
people of its own) and the run with the median ratio reported: one run of a few seconds says
as much about the machine as about the code.

Ratio = raw time / import time (1.0 would be as fast as the bare inserts; the target is at
least 0.25). The peak memory should not grow with the file.
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))  # also for a test loading this file
from common import postgres_answers, recreate_pg  # noqa: E402 - needs the line above

PG_SERVER = "postgres://postgres@127.0.0.1:5432"
SESSIONS_PER_PERSON = 4
HEADER = (
    "session_code,email,first_name,last_name,gender,birth_year,municipality_code,workplace,"
    "staff_category,support_resource,status,attended_hours\n"
)


def _django():
    import django

    django.setup()


def setup_data(rows: int, prefix: str) -> dict:
    """Sessions for the importer (`imp-`) and for the raw loader (`raw-`), and the file."""
    _django()
    import datetime as dt
    from decimal import Decimal

    from django.core.management import call_command
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from grannar.programmes.models import Membership, ProgrammeCategory
    from grannar.programmes.services import programme_load_file
    from grannar.training.models import Course, Session

    call_command("migrate", verbosity=0)
    with scopes_disabled():
        programme = programme_load_file(
            path=ROOT / "grannar/programmes/data/nya-grannar.toml"
        ).programme
        membership = Membership.objects.filter(programme=programme, participates=True).first()
        category = ProgrammeCategory.objects.filter(programme=programme).first().category
        course, _ = Course.objects.get_or_create(
            programme=programme,
            code="scale",
            defaults={
                "title": "Scale",
                "credited_hours": Decimal(3),
                "status": Course.Status.PUBLISHED,
            },
        )
        sessions = max(rows // 1000, SESSIONS_PER_PERSON)
        starts = timezone.now() - dt.timedelta(days=400)
        for kind in ("imp", "raw"):
            Session.objects.bulk_create(
                Session(
                    course=course,
                    code=f"{kind}-{prefix}-{n}",
                    starts=starts + dt.timedelta(days=n % 300, hours=n // 300),
                    ends=starts + dt.timedelta(days=n % 300, hours=n // 300 + 3),
                    credited_hours=Decimal(3),
                    capacity=rows,
                )
                for n in range(sessions)
            )
    return {
        "programme": programme.code,
        "municipality": membership.municipality.code,
        "municipality_id": membership.municipality_id,
        "category": category.code,
        "category_id": category.pk,
        "sessions": sessions,
    }


def write_file(path: Path, rows: int, prefix: str, info: dict) -> None:
    people = rows // SESSIONS_PER_PERSON
    with path.open("w", encoding="utf-8") as out:
        out.write(HEADER)
        for n in range(rows):
            person, visit = divmod(n, SESSIONS_PER_PERSON)
            session = (person + visit * (info["sessions"] // SESSIONS_PER_PERSON)) % info[
                "sessions"
            ]
            out.write(
                f"imp-{prefix}-{session},p{person}.{prefix}@bench.example,Förnamn,E{person},"
                f"{'kvinna' if person % 2 else 'man'},{1960 + person % 40},"
                f"{info['municipality']},,{info['category']},nej,attended,"
                f"{'' if n % 3 else '2.5'}\n"
            )
    assert people * SESSIONS_PER_PERSON == rows


def run_import(path: str, programme_code: str) -> dict:
    """In its own process: read the file, then import it, measuring time and memory."""
    _django()
    import resource

    from django_scopes import scopes_disabled

    from grannar.programmes.models import Programme
    from grannar.training.imports import import_attendance

    content = Path(path).read_bytes()
    with scopes_disabled():
        programme = Programme.objects.get(code=programme_code)
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        started = time.perf_counter()
        report = import_attendance(programme=programme, filename="attendance.csv", content=content)
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": elapsed,
        "peak_mib": (after - before) / 1024,
        "file_mib": len(content) / 2**20,
        "changes": dict(report.changes),
        "problems": report.problems[:3],
    }


def run_raw(rows: int, prefix: str, info: dict) -> dict:
    """The tight loader: the same number of persons, registrations and attendance rows, as
    executemany INSERTs in one transaction, with the rows prepared beforehand."""
    _django()
    from django.db import connection, transaction
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from grannar.training.models import Session

    with scopes_disabled():
        sessions = dict(
            Session.objects.filter(code__startswith=f"raw-{prefix}-").values_list("code", "id")
        )
    now = timezone.now()
    people = rows // SESSIONS_PER_PERSON
    person_rows = [
        (
            f"p{p}.{prefix}@raw.example",
            "Förnamn",
            f"E{p}",
            "",
            "kvinna" if p % 2 else "man",
            1960 + p % 40,
            info["municipality_id"],
            "",
            info["category_id"],
            False,
            "",
            now,
            now,
        )
        for p in range(people)
    ]
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO people_person (email, first_name, last_name, phone, gender, "
            "birth_year, municipality_id, workplace_name, staff_category_id, support_resource, "
            "personnummer_encrypted, created, updated) "
            "VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            person_rows,
        )
        cursor.execute(
            "SELECT id FROM people_person WHERE email LIKE %s ORDER BY id",
            [f"%.{prefix}@raw.example"],
        )
        person_ids = [row[0] for row in cursor.fetchall()]
        registration_rows = []
        for n in range(rows):
            person, visit = divmod(n, SESSIONS_PER_PERSON)
            session = (person + visit * (info["sessions"] // SESSIONS_PER_PERSON)) % info[
                "sessions"
            ]
            registration_rows.append(
                (
                    sessions[f"raw-{prefix}-{session}"],
                    person_ids[person],
                    info["municipality_id"],
                    "attended",
                    now,
                    now,
                )
            )
        cursor.executemany(
            "INSERT INTO training_registration (session_id, person_id, municipality_id, status, "
            "created, changed) VALUES (%s, %s, %s, %s, %s, %s)",
            registration_rows,
        )
        cursor.execute(
            "SELECT r.id FROM training_registration r JOIN people_person p ON p.id = r.person_id "
            "WHERE p.email LIKE %s ORDER BY r.id",
            [f"%.{prefix}@raw.example"],
        )
        attendance_rows = [
            (row[0], None if n % 3 else "2.5", "import", now)
            for n, row in enumerate(cursor.fetchall())
        ]
        cursor.executemany(
            "INSERT INTO training_attendance (registration_id, hours, method, recorded) "
            "VALUES (%s, %s, %s, %s)",
            attendance_rows,
        )
    return {"seconds": time.perf_counter() - started, "rows": len(attendance_rows)}


def child(command: list[str], env: dict, timeout: int = 3600) -> dict:
    me = [sys.executable, str(Path(__file__).resolve())]
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [*me, *command], env=env, cwd=ROOT, capture_output=True, text=True, timeout=timeout
    )
    if done.returncode != 0:
        raise RuntimeError(f"{command[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def repeats_for(rows: int, asked: int | None) -> int:
    """How many times to measure a size: as asked, else three times for a small file (a few
    seconds each, where one measurement is at the mercy of the machine) and once for a large."""
    return asked if asked else max(1, 60_000 // rows)


def run(name: str, database_url: str, args, workdir: Path) -> list[dict]:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "GRANNAR_VAR_DIR": str(workdir),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "GRANNAR_LOG_LEVEL": "WARNING",
    }
    results = []
    for rows in args.sizes:
        runs = []
        # Import and raw load alternate, each time with sessions and people of its own.
        for repeat in range(repeats_for(rows, args.repeat)):
            prefix = f"s{rows}r{repeat}"
            info = child(["--setup", str(rows), prefix], env)
            path = workdir / f"attendance-{prefix}.csv"
            write_file(path, rows, prefix, info)
            imported = child(["--import", str(path), info["programme"]], env)
            path.unlink()
            raw = child(["--raw", str(rows), prefix, json.dumps(info)], env)
            runs.append((imported, raw))
            print(
                f"{name:<11} {rows:>7} rows, run {repeat + 1}: import {imported['seconds']:.1f} s, "
                f"raw {raw['seconds']:.1f} s, peak +{imported['peak_mib']:.0f} MiB",
                flush=True,
            )
        ratios = [raw["seconds"] / imported["seconds"] for imported, raw in runs]
        imported, raw = runs[ratios.index(statistics.median_low(ratios))]
        results.append(
            {
                "database": name,
                "rows": rows,
                "runs": len(runs),
                "import_s": imported["seconds"],
                "raw_s": raw["seconds"],
                "ratio": raw["seconds"] / imported["seconds"],
                "ratios": ratios,
                "peak_mib": max(i["peak_mib"] for i, _raw in runs),
                "file_mib": imported["file_mib"],
                "changes": imported["changes"],
                "problems": [p for i, _raw in runs for p in i["problems"]][:3],
                "complete": all(i["changes"].get("attendance_created") == rows for i, _raw in runs),
            }
        )
    return results


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--setup":
        print(json.dumps(setup_data(int(sys.argv[2]), sys.argv[3])))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--import":
        print(json.dumps(run_import(sys.argv[2], sys.argv[3])))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--raw":
        print(json.dumps(run_raw(int(sys.argv[2]), sys.argv[3], json.loads(sys.argv[4]))))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[20_000, 200_000])
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg-database", default="grannar_bench_import")
    parser.add_argument(
        "--repeat",
        type=int,
        help="import and raw load this many times per size, reporting the run with the median "
        "ratio (default: 3 below 30 000 rows, else 1)",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    args = parser.parse_args()
    if any(size < SESSIONS_PER_PERSON or size % SESSIONS_PER_PERSON for size in args.sizes):
        parser.error(f"--sizes must be multiples of {SESSIONS_PER_PERSON}")
    sys.path.insert(0, str(ROOT))
    results = []
    with tempfile.TemporaryDirectory(prefix="grannar-import-bench-") as tmp:
        workdir = Path(tmp)
        if args.database in ("sqlite", "both"):
            results += run("SQLite", f"sqlite:///{workdir}/bench.sqlite3", args, workdir)
        if args.database in ("postgresql", "both"):
            if postgres_answers():
                recreate_pg(args.pg_database)
                try:
                    url = f"{PG_SERVER}/{args.pg_database}"
                    results += run("PostgreSQL", url, args, workdir)
                finally:
                    recreate_pg(args.pg_database, drop_only=True)
            else:
                print("PostgreSQL SKIPPED: nothing answers at 127.0.0.1:5432.")
    print(
        f"\n{'database':<11} {'rows':>8} {'runs':>4} {'import s':>9} {'raw s':>7} {'ratio':>6} "
        f"{'peak MiB':>9} {'file MiB':>9}"
    )
    for r in results:
        print(
            f"{r['database']:<11} {r['rows']:>8} {r['runs']:>4} {r['import_s']:>9.1f} "
            f"{r['raw_s']:>7.1f} "
            f"{r['ratio']:>6.2f} {r['peak_mib']:>9.0f} {r['file_mib']:>9.1f}"
        )
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    failed = any(r["problems"] or not r["complete"] for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

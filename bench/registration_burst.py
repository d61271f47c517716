"""Registration burst: N people press "Anmäl mig" for one session at the same moment.

Starts the real server (gunicorn, as `make run` does) on SQLite and on PostgreSQL, fires N
concurrent HTTP registrations at a session with C seats, and prints registrations/s, p50/p95
latency, errors and whether anyone was overbooked, next to the rate of a trivial endpoint
(/healthz) measured in the same run with the same concurrency. The ratio is the figure to
watch: registration rate / trivial rate.

    .venv/bin/python bench/registration_burst.py [--people 300] [--seats 50] [--concurrency 32]

Only loopback addresses are used; every request has a timeout and the run ends by itself.
"""

import argparse
import http.client
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
PG_BENCH = "postgres://postgres@127.0.0.1:5432/grannar_bench"
UNUSABLE = "!"


def setup_data(people: int, seats: int) -> None:
    """Run inside the benchmark's environment: migrate, load, make people and their sessions."""
    import django

    django.setup()
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from grannar.people.models import Person, Role, RoleAssignment, User
    from grannar.programmes.models import Membership, ProgrammeCategory
    from grannar.programmes.services import programme_load_file
    from grannar.training.models import Course, Session

    call_command("migrate", verbosity=0)
    with scopes_disabled():
        programme = programme_load_file(
            path=ROOT / "grannar/programmes/data/nya-grannar.toml"
        ).programme
        course = Course.objects.create(
            programme=programme,
            code="burst",
            title="Burst",
            credited_hours=Decimal(3),
            status=Course.Status.PUBLISHED,
        )
        starts = timezone.now() + dt.timedelta(days=14)
        session = Session.objects.create(
            course=course,
            code="burst-1",
            starts=starts,
            ends=starts + dt.timedelta(hours=3),
            credited_hours=Decimal(3),
            capacity=seats,
        )
        municipality = Membership.objects.filter(programme=programme).first().municipality
        category = ProgrammeCategory.objects.filter(programme=programme).first().category
        persons = Person.objects.bulk_create(
            Person(
                email=f"burst{n}@bench.example",
                first_name="B",
                last_name=str(n),
                municipality=municipality,
                staff_category=category,
            )
            for n in range(people)
        )
        users = User.objects.bulk_create(
            # "!" is Django's mark for an unusable password: these accounts sign in by cookie.
            User(email=p.email, person=p, password=UNUSABLE)
            for p in persons
        )
        RoleAssignment.objects.bulk_create(
            RoleAssignment(user=u, role=Role.PARTICIPANT) for u in users
        )
        keys = []
        for user in users:
            store = SessionStore()
            store[SESSION_KEY] = str(user.pk)
            store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            store.create()
            keys.append(store.session_key)
    print(json.dumps({"session": session.pk, "keys": keys}))


def verify_data(session_id: int) -> None:
    import django

    django.setup()
    from django.db.models import Count
    from django_scopes import scopes_disabled

    from grannar.training.models import Registration, Session

    with scopes_disabled():
        counts = dict(
            Registration.objects.filter(session_id=session_id)
            .values_list("status")
            .annotate(n=Count("id"))
            .values_list("status", "n")
        )
        session = Session.objects.get(pk=session_id)
    print(
        json.dumps(
            {"counts": counts, "seats_taken": session.seats_taken, "capacity": session.capacity}
        )
    )


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def request(port: int, method: str, path: str, headers: dict) -> tuple[int, float]:
    started = time.perf_counter()
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    try:
        connection.request(method, path, body=b"" if method == "POST" else None, headers=headers)
        status = connection.getresponse().status
    except OSError:
        status = 0
    finally:
        connection.close()
    return status, time.perf_counter() - started


def burst(port: int, jobs: list[tuple[str, str, dict]], concurrency: int) -> dict:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        results = list(pool.map(lambda job: request(port, *job), jobs))
    elapsed = time.perf_counter() - started
    latencies = sorted(latency for _, latency in results)
    return {
        "statuses": [status for status, _ in results],
        "rate": len(jobs) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[int(len(latencies) * 0.95) - 1] * 1000,
    }


def run(name: str, database_url: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"grannar-bench-{name}-"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "GRANNAR_VAR_DIR": str(workdir),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "GRANNAR_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "GRANNAR_LOG_LEVEL": "WARNING",
    }
    me = [sys.executable, str(Path(__file__).resolve())]
    setup = subprocess.run(  # noqa: S603 - fixed arguments
        [*me, "--setup", str(args.people), str(args.seats)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=600,
    )
    data = json.loads(setup.stdout.strip().splitlines()[-1])
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    try:
        for _ in range(100):
            if request(port, "GET", "/healthz", {})[0] == 200:
                break
            time.sleep(0.1)
        trivial = burst(port, [("GET", "/healthz", {})] * args.people, args.concurrency)
        token = secrets.token_hex(16)
        jobs = [
            (
                "POST",
                f"/training/sessions/{data['session']}/register/",
                {
                    "Cookie": f"sessionid={key}; csrftoken={token}",
                    "X-CSRFToken": token,
                    "Host": f"127.0.0.1:{port}",
                    "Content-Length": "0",
                },
            )
            for key in data["keys"]
        ]
        registration = burst(port, jobs, args.concurrency)
    finally:
        server.terminate()
        server.wait(timeout=30)
    check = subprocess.run(  # noqa: S603 - fixed arguments
        [*me, "--verify", str(data["session"])],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    verified = json.loads(check.stdout.strip().splitlines()[-1])
    errors = sum(status != 302 for status in registration["statuses"])
    counts = verified["counts"]
    overbooked = counts.get("confirmed", 0) > args.seats or verified["seats_taken"] > args.seats
    complete = (
        counts.get("confirmed", 0) == args.seats
        and counts.get("waitlisted", 0) == args.people - args.seats
    )
    return {
        "database": name,
        "rate": registration["rate"],
        "p50": registration["p50"],
        "p95": registration["p95"],
        "errors": errors,
        "overbooked": overbooked or not complete,
        "trivial": trivial["rate"],
        "ratio": registration["rate"] / trivial["rate"],
        "counts": counts,
    }


def postgres_answers() -> bool:
    try:
        import psycopg

        psycopg.connect(PG_ADMIN, connect_timeout=3).close()
    except Exception:
        return False
    return True


def recreate_pg(drop_only: bool = False) -> None:
    import psycopg

    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute("DROP DATABASE IF EXISTS grannar_bench WITH (FORCE)")
        if not drop_only:
            connection.execute("CREATE DATABASE grannar_bench")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--setup":
        setup_data(int(sys.argv[2]), int(sys.argv[3]))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--verify":
        verify_data(int(sys.argv[2]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        results.append(run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args))
    if postgres_answers():
        recreate_pg()
        try:
            results.append(run("PostgreSQL", PG_BENCH, args))
        finally:
            recreate_pg(drop_only=True)
    else:
        print("PostgreSQL SKIPPED: nothing answers at 127.0.0.1:5432.")
    print(f"\n{args.people} registrations, {args.seats} seats, concurrency {args.concurrency}")
    print(
        f"{'database':<11} {'reg/s':>7} {'p50 ms':>7} {'p95 ms':>7} {'errors':>6} "
        f"{'overbooked':>10} {'healthz/s':>9} {'ratio':>6}"
    )
    for r in results:
        print(
            f"{r['database']:<11} {r['rate']:>7.1f} {r['p50']:>7.0f} {r['p95']:>7.0f} "
            f"{r['errors']:>6} {'yes' if r['overbooked'] else 'no':>10} {r['trivial']:>9.1f} "
            f"{r['ratio']:>6.2f}"
        )
    failed = any(r["errors"] or r["overbooked"] for r in results)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

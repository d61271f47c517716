"""Registration burst: N people press "Anmäl mig" for one session at the same moment.

Starts the real server (gunicorn, as `make run` does) on SQLite and on PostgreSQL and warms
it first: untimed requests to /healthz and to the registration path (a throwaway session),
so that every worker has loaded its code, templates and connections. Then it interleaves
rounds: baseline (the same number of `GET /healthz`, same concurrency), registration (N
concurrent HTTP registrations at a fresh session with C seats), baseline, registration, …,
baseline. Each registration round is compared with the mean of the baseline rounds on either
side of it; the figure to watch is the median of those ratios.

    .venv/bin/python bench/registration_burst.py [--people 300] [--seats 50] [--concurrency 32]
        [--rounds 3] [--conn-max-age 0] [--database sqlite|postgresql|both] [--json FILE]

Exits non-zero on any error or overbooking. Only loopback addresses are used; every request
has a timeout and the run ends by itself.
"""

import argparse
import http.client
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))  # also for a test loading this file
from common import free_port, postgres_answers, recreate_pg  # noqa: E402 - needs the line above

from grannar.core.webserver import gunicorn_options  # noqa: E402 - after the path

BIN = Path(sys.executable).parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
UNUSABLE = "!"
WARM_REQUESTS = 200


def setup_data(people: int, seats: int, rounds: int) -> None:
    """Run inside the benchmark's environment: migrate, load, make people and one session per
    round plus one for warming up."""
    import django

    django.setup()
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.utils import timezone
    from django_scopes import scopes_disabled

    from grannar.core.middleware import SESSION_RENEWED_KEY
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
        sessions = [
            Session.objects.create(
                course=course,
                code=f"burst-{n}",
                starts=starts,
                ends=starts + dt.timedelta(hours=3),
                credited_hours=Decimal(3),
                capacity=seats,
            )
            for n in range(rounds + 1)
        ]
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
            store[BACKEND_SESSION_KEY] = "grannar.people.backends.UserBackend"
            store[HASH_SESSION_KEY] = user.get_session_auth_hash()
            # As signing in leaves it: renewed now, so a press within the renewal interval
            # (a minute) writes nothing to the session.
            store[SESSION_RENEWED_KEY] = int(time.time())
            store.create()
            keys.append(store.session_key)
    print(
        json.dumps({"warm": sessions[0].pk, "sessions": [s.pk for s in sessions[1:]], "keys": keys})
    )


def verify_data(session_ids: list[int]) -> None:
    import django

    django.setup()
    from django.db.models import Count
    from django_scopes import scopes_disabled

    from grannar.training.models import Registration, Session

    result = {}
    with scopes_disabled():
        for session_id in session_ids:
            counts = dict(
                Registration.objects.filter(session_id=session_id)
                .values_list("status")
                .annotate(n=Count("id"))
                .values_list("status", "n")
            )
            session = Session.objects.get(pk=session_id)
            result[session_id] = {"counts": counts, "seats_taken": session.seats_taken}
    print(json.dumps(result))


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
        "p95": latencies[max(int(len(latencies) * 0.95) - 1, 0)] * 1000,
    }


def registration_jobs(port: int, session_id: int, keys: list[str]) -> list:
    token = secrets.token_hex(16)
    return [
        (
            "POST",
            f"/training/sessions/{session_id}/register/",
            {
                "Cookie": f"sessionid={key}; csrftoken={token}",
                "X-CSRFToken": token,
                "Host": f"127.0.0.1:{port}",
                "Content-Length": "0",
            },
        )
        for key in keys
    ]


def run(name: str, database_url: str, args) -> dict:
    workdir = Path(tempfile.mkdtemp(prefix=f"grannar-bench-{name}-"))
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "GRANNAR_VAR_DIR": str(workdir),
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "GRANNAR_EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
        "GRANNAR_LOG_LEVEL": "WARNING",
        "GRANNAR_DB_CONN_MAX_AGE": str(args.conn_max_age),
    }
    me = [sys.executable, str(Path(__file__).resolve())]
    setup = subprocess.run(  # noqa: S603 - fixed arguments
        [*me, "--setup", str(args.people), str(args.seats), str(args.rounds)],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=900,
    )
    data = json.loads(setup.stdout.strip().splitlines()[-1])
    keys = data["keys"]
    port = free_port()
    server = subprocess.Popen(  # noqa: S603 - fixed arguments
        [
            str(BIN / "gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            *gunicorn_options(),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    healthz = [("GET", "/healthz", {})] * args.people
    baselines, registrations = [], []
    try:
        for _ in range(100):
            if request(port, "GET", "/healthz", {})[0] == 200:
                break
            time.sleep(0.1)
        # Warm-up, untimed: both paths on every worker and thread, and the throwaway session
        # (full and then with a waiting line, so both outcomes have run).
        burst(port, [("GET", "/healthz", {})] * WARM_REQUESTS, args.concurrency)
        warm = registration_jobs(port, data["warm"], keys[: min(len(keys), args.seats * 2)])
        burst(port, warm, args.concurrency)
        for session_id in data["sessions"]:
            baselines.append(burst(port, healthz, args.concurrency))
            registrations.append(
                burst(port, registration_jobs(port, session_id, keys), args.concurrency)
            )
        baselines.append(burst(port, healthz, args.concurrency))
    finally:
        server.terminate()
        server.wait(timeout=30)
    check = subprocess.run(  # noqa: S603 - fixed arguments
        [*me, "--verify", *map(str, data["sessions"])],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    verified = json.loads(check.stdout.strip().splitlines()[-1])
    rounds = []
    for index, (session_id, registration) in enumerate(
        zip(data["sessions"], registrations, strict=True)
    ):
        state = verified[str(session_id)]
        counts = state["counts"]
        confirmed = counts.get("confirmed", 0)
        overbooked = confirmed > args.seats or state["seats_taken"] > args.seats
        complete = confirmed == min(args.seats, args.people) and counts.get("waitlisted", 0) == max(
            args.people - args.seats, 0
        )
        neighbours = (baselines[index]["rate"] + baselines[index + 1]["rate"]) / 2
        rounds.append(
            {
                "round": index + 1,
                "rate": registration["rate"],
                "p50": registration["p50"],
                "p95": registration["p95"],
                "errors": sum(status != 302 for status in registration["statuses"]),
                "overbooked": overbooked,
                "complete": complete,
                "baseline": neighbours,
                "ratio": registration["rate"] / neighbours,
                "counts": counts,
            }
        )
    return {
        "database": name,
        "conn_max_age": args.conn_max_age,
        "baselines": [
            {
                "rate": b["rate"],
                "p50": b["p50"],
                "p95": b["p95"],
                "errors": sum(status != 200 for status in b["statuses"]),
            }
            for b in baselines
        ],
        "rounds": rounds,
        "median_ratio": statistics.median(r["ratio"] for r in rounds),
    }


def report(results: list[dict], args) -> None:
    print(
        f"\n{args.people} registrations per round, {args.seats} seats, "
        f"concurrency {args.concurrency}, {args.rounds} rounds (warm server, "
        f"GRANNAR_DB_CONN_MAX_AGE={args.conn_max_age})"
    )
    print(
        f"{'database':<11} {'round':>5} {'reg/s':>7} {'p50 ms':>7} {'p95 ms':>7} "
        f"{'errors':>6} {'overbooked':>10} {'healthz/s':>9} {'ratio':>6}"
    )
    for result in results:
        for r in result["rounds"]:
            print(
                f"{result['database']:<11} {r['round']:>5} {r['rate']:>7.1f} {r['p50']:>7.0f} "
                f"{r['p95']:>7.0f} {r['errors']:>6} "
                f"{'yes' if r['overbooked'] or not r['complete'] else 'no':>10} "
                f"{r['baseline']:>9.1f} {r['ratio']:>6.2f}"
            )
        print(f"{result['database']:<11} median ratio {result['median_ratio']:.2f}")


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--setup":
        setup_data(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]))
        return 0
    if len(sys.argv) > 1 and sys.argv[1] == "--verify":
        verify_data([int(value) for value in sys.argv[2:]])
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=300)
    parser.add_argument("--seats", type=int, default=50)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--conn-max-age",
        type=int,
        default=0,
        help="GRANNAR_DB_CONN_MAX_AGE for the server: 0 (the default) opens a connection per "
        "request, more keeps connections that long",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument(
        "--pg-database",
        default="grannar_bench",
        help="the PostgreSQL database to create, use and drop (default grannar_bench)",
    )
    args = parser.parse_args()
    if args.rounds < 1 or args.people < 1 or args.concurrency < 1:
        parser.error("--rounds, --people and --concurrency must be at least 1")
    sys.path.insert(0, str(ROOT))
    results = []
    if args.database in ("sqlite", "both"):
        with tempfile.TemporaryDirectory() as tmp:
            results.append(run("SQLite", f"sqlite:///{tmp}/bench.sqlite3", args))
    if args.database in ("postgresql", "both"):
        if postgres_answers():
            recreate_pg(args.pg_database)
            try:
                results.append(run("PostgreSQL", f"{PG_SERVER}/{args.pg_database}", args))
            finally:
                recreate_pg(args.pg_database, drop_only=True)
        else:
            print("PostgreSQL SKIPPED: nothing answers at 127.0.0.1:5432.")
    report(results, args)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    failed = any(
        r["errors"] or r["overbooked"] or not r["complete"]
        for result in results
        for r in result["rounds"]
    ) or any(b["errors"] for result in results for b in result["baselines"])
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

"""Several web machines on one PostgreSQL database (docs/operations.md, "Several machines").

Two web processes (gunicorn, as production runs them, each with its own local folder and kept
database connections) share a private PostgreSQL server. A registration burst split across
both cannot overbook; a database restart in the middle of a burst gives the Swedish "try
again" page (503) and never a traceback, leaves nothing half-written, and both web processes
go on by themselves when the database is back.
"""

import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.machines import PrivateCluster, WebProcess, register, seed, state

pytestmark = pytest.mark.postgresql

PEOPLE = 120
SEATS = 30
CONCURRENCY = 12
# How long the database stays away in the restart test.
OUTAGE_SECONDS = 1.5


@pytest.fixture(scope="module")
def machines():
    cluster = PrivateCluster()
    webs = []
    try:
        cluster.start()
        cluster.create_database()
        data = seed(cluster.url, people=PEOPLE, seats=SEATS, sessions=3)
        webs = [WebProcess(cluster.url), WebProcess(cluster.url)]
        for web in webs:
            web.start()
        for web in webs:
            web.wait_ready()
        yield {"cluster": cluster, "webs": webs, **data}
    finally:
        for web in webs:
            web.stop()
        cluster.remove()


def burst(webs, session_id: int, keys: list[str]) -> list:
    """Everyone presses "Anmäl mig" at once; person n goes to web process n % 2."""
    ports = [web.port for web in webs]
    jobs = [(ports[n % len(ports)], session_id, key) for n, key in enumerate(keys)]
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        return list(pool.map(lambda job: register(*job), jobs))


def assert_whole(cluster, session_id: int, *, people: int) -> dict:
    """Exactly the seats taken, everyone else waiting, and nothing half-written."""
    found = state(cluster, session_id)
    assert found["counts"] == {"confirmed": SEATS, "waitlisted": people - SEATS}, found
    assert found["seats_taken"] == SEATS == found["capacity"], found
    assert found["people"] == found["rows"] == people, found
    assert found["unaudited"] == 0, found
    assert found["orphan_audits"] == 0, found
    assert found["emails"] == found["emailed_registrations"] == people, found
    return found


def assert_registered(answer, session_id: int) -> None:
    assert answer.status == 302, (answer.status, answer.body[-2000:])
    assert answer.headers["Location"] == f"/training/sessions/{session_id}/"


def assert_try_again(answer) -> None:
    assert answer.status == 503, (answer.status, answer.body[-2000:])
    assert answer.headers["Retry-After"].isdigit()
    assert '<html lang="sv">' in answer.body
    assert "<h1>Försök igen om en stund</h1>" in answer.body
    assert "Traceback" not in answer.body
    assert "Error" not in answer.body


def test_a_burst_split_across_two_web_processes_cannot_overbook(machines):
    webs, session_id = machines["webs"], machines["sessions"][0]
    answers = burst(webs, session_id, machines["keys"])
    for answer in answers:
        assert_registered(answer, session_id)
    assert {answer.port for answer in answers} == {web.port for web in webs}
    assert_whole(machines["cluster"], session_id, people=PEOPLE)


def test_a_database_restart_mid_burst_gives_try_again_and_leaves_nothing_half_written(
    machines,
):
    cluster, webs = machines["cluster"], machines["webs"]
    session_id = machines["sessions"][1]
    ports = [web.port for web in webs]
    pending = deque(enumerate(machines["keys"]))
    lock = threading.Lock()
    answers, done = [], []
    restarted = threading.Event()

    def restart():
        # A quarter of the burst through, the database stops (ending every open connection
        # and transaction) and comes back a moment later.
        deadline = time.monotonic() + 60
        while len(done) < PEOPLE // 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        cluster.stop(mode="fast")
        time.sleep(OUTAGE_SECONDS)
        cluster.start()
        restarted.set()

    def participant_loop():
        # Each participant presses again after a "try again" page, as a person would.
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with lock:
                if not pending:
                    if len(done) == PEOPLE:
                        return
                    job = None
                else:
                    job = pending.popleft()
            if job is None:
                time.sleep(0.05)
                continue
            n, key = job
            back = restarted.is_set()
            answer = register(ports[n % len(ports)], session_id, key)
            with lock:
                answers.append((back, answer))
                if answer.status == 503:
                    pending.append(job)
                else:
                    done.append(n)
            if answer.status == 503:
                time.sleep(0.1)

    restarter = threading.Thread(target=restart, daemon=True)
    restarter.start()
    loops = [threading.Thread(target=participant_loop, daemon=True) for _ in range(CONCURRENCY)]
    for loop in loops:
        loop.start()
    for loop in loops:
        loop.join(timeout=90)
    restarter.join(timeout=90)
    assert restarted.is_set()

    # Every answer was a registration or the try-again page: no 500, no traceback, no
    # dropped connection. The outage was seen, on both web processes.
    refused = [answer for _, answer in answers if answer.status == 503]
    for _, answer in answers:
        if answer.status != 503:
            assert_registered(answer, session_id)
    for answer in refused:
        assert_try_again(answer)
    assert refused, "the restart came too late to meet the burst"
    assert {answer.port for answer in refused} == set(ports)
    # A request sent once the database was back was served.
    for back, answer in answers:
        if back:
            assert_registered(answer, session_id)
    assert sorted(done) == list(range(PEOPLE))
    # Everyone who was told to try again and did is registered once; nobody twice.
    assert_whole(cluster, session_id, people=PEOPLE)

    # The web processes carry on by themselves: the database restarts again while they are
    # idle, every thread holding a kept connection that is now dead; the next burst on both
    # is served in full, as each request checks its kept connection before using it.
    cluster.stop(mode="fast")
    cluster.start()
    after = machines["sessions"][2]
    answers = burst(webs, after, machines["keys"])
    for answer in answers:
        assert_registered(answer, after)
    assert_whole(cluster, after, people=PEOPLE)
    for web in webs:
        assert web.process.poll() is None, web.log_text()
        # Nothing of the requests was kept on the machine's own disk.
        assert sorted(p.name for p in web.var_dir.iterdir()) == ["gunicorn.log", "static"]
        assert not any((web.var_dir / "static").iterdir())

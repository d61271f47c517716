"""How gunicorn runs Grannar's web processes: one list of options for `grannar serve`, the tests
that start real servers and the benchmarks (docs/operations.md shows the same options)."""

import os

THREADS = 4
# Idle kept-alive connections a worker may hold beside its busy threads.
KEPT_ALIVE = 2


def gunicorn_options() -> list[str]:
    """Workers (`WEB_CONCURRENCY`, default 2) of four threads each.

    A worker takes a new connection only while it holds fewer than its threads plus two idle
    kept-alive ones. Gunicorn's threaded worker otherwise accepts up to 1 000 connections and
    queues them behind its own four threads while another worker idles: under a burst the
    slowest requests are those queued behind the busiest worker (docs/performance.md).
    """
    return [
        "--workers",
        os.environ.get("WEB_CONCURRENCY", "2"),
        "--threads",
        str(THREADS),
        "--worker-connections",
        str(THREADS + KEPT_ALIVE),
    ]

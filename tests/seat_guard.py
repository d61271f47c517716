"""The control runs of the overbooking tests: the seat guard off and every wave of registrations
reading the counters before any of them writes, so that without the guard they must overbook."""

import threading

from grannar.training import seats


def switch_off_the_seat_guard(monkeypatch, *, workers: int, timeout: float) -> None:
    monkeypatch.setattr(seats, "SEAT_GUARD", False)
    barrier = threading.Barrier(workers, timeout=timeout)
    naive_read = seats.seen_counts

    def read_then_wait(session_id):
        counts = naive_read(session_id)
        barrier.wait()
        return counts

    monkeypatch.setattr(seats, "seen_counts", read_then_wait)

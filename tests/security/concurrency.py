"""Run the same action from many threads at once, for race tests (reusable by the workflow tests).

Each worker runs in its own thread with its own app context, hence its own
SQLAlchemy session and database connection (Flask-SQLAlchemy scopes sessions
by app context), and all of them start together at a barrier so they really
overlap. Results come back in worker order; an exception is returned, not
raised, so a test can assert on every outcome.

    outcomes = run_together(app, 8, lambda i: registrations.approve(...))
"""
from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run_together(app, n: int, action: Callable[[int], T], *, with_app_context: bool = True,
                 timeout: float = 60) -> list[T | BaseException]:
    """Call action(0..n-1) from n threads released together; return each result or exception."""
    barrier = threading.Barrier(n)

    def worker(i: int):
        try:
            if with_app_context:
                with app.app_context():
                    barrier.wait(timeout)
                    try:
                        return action(i)
                    finally:
                        from adminapp.extensions import db

                        db.session.remove()
            barrier.wait(timeout)
            return action(i)
        except BaseException as exc:  # noqa: BLE001 - reported to the caller
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(worker, range(n), timeout=timeout))


def prepare_then_run_together(n: int, prepare: Callable[[int], Any], action: Callable[[int, Any], T], *,
                              timeout: float = 60) -> list[T | BaseException]:
    """prepare(i) in each thread (e.g. open a form), wait until all are prepared, then action(i, prepared)."""
    barrier = threading.Barrier(n)

    def worker(i: int):
        try:
            prepared = prepare(i)
            barrier.wait(timeout)
            return action(i, prepared)
        except BaseException as exc:  # noqa: BLE001
            return exc

    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(worker, range(n), timeout=timeout))

"""The timer loop the workers share: again at once while it finds work, past failures, stopped promptly."""

import threading

import sqlalchemy as sa

from meemaken_kit.worker import Periodic


def test_a_step_runs_again_at_once_while_it_finds_work_and_survives_failures():
    results = iter([3, 2, 0, sa.exc.OperationalError("SELECT 1", {}, Exception("gone")), RuntimeError("bad row"), 1, 0])
    calls: list[object] = []
    done = threading.Event()

    def step() -> object:
        outcome = next(results, None)
        calls.append(outcome)
        if outcome is None:
            done.set()
            return 0
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    loop = Periodic("test", step, interval=0.01)
    thread = threading.Thread(target=loop.run)
    thread.start()
    assert done.wait(5)
    loop.stop()
    thread.join(2)
    assert not thread.is_alive()
    assert [c if isinstance(c, int) else type(c).__name__ for c in calls[:7]] == [
        3,
        2,
        0,
        "OperationalError",
        "RuntimeError",
        1,
        0,
    ]


def test_stop_ends_a_long_wait_at_once():
    loop = Periodic("idle", lambda: 0, interval=60)
    thread = threading.Thread(target=loop.run)
    thread.start()
    loop.stop()
    thread.join(2)
    assert not thread.is_alive()

"""A consumer dying in a polled batch between its writes and its commit, for the fault tests on the real broker
and PostgreSQL:

    written = die_in_a_batch(doomed, engine, dies)  # the batch's writes as `dies` saw them, rolled back since
    ...                                             # what the earlier batches committed is all there is
    drain([healthy], done)                          # the next member of the group does the rest, once

``dies(committed, batch)`` is asked once the batch scope (the consumer's own: its writes at the batch's end) has
done its writes: ``committed`` is a connection of its own (what earlier batches committed), ``batch`` the
batch's (its writes too). When it answers something other than None, the batch dies there (``Crash``, which no
handler, rollback hook or loop catches, as a process killed), before the commit and before any offset.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import sqlalchemy as sa

    from meemaken_events import ConsumerLoop

T = TypeVar("T")
POLL_MS = 500


class Crash(BaseException):
    """The process dies here: no handler, rollback hook or loop catches it."""


def die_in_a_batch(
    consumer: ConsumerLoop,
    engine: sa.Engine,
    dies: Callable[[sa.Connection, sa.Connection], T | None],
    polls: int = 200,
) -> T:
    """Run `consumer` until a batch dies after its writes, as `dies` decides; then close it (it leaves the group
    at once, where a killed process is let go after its session timeout) and return what `dies` answered."""
    scope = consumer.batch_scope or nullcontext
    written: list[T] = []

    @contextmanager
    def dying(connection: sa.Connection) -> Iterator[None]:
        with scope(connection):
            yield
        with engine.connect() as committed:
            seen = dies(committed, connection)
        if seen is not None:
            written.append(seen)
            raise Crash

    consumer.batch_scope = dying
    try:
        for _ in range(polls):
            consumer.run_once(timeout_ms=POLL_MS)
    except Crash:
        return written[0]
    finally:
        consumer.close()
    raise AssertionError(f"no batch died in {polls} polls")

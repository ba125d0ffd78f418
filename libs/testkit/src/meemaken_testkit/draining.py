"""Running consumer loops in a test until their work is done, one way:

    drain(loops, done)  # polls every loop until done(), then until a round of polls reads nothing; closes them

The session's broker is shared, so a topic also holds other tests' records, some on partitions that carry none
of the test's own events. A loop closed as soon as the test's events are handled could leave those records
(and copies of events it handled) unread, for its next member of the group to read where a test expects
nothing. "A few polls more" is a count that a slow machine beats; "until a round reads nothing" is not.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from meemaken_testkit.waiting import wait_for

if TYPE_CHECKING:
    from meemaken_events import ConsumerLoop

POLL_MS = 300


def drain(loops: Sequence[ConsumerLoop], done: Callable[[], bool], timeout: float = 90.0) -> None:
    """Poll each of `loops` until `done()`, then until a round of polls reads nothing; then close them all."""

    def round_of_polls() -> int:
        return sum(loop.run_once(timeout_ms=POLL_MS) for loop in loops)

    def caught_up() -> bool:
        if done():
            return True
        round_of_polls()
        return False

    try:
        wait_for(caught_up, timeout=timeout)
        wait_for(lambda: round_of_polls() == 0, timeout=timeout)
    finally:
        for loop in loops:
            loop.close()

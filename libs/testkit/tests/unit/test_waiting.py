"""A wait fails after its timeout without progress, not after a fixed total; MEEMAKEN_TEST_TIME_FACTOR scales it."""

from __future__ import annotations

import time
from types import SimpleNamespace

import pytest

from meemaken_testkit.waiting import scaled, wait_for


def test_a_moving_reading_keeps_a_wait_going_past_its_timeout_and_a_stuck_one_ends_it():
    started = time.monotonic()
    readings = iter(range(1000))
    moving = lambda: next(readings)  # noqa: E731
    assert wait_for(lambda: time.monotonic() - started > 0.3, timeout=0.1, interval=0.01, progress=moving)
    with pytest.raises(AssertionError, match="progress stuck at 7"):
        wait_for(lambda: False, timeout=0.1, interval=0.01, progress=lambda: 7)
    with pytest.raises(AssertionError, match=r"within 0\.1 s"):
        wait_for(lambda: False, timeout=0.1, interval=0.01)


def test_the_factor_from_the_environment_scales_every_timeout(monkeypatch):
    assert scaled(30) == 30
    monkeypatch.setenv("MEEMAKEN_TEST_TIME_FACTOR", "2.5")
    assert scaled(30) == 75
    with pytest.raises(AssertionError, match=r"within 0\.25 s"):
        wait_for(lambda: False, timeout=0.1, interval=0.01)
    for wrong in ("slow", "0"):
        monkeypatch.setenv("MEEMAKEN_TEST_TIME_FACTOR", wrong)
        with pytest.raises(ValueError, match="MEEMAKEN_TEST_TIME_FACTOR"):
            scaled(1)


def test_the_brokers_waits_scale_too(monkeypatch, tmp_path):
    """A killed node's process awaited, a cluster's partitions awaited in sync: both as long as the factor says."""
    from meemaken_testkit import kafka
    from meemaken_testkit.kafka_cluster import KafkaCluster

    monkeypatch.setenv("MEEMAKEN_TEST_TIME_FACTOR", "2.5")

    class Clock:  # a process that outlives its SIGKILL (stuck in the kernel): waited for, in this clock's time
        now = 0.0

        def monotonic(self):
            return self.now

        def sleep(self, seconds):
            self.now += seconds

    clock = Clock()
    monkeypatch.setattr(kafka, "time", clock)
    monkeypatch.setattr(kafka, "os", SimpleNamespace(kill=lambda _pid, _signal: None))  # no process is signalled
    pid_file = tmp_path / "kafka.pid"
    pid_file.write_text("4242")
    kafka.kill_broker(4242, pid_file)
    assert 25 <= clock.now < 25.1 and not pid_file.exists()

    class Lagging:  # a cluster whose partitions never catch up
        def under_replicated(self, _topics):
            return 1

    with pytest.raises(TimeoutError, match=r"after 0\.25 s"):
        KafkaCluster.wait_in_sync(Lagging(), ["t"], timeout=0.1)  # type: ignore[arg-type]

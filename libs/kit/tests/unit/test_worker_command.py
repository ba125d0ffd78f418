"""`python -m <service> worker --only LOOP`: one service's loops spread over processes."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pytest
import sqlalchemy as sa

from meemaken_kit import ServiceDefinition, Settings, main
from meemaken_kit.worker import Loop


class Finite:
    """A loop that notes it ran and returns at once (the worker then stops)."""

    def __init__(self, name: str, ran: list[str]) -> None:
        self.name, self.ran = name, ran

    def run(self) -> None:
        self.ran.append(self.name)

    def stop(self) -> None:
        pass


def service(ran: list[str]) -> ServiceDefinition:
    def loops(_settings: Settings, _engine: sa.Engine) -> Sequence[Loop]:
        return [Finite("relay", ran), Finite("sample.consumer", ran), Finite("timers", ran)]

    return ServiceDefinition("sample", Path("."), lambda *_: None, loops)  # type: ignore[arg-type,return-value]


@pytest.fixture(autouse=True)
def sqlite(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'sample.db'}")


def test_without_only_every_loop_runs() -> None:
    ran: list[str] = []
    assert main(service(ran), ["worker"]) == 0
    assert sorted(ran) == ["relay", "sample.consumer", "timers"]


def test_only_runs_the_named_loops() -> None:
    ran: list[str] = []
    assert main(service(ran), ["worker", "--only", "relay", "--only", "timers"]) == 0
    assert sorted(ran) == ["relay", "timers"]


def test_an_unknown_loop_is_refused_and_nothing_runs(capsys: pytest.CaptureFixture[str]) -> None:
    ran: list[str] = []
    assert main(service(ran), ["worker", "--only", "relais"]) == 2
    assert ran == []
    assert "no such loop: relais (this worker has: relay, sample.consumer, timers)" in capsys.readouterr().err

"""The suite's privacy scan: no national number, BSN, e-mail address or person's name in any event or
log line written while the tests ran.

What is scanned, for the whole session:
- every event any service writes to its outbox in this process (``Outbox.add`` is watched);
- every log record emitted in this process, at any level;
- every log file of a service started as a process (``meemaken_testkit.deployed``);
- every record on the session's Kafka broker (values and headers), read before the broker stops.

The findings fail the session (exit status 1) with where each was seen; the personal data itself is
shown masked.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from meemaken_testkit.waiting import scaled

EMAIL = re.compile(r"(?<![\w.+-])[\w.+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])")
# Belgian national register number, with or without its punctuation: yymmdd-sss-cc, check digits mod 97.
BELGIAN_NUMBER = re.compile(r"(?<![\w-])(\d{2})\.?(\d{2})\.?(\d{2})[- ]?(\d{3})\.?(\d{2})(?![\w-])")
BSN = re.compile(r"(?<![\w.-])(\d{9})(?![\w.-])")
# People the tests are made of; the demo realm's people are added from its file (their names must
# never reach an event or a log).
NAMES = ["Anna Janssens", "Chloé Dubois", "Farid El Amrani", "Jan Jansen", "Marie Dupont"]
REALMS = Path(__file__).resolve().parents[4] / "infra" / "keycloak" / "realm"


def _realm_people() -> list[str]:
    import json

    found = []
    for path in sorted(REALMS.glob("*.json")) if REALMS.exists() else []:
        for user in json.loads(path.read_text()).get("users", []):
            if user.get("firstName") and user.get("lastName"):
                found.append(f"{user['firstName']} {user['lastName']}")
    return found


NAMES += [name for name in _realm_people() if name not in NAMES]


def _belgian(match: re.Match[str]) -> bool:
    body, check = "".join(match.groups()[:4]), int(match.group(5))
    return 97 - int(body) % 97 == check or 97 - int("2" + body) % 97 == check


def _bsn(number: str) -> bool:
    digits = [int(d) for d in number]
    total = sum(d * w for d, w in zip(digits[:8], range(9, 1, -1), strict=True)) - digits[8]
    return number[0] != "0" and total % 11 == 0 and len(set(number)) > 2


def personal_data(text: str) -> list[str]:
    """What in ``text`` looks like personal data, by kind (``e-mail``, ``national number``, ``BSN``, ``name``)."""
    found = ["e-mail" for _ in EMAIL.finditer(text)]
    found += ["national number" for m in BELGIAN_NUMBER.finditer(text) if _belgian(m)]
    found += ["BSN" for m in BSN.finditer(text) if _bsn(m.group(1))]
    found += ["name" for name in NAMES if name in text]
    return found


def _mask(text: str) -> str:
    return re.sub(r"[A-Za-z0-9]", "*", text[:160])


@dataclass
class PrivacyScan:
    findings: list[str] = field(default_factory=list)
    log_files: list[Path] = field(default_factory=list)
    scanned: dict[str, int] = field(default_factory=lambda: {"events": 0, "log lines": 0, "kafka records": 0})

    def check(self, where: str, text: str, kind: str) -> None:
        self.scanned[kind] = self.scanned.get(kind, 0) + 1
        for what in personal_data(text):
            if len(self.findings) < 200:
                self.findings.append(f"{what} in {where}: {_mask(text)}")

    def check_files(self) -> None:
        for path in sorted(set(self.log_files)):
            if not path.exists():
                continue
            for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
                self.check(f"{path.name}:{number}", line, "log lines")

    def check_kafka(self, bootstrap: str, **login: Any) -> None:
        """Every record of every topic on the broker, from the beginning to the end offsets read first (`login`:
        kafka-python's SASL options). Read to those ends rather than until the broker stays quiet for a while: no
        idle wait at the end, and no record left unread because a loaded broker paused longer than that."""
        from kafka import KafkaConsumer, TopicPartition

        consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, **login)
        try:
            topics = sorted(t for t in consumer.topics() if not t.startswith("__"))
            partitions = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
            if not partitions:
                return
            consumer.assign(partitions)
            consumer.seek_to_beginning()
            starts, ends = consumer.beginning_offsets(partitions), consumer.end_offsets(partitions)
            todo = [tp for tp in partitions if starts[tp] < ends[tp]]
            unread, read_up_to, quiet_since = set(todo), 0, time.monotonic()
            while unread:
                for batch in consumer.poll(timeout_ms=1000).values():
                    for record in batch:
                        headers = " ".join(f"{k}={v.decode(errors='replace')}" for k, v in (record.headers or []))
                        value = (record.value or b"").decode(errors="replace")
                        self.check(f"topic {record.topic}", f"{headers} {value}", "kafka records")
                positions = {tp: consumer.position(tp) for tp in todo}  # each only grows
                unread = {tp for tp in unread if positions[tp] < ends[tp]}
                if sum(positions.values()) > read_up_to:
                    read_up_to, quiet_since = sum(positions.values()), time.monotonic()
                elif time.monotonic() - quiet_since > scaled(60):
                    raise TimeoutError(f"{len(unread)} partitions not read to their end: no progress for 60 s")
        finally:
            consumer.close()


SCAN = PrivacyScan()


class _Handler(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        try:
            text = record.getMessage()
        except Exception:  # a malformed record is not our finding
            return
        if record.exc_info and record.exc_info[1] is not None:
            text += f" {record.exc_info[1]}"
        SCAN.check(f"log record {record.name}", text, "log lines")


def watch() -> None:
    """Start watching this process's events and log records."""
    from meemaken_events.outbox import Outbox

    original = Outbox.add
    if getattr(original, "__privacy_watched__", False):
        return

    def add(self: Outbox, connection: object, envelopes: Iterable[object]) -> None:
        envelopes = list(envelopes)
        for envelope in envelopes:
            SCAN.check(f"event {getattr(envelope, 'type', '?')}", envelope.to_json(), "events")  # type: ignore[attr-defined]
        original(self, connection, envelopes)  # type: ignore[arg-type]

    add.__privacy_watched__ = True  # type: ignore[attr-defined]
    Outbox.add = add  # type: ignore[method-assign]
    logging.getLogger().addHandler(_Handler(level=logging.DEBUG))

"""What an operator does with a consumer's dead letters: list, show, replay, discard.

Replay goes straight through the consumer's own handlers, in the service's database, one dead letter
per transaction with its inbox row: an event handled before (by an earlier replay, or because it was
parked while a copy got through) is a duplicate and changes nothing. Dead letters of one key are
replayed in the order they were dead-lettered; a failure stops that key (its later dead letters stay
parked behind it) and the others go on. Each replayed or discarded dead letter is closed by a
resolution record on the dead-letter topic, which the running consumer reads before it lets the key
flow again. Discards are logged (who, which, why) and keep their reason on the topic.
"""

from __future__ import annotations

import getpass
import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Protocol

from kafka import KafkaProducer

from meemaken_events import dead_letters as dl
from meemaken_events.dead_letter_log import DeadLetter, DeadLetterLog, write_resolution
from meemaken_events.relay import producer_config
from meemaken_events.settings import EventSettings

log = logging.getLogger("meemaken.dead_letters")


class Replayer(Protocol):
    """The consumer loop's side of a replay (`ConsumerLoop.replay`)."""

    name: str
    dead_letter_topic: str

    def replay(self, key: bytes | None, value: bytes | None, headers: list[tuple[str, bytes]]) -> str: ...


class DeadLetters:
    """One consumer's dead letters, read from its dead-letter topic when opened."""

    def __init__(self, consumer: Replayer, brokers: EventSettings) -> None:
        self.consumer, self.brokers = consumer, brokers
        self.log = DeadLetterLog(brokers, consumer.dead_letter_topic, keep=True)
        self.log.catch_up()
        self._producer: KafkaProducer | None = None

    def close(self) -> None:
        self.log.close()
        if self._producer is not None:
            self._producer.close(timeout=5)

    @property
    def producer(self) -> KafkaProducer:
        if self._producer is None:
            self._producer = KafkaProducer(**producer_config(self.brokers, f"{self.consumer.name}-dlq-admin"))
        return self._producer

    def letters(self, everything: bool = False) -> list[DeadLetter]:
        """The unresolved dead letters in the order they came (with `everything`, the resolved too)."""
        return [letter for letter in self.log.letters if everything or letter.resolution is None]

    def find(self, origin: dl.Origin) -> DeadLetter:
        for letter in self.log.letters:
            if letter.origin == origin:
                return letter
        raise LookupError(f"no dead letter from {origin} on {self.log.topic}")

    def replay(self, origin: dl.Origin | None = None) -> list[tuple[DeadLetter, str]]:
        """Replay the unresolved dead letters of `origin`'s key from `origin` on (it must be the first
        of its key), or all of them; each one's outcome: handled, duplicate, ignored, or failed: <error>."""
        pending = self.letters()
        if origin is not None:
            first = self.find(origin)
            if first.resolution:
                raise ValueError(f"{origin} is {first.resolution} already")
            pending = [letter for letter in pending if _key(letter) == _key(first)] if _key(first) else [first]
            if pending[0] is not first:
                raise ValueError(f"{origin} waits behind {pending[0].origin}: replay or discard that one first")
        stopped: dict[dl.Key, dl.Origin] = {}
        outcomes: list[tuple[DeadLetter, str]] = []
        for letter in pending:
            key = _key(letter)
            if key is not None and key in stopped:
                outcomes.append((letter, f"waits behind {stopped[key]}"))
                continue
            try:
                outcome = self.consumer.replay(letter.key, letter.value, letter.headers)
            except Exception as exc:  # still poison: its key keeps waiting behind it
                if key is not None:
                    stopped[key] = letter.origin
                outcomes.append((letter, f"failed: {type(exc).__name__}"))
                name = type(exc).__name__
                log.warning("dead letter %s of %s failed again: %s", letter.origin, self.consumer.name, name)
                continue
            write_resolution(self.producer, self.log.topic, letter, "replayed", outcome)
            log.info("dead letter %s of %s replayed: %s", letter.origin, self.consumer.name, outcome)
            outcomes.append((letter, outcome))
        return outcomes

    def discard(self, origin: dl.Origin, reason: str) -> DeadLetter:
        """Give a dead letter up, for a reason that is logged and kept on the topic; its key flows again
        once nothing else of it waits (what was parked behind it still needs a replay)."""
        if not reason.strip():
            raise ValueError("a discard needs a reason")
        letter = self.find(origin)
        if letter.resolution:
            raise ValueError(f"{origin} is {letter.resolution} already")
        write_resolution(self.producer, self.log.topic, letter, "discarded", reason.strip())
        log.warning(
            "dead letter %s of %s (%s) discarded by %s: %s",
            origin,
            self.consumer.name,
            letter.header("ce_type") or "no type",
            _operator(),
            reason.strip(),
        )
        return letter


@contextmanager
def opened(consumer: Replayer, brokers: EventSettings) -> Iterator[DeadLetters]:
    letters = DeadLetters(consumer, brokers)
    try:
        yield letters
    finally:
        letters.close()


def _key(letter: DeadLetter) -> dl.Key | None:
    return (letter.origin.topic, letter.key) if letter.key is not None else None


def _operator() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):  # a container's user without a name
        return f"uid {os.getuid()}"

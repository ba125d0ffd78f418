"""`python -m <service> dead-letters`: inspect, replay and discard a service's dead letters.

    python -m notifications dead-letters list [--all] [--json]     # unresolved (with --all: every one)
    python -m notifications dead-letters show TOPIC:PARTITION:OFFSET
    python -m notifications dead-letters replay TOPIC:PARTITION:OFFSET   # it and what waits behind it
    python -m notifications dead-letters replay --all
    python -m notifications dead-letters discard TOPIC:PARTITION:OFFSET --reason "why"

A dead letter is named by its origin (topic, partition, offset). `--consumer NAME` picks one of the
service's consumers where more than one could hold it. What is shown is where a dead letter came from
and why, never the event's data; personal data in an error text is masked. The rules (limit, order,
replay) are in libs/events/README.md.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from typing import Any

from kafka.errors import KafkaError

from meemaken_events.dead_letter_admin import DeadLetters, Replayer
from meemaken_events.dead_letter_log import DeadLetter
from meemaken_events.dead_letters import Origin
from meemaken_events.settings import EventSettings
from meemaken_kit.personal_data import find_personal_data


def add_parser(commands: Any) -> None:
    parser = commands.add_parser("dead-letters", help="list, show, replay or discard the consumers' dead letters")
    parser.add_argument("--consumer", help="only this consumer's dead letters (default: every consumer of the service)")
    actions = parser.add_subparsers(dest="action", required=True)
    listing = actions.add_parser("list", help="the unresolved dead letters, in the order they came")
    listing.add_argument("--all", action="store_true", help="the replayed and discarded ones too")
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    show = actions.add_parser("show", help="one dead letter in full (never its data)")
    show.add_argument("origin", type=Origin.parse, help="TOPIC:PARTITION:OFFSET where it was read")
    replay = actions.add_parser("replay", help="handle again through the consumer (after the fix), in order")
    which = replay.add_mutually_exclusive_group(required=True)
    which.add_argument("origin", nargs="?", type=Origin.parse, help="it, and what waits behind it")
    which.add_argument("--all", action="store_true", help="every unresolved dead letter")
    discard = actions.add_parser("discard", help="give one up, for a reason (logged and kept on the topic)")
    discard.add_argument("origin", type=Origin.parse, help="TOPIC:PARTITION:OFFSET")
    discard.add_argument("--reason", required=True)


def run(args: argparse.Namespace, consumers: Sequence[Replayer], brokers: EventSettings) -> int:
    if args.consumer:
        consumers = [c for c in consumers if c.name == args.consumer]
        if not consumers:
            print(f"no consumer {args.consumer} in this service", file=sys.stderr)
            return 2
    if not consumers:
        print("this service has no consumers, so no dead letters")
        return 0
    opened: list[DeadLetters] = []
    try:
        opened += [DeadLetters(consumer, brokers) for consumer in consumers]
        return _act(args, opened)
    except (LookupError, ValueError) as exc:
        print(str(exc).strip("'\""), file=sys.stderr)
        return 1
    except KafkaError as exc:
        print(
            f"the broker at {brokers.kafka_bootstrap_servers} cannot tell: {type(exc).__name__}: {exc}", file=sys.stderr
        )
        return 1
    finally:
        for letters in opened:
            letters.close()


def _act(args: argparse.Namespace, opened: list[DeadLetters]) -> int:
    if args.action == "list":
        for letters in opened:
            for letter in letters.letters(everything=args.all):
                row = {"consumer": letters.consumer.name} | summary(letter)
                print(json.dumps(row) if args.json else _line(row))
        return 0
    if args.action == "replay" and args.all:
        return _report([(letters, letters.replay()) for letters in opened])
    letters = _holder(opened, args.origin)
    if args.action == "show":
        print(json.dumps(details(letters.consumer.name, letters.find(args.origin)), indent=2))
        return 0
    if args.action == "replay":
        return _report([(letters, letters.replay(args.origin))])
    letter = letters.discard(args.origin, args.reason)
    print(f"{letters.consumer.name} {letter.origin}: discarded ({args.reason.strip()})")
    return 0


def _holder(opened: list[DeadLetters], origin: Origin) -> DeadLetters:
    holders = [letters for letters in opened if any(x.origin == origin for x in letters.letters(everything=True))]
    if not holders:
        raise LookupError(f"no dead letter from {origin}")
    if len(holders) > 1:
        names = ", ".join(h.consumer.name for h in holders)
        raise ValueError(f"{origin} is a dead letter of several consumers ({names}): name one with --consumer")
    return holders[0]


def _report(results: list[tuple[DeadLetters, list[tuple[DeadLetter, str]]]]) -> int:
    failed = False
    for letters, outcomes in results:
        for letter, outcome in outcomes:
            print(f"{letters.consumer.name} {letter.origin}: {outcome}")
            failed = failed or outcome not in ("handled", "duplicate", "ignored")
    return 1 if failed else 0


def summary(letter: DeadLetter) -> dict[str, Any]:
    row = letter.summary()
    row["error"] = masked(row["error"])
    return row


def details(consumer: str, letter: DeadLetter) -> dict[str, Any]:
    """Everything about a dead letter except its data: the envelope's attributes (an event's subject is
    never personal data), its place on the dead-letter topic, and what became of it."""
    attributes = {k.removeprefix("ce_"): letter.header(k) for k, _ in letter.headers if k.startswith("ce_")}
    if find_personal_data(attributes.get("subject") or ""):  # refused when sent; a foreign producer may not
        attributes["subject"] = "[masked]"
    return {"consumer": consumer, **summary(letter)} | {
        "event": attributes,
        "data_bytes": len(letter.value or b""),
        "dead_letter_topic_position": list(letter.position),
        "parked_behind": str(letter.parked_behind) if letter.parked_behind else None,
        "reason": letter.reason,
        "resolved_at": letter.resolved_at,
    }


def masked(text: str, limit: int = 300) -> str:
    """An error text without the personal data a validation message may repeat from the event."""
    for finding in reversed(find_personal_data(text)):
        text = f"{text[: finding.start]}[{finding.kind}]{text[finding.end :]}"
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _line(row: dict[str, Any]) -> str:
    return (
        f"{row['consumer']}  {row['origin']}  {row['state']}  key={row['key']}  type={row['type']}  "
        f"at={row['time']}  error={row['error']}"
    )

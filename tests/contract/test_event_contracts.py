"""Event contracts across services: producers' events validate, consumers know every published version."""

import ast
import importlib
import inspect
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from uuid import uuid4

import pytest

from challenges.integration.outgoing import envelope_for as challenge_envelope
from meemaken_events import ConsumerLoop, EventFactory, catalogue, dead_letter_topic, fields_read
from meemaken_events.definitions import schema_of, unrequired
from meemaken_kit.config import Settings
from meemaken_kit.db import make_engine
from meemaken_testkit.kafka import declared_topics
from proposals.domain.model import ProposalAdmitted, ProposalRejected, ProposalSubmitted, RejectionReason
from proposals.integration.outgoing import envelope_for

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ["proposals", "challenges", "panels", "notifications", "gateway"]
FACTORY = EventFactory("urn:meemaken:municipality:demo:system:proposals")


def test_every_proposal_domain_event_becomes_a_valid_catalogued_cloudevent():
    pid, author = uuid4(), uuid4()
    events = [
        ProposalSubmitted(pid, "p", author, "Safer school streets", datetime.now(UTC)),
        ProposalAdmitted(pid, "p", author, "Safer school streets"),
        ProposalRejected(pid, "p", author, "Safer school streets", (RejectionReason("shouting", "no capitals"),)),
    ]
    for event in events:
        envelope = envelope_for(FACTORY, event)
        catalogue()[envelope.type].validate(dict(envelope.data))
        assert envelope.key == str(pid) == envelope.subject


def consumers() -> list[tuple[str, ConsumerLoop]]:
    """Every consumer of every service, as its worker builds it (derived from the code, not listed here)."""
    found = []
    for service in SERVICES:
        definition = importlib.import_module(f"{service}.bootstrap").SERVICE
        settings = Settings.from_env(service, {"DATABASE_URL": "sqlite://"})
        loops = definition.loops(settings, make_engine("sqlite://"))
        found += [(service, loop) for loop in loops if isinstance(loop, ConsumerLoop)]
    return found


CONSUMERS = consumers()


def test_every_service_with_consumers_is_found_including_panels():
    assert {service for service, _ in CONSUMERS} >= {"proposals", "challenges", "panels", "notifications"}


@pytest.mark.parametrize(("service", "loop"), CONSUMERS, ids=[loop.name for _, loop in CONSUMERS])
def test_a_consumer_handles_catalogued_types_of_its_topics_in_every_published_version(service, loop):
    for name in loop.handlers:
        assert name in catalogue(), f"{loop.name} handles {name}, which has no schema in the catalogue"
        assert catalogue()[name].topic in loop.topics, f"{loop.name} handles {name} but does not read its topic"
        family = name.rsplit(".v", 1)[0]
        versions = {t.name for t in catalogue() if t.name.rsplit(".v", 1)[0] == family}
        assert versions <= set(loop.handlers), f"a published version of {family} has no handler in {loop.name}"


@pytest.mark.parametrize(("service", "loop"), CONSUMERS, ids=[loop.name for _, loop in CONSUMERS])
def test_the_fields_a_consumer_reads_are_required_in_every_schema_it_handles(service, loop):
    for name, handler in loop.handlers.items():
        declared = fields_read(handler)
        assert declared is not None, f"{loop.name}: the handler of {name} does not declare what it reads (@reads)"
        assert read_in_code(handler) <= declared, f"{loop.name}: the handler of {name} reads more than it declares"
        problems = [p for p in (unrequired(catalogue()[name].schema, f) for f in sorted(declared)) if p]
        assert not problems, f"{loop.name} reads from {name}: {'; '.join(problems)}"


def read_in_code(handler) -> set[str]:
    """The fields a handler reads by subscript from ``envelope.data`` (directly or through a local name),
    found in its source: a declaration that leaves one out is caught."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(handler)))
    aliases: dict[str, tuple[str, ...]] = {}

    def path(node: ast.expr) -> tuple[str, ...] | None:
        if isinstance(node, ast.Attribute) and node.attr == "data":
            return ()
        if isinstance(node, ast.Name):
            return aliases.get(node.id)
        if isinstance(node, ast.Subscript) and isinstance(node.slice, ast.Constant):
            inner = path(node.value)
            return None if inner is None else (*inner, str(node.slice.value))
        return None

    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            found = path(node.value)
            if found is not None:
                aliases[node.targets[0].id] = found
    paths = {".".join(p) for node in ast.walk(tree) if isinstance(node, ast.Subscript) and (p := path(node))}
    return {p for p in paths if not any(other.startswith(p + ".") for other in paths)}


def test_the_code_scan_finds_reads_through_a_local_name_and_nested_subscripts():
    from panels.integration.incoming import referral_handlers

    (on_referred,) = referral_handlers(lambda conn: None).values()  # type: ignore[arg-type]
    assert read_in_code(on_referred) == {"challenge_id", "department", "details.question"}


def test_a_field_a_consumer_reads_must_be_required_not_merely_allowed():
    schema = {"required": ["details"], "properties": {"details": {"properties": {"question": {}}}}}
    assert unrequired(schema, "details.question") == "details.question is not required"
    assert unrequired(schema, "details") is None


def test_every_consumer_has_a_declared_dead_letter_topic():
    declared = {name for name, _ in declared_topics()}
    for _, loop in CONSUMERS:
        assert dead_letter_topic(loop.name) in declared, loop.name


@pytest.mark.parametrize("service", SERVICES)
def test_the_committed_schemas_are_those_generated_from_the_producers_code(service):
    definition = importlib.import_module(f"{service}.bootstrap").SERVICE
    for event in definition.events:
        assert catalogue()[event.type].schema == schema_of(event), f"run `python -m {service} event-schemas`"
    generated = {
        t.name for t in catalogue() if "x-generated-from" in t.schema and t.name.startswith(f"org.meemaken.{service}.")
    }
    assert generated == {event.type for event in definition.events}, "a generated schema whose type is not declared"


def test_every_event_a_challenge_can_raise_has_a_schema_and_validates():
    from challenges.domain.states import EVENT_OF, OTHER_EVENTS
    from challenges.integration.outgoing import type_of

    assert {type_of(name) for name in [*EVENT_OF.values(), *OTHER_EVENTS]} <= {t.name for t in catalogue()}


def test_a_whole_challenge_life_produces_valid_cloudevents(tmp_path):
    import sys

    sys.path.insert(0, str(ROOT / "services" / "challenges" / "tests"))
    from challenge_builders import NOW, new_challenge

    from challenges.domain.gates import Facts, Window, check_gates

    factory = EventFactory("urn:meemaken:municipality:demo:system:challenges")
    c = new_challenge("uk")
    c.submit(NOW)
    c.acknowledge(NOW)
    c.start_admissibility_check(NOW)
    facts = Facts(NOW, True, (Window(NOW, NOW),), None, (), 1, "charity", 20, (), 0)
    c.record_gates(check_gates(c.profile, facts), NOW)
    c.request_information(NOW, "Accounts, please.")
    c.supply_information(NOW, "Attached.")
    c.refer_to_panel(NOW, "Should residents run the library?")
    c.extend_decision_term(NOW, "P2W", "Panel advice awaited.")
    c.deadline_warning(NOW, "decision", breached=False)
    assessor = uuid4()
    c.assign_assessor(NOW, assessor)
    for criterion in c.criteria.criteria:
        c.score(NOW, assessor, criterion.code, None, "Fine.")  # England's criteria are considered, not scored
    c.propose_decision(NOW, {g.code: (True, "Checked.") for g in c.profile.gates if not g.automatic})
    from challenges.domain.challenge import ActedBy

    c.acting = ActedBy(uuid4(), "decision_body")  # an approval is always someone's
    c.approve_notice_text(NOW, "decision", "The group can run the library.")
    c.acting = None
    c.accept(NOW, "Accepted.")
    c.start_agreement(NOW)
    assert len(c.events) > 15
    for event in c.events:
        envelope = challenge_envelope(factory, event)
        catalogue()[envelope.type].validate(dict(envelope.data))


@pytest.mark.parametrize("service", SERVICES)
def test_every_schema_of_a_service_is_generated_from_its_code(service):
    hand_written = [
        t.name
        for t in catalogue()
        if t.name.startswith(f"org.meemaken.{service}.") and "x-generated-from" not in t.schema
    ]
    assert not hand_written, f"{service} publishes types whose schema is not generated: {hand_written}"

from pathlib import Path

from meemaken_events import catalogue
from meemaken_events.catalogue import TYPE_PATTERN

ROOT = Path(__file__).resolve().parents[4]


def declared_topics() -> set[str]:
    lines = (ROOT / "infra" / "kafka" / "topics.txt").read_text().splitlines()
    return {line.split()[0] for line in lines if line.strip() and not line.startswith("#")}


def test_every_type_is_reverse_dns_with_a_major_version_and_has_a_schema_id():
    for event_type in catalogue():
        assert TYPE_PATTERN.match(event_type.name)
        assert event_type.schema["$id"] == event_type.dataschema
        assert event_type.version >= 1


def test_every_topic_in_the_catalogue_is_declared_for_creation():
    assert catalogue().topics() <= declared_topics()

from meemaken_events import catalogue
from meemaken_events.catalogue import TYPE_PATTERN
from meemaken_testkit.kafka import declared_topics


def test_every_type_is_reverse_dns_with_a_major_version_and_has_a_schema_id():
    for event_type in catalogue():
        assert TYPE_PATTERN.match(event_type.name)
        assert event_type.schema["$id"] == event_type.dataschema
        assert event_type.version >= 1


def test_every_topic_in_the_catalogue_is_declared_for_creation():
    assert catalogue().topics() <= {name for name, _ in declared_topics()}


def test_every_schema_is_valid_draft_7_and_compiles():
    from jsonschema import Draft7Validator

    for event_type in catalogue():
        Draft7Validator.check_schema(event_type.schema)
        assert callable(event_type.is_valid)

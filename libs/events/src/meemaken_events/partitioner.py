"""The producers' partitioner: a key's partition as every Kafka client chooses it, for less CPU.

kafka-python's `DefaultPartitioner` hashes the key with the Java client's murmur2, so that one aggregate's
events land on one partition whichever client sent them. Its murmur2 reads the key byte by byte in Python, and
the partitioner builds two sets and a sorted list of the topic's partitions for every record: together 9% of the
relay's samples (bench/profiles/pipeline-s12-relay.svg). `KeyHash` gives the same partition for every key
(`murmur2` here is the same function, read a 32-bit word at a time; libs/events/tests/unit/test_partitioner.py compares
both on random keys) and leaves a record without a key to `DefaultPartitioner`.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import Any

from kafka.partitioner import DefaultPartitioner

_SEED = 0x9747B28C
_M = 0x5BD1E995  # the mixing constant of MurmurHash2
_MASK = 0xFFFFFFFF
_WORDS: dict[int, Callable[[bytes], tuple[int, ...]]] = {}  # n -> reads n little-endian 32-bit words
_KEPT_WORDS = 64  # readers kept for keys up to 256 bytes (aggregate ids); a longer key's is made for it alone


def murmur2(data: bytes) -> int:
    """MurmurHash2 of `data` as Kafka's Java client computes it (org.apache.kafka.common.utils.Utils.murmur2),
    as an unsigned 32-bit number."""
    length = len(data)
    h = _SEED ^ length
    count = length >> 2
    words = _WORDS.get(count)
    if words is None:
        words = struct.Struct(f"<{count}I").unpack_from
        if count <= _KEPT_WORDS:
            _WORDS[count] = words
    for k in words(data):
        k = (k * _M) & _MASK
        k = ((k ^ (k >> 24)) * _M) & _MASK
        h = ((h * _M) & _MASK) ^ k
    tail = length & 3
    if tail:
        end = length - tail
        if tail == 3:
            h ^= data[end + 2] << 16
        if tail >= 2:
            h ^= data[end + 1] << 8
        h = ((h ^ data[end]) * _M) & _MASK
    h ^= h >> 13
    h = (h * _M) & _MASK
    return h ^ (h >> 15)


class KeyHash(DefaultPartitioner):  # type: ignore[misc]  # kafka-python has no type hints
    """`DefaultPartitioner`'s partition for a record with a key (see the module's text); without one, its own."""

    def partition(
        self, topic: str, key: Any, serialized_key: bytes | None, value: Any, serialized_value: Any, cluster: Any
    ) -> int:
        if serialized_key is None:
            return int(super().partition(topic, key, serialized_key, value, serialized_value, cluster))
        partitions = cluster.partitions_for_topic(topic)
        if not partitions:
            raise ValueError(f"Topic {topic} not found in ClusterMetadata")
        ordered = sorted(partitions)
        return int(ordered[(murmur2(serialized_key) & 0x7FFFFFFF) % len(ordered)])

"""JSON on the events' path (an envelope's data, the outbox row, the challenges' state), read and written by orjson:
a fifth to a tenth of the standard library's time, on every event at every hop (`bench/README.md`, fourteenth
session). Where orjson would read or write a different value than `json`, `json` does it, so nothing changes but
the time:

- reading: text with a run of 19 or more digits (an integer beyond 64 bits, which orjson reads as a float) and
  anything orjson refuses (NaN, Infinity, a lone surrogate, a byte order mark, not JSON) go to `json.loads`,
  which reads it, or raises its own `ValueError`, as before;
- writing: what orjson refuses (a key that is not text, an integer beyond 64 bits, a lone surrogate) goes to
  `json.dumps`. Datetimes go to the caller's `default`, as with `json`.

One value is written otherwise: NaN and Infinity, which are not JSON (RFC 8259) and which every service refuses at
its door (`meemaken_kit.input_guard`), orjson writes as null, where `json` wrote the non-JSON token `NaN` (that
PostgreSQL's JSON columns refuse). Finding them in a value costs a walk of it in Python, more than orjson's write.

The text is compact (no spaces after `,` and `:`) and UTF-8; floats are written shortest-first. Both libraries read
back the same value from either.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import orjson

# A run of 19 digits, found as a run of zero bytes after mapping each ASCII digit to 0 and any other byte to 1 (a
# regular expression took ten times orjson's time to scan an envelope)
_DIGITS_TO_ZERO = bytes(0 if ord("0") <= byte <= ord("9") else 1 for byte in range(256))
_LONG_DIGITS = bytes(19)
# Datetimes, dataclasses and subclasses of str, int, dict and list to `default` (and so to `json`), as `json` writes
# them; orjson writes a UUID where `json` refused it.
_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS | orjson.OPT_PASSTHROUGH_SUBCLASS


def loads(text: str | bytes) -> Any:
    """`json.loads(text)`, mostly by orjson. Bytes must be UTF-8 (as `text.decode()` before `json.loads`)."""
    try:
        utf8 = text if isinstance(text, bytes) else text.encode()
        if utf8.translate(_DIGITS_TO_ZERO).find(_LONG_DIGITS) < 0:
            return orjson.loads(utf8)
    except (UnicodeEncodeError, orjson.JSONDecodeError):  # a lone surrogate; what orjson does not read
        pass
    return json.loads(text.decode() if isinstance(text, bytes) else text)


def dumps(value: Any, default: Callable[[Any], Any] | None = None) -> bytes:
    """`json.dumps(value, default=default, separators=(",", ":")).encode()`, mostly by orjson: the same value when
    read back (orjson writes text as UTF-8, `json` escapes what is not ASCII), NaN and Infinity as null."""
    try:
        return orjson.dumps(value, default=default, option=_OPTIONS)
    except TypeError:  # orjson.JSONEncodeError: a key that is not text, an integer beyond 64 bits, default's refusal
        return json.dumps(value, default=default, separators=(",", ":")).encode()

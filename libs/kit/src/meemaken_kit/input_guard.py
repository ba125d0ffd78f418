"""Hostile input stops at the door: one check before any view, for every service.

What no endpoint can store or compute with, whatever its schema says, is refused with a 4xx problem
naming the field, before anything is read or written:

- an integer beyond the 64-bit range a database column holds (in the JSON body, the query string or a
  path segment matched as an integer), and integers of more than 19 digits (Python refuses to parse
  4,300 digits at all);
- JSON nested deeper than ``MAX_DEPTH`` levels (deep nesting exhausts the parser's recursion);
- a string with a lone surrogate (``"\\ud800"``: it cannot be encoded as UTF-8 and so never stored) or
  a NUL character (PostgreSQL refuses it; nothing a person types contains one), in the body, the query
  string or the path;
- a JSON body that is not JSON (422 for a body that parses but breaks these rules, 400 when it does
  not parse at all).

Each refusal names its field by a JSON pointer (RFC 6901: ``a~1b`` for a key ``a/b``), ``NaN`` and
``Infinity`` included; only nesting is named at the body (``/``).

Schemas still say what each field means; this says what no field may be.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, request

from meemaken_kit.problems import VALIDATION, pointer_token, problem

INT_MAX = 2**63 - 1
INT_MIN = -(2**63)
MAX_DEPTH = 32
_DIGITS = re.compile(r"^[+-]?\d+$")


class Refused(ValueError):
    def __init__(self, pointer: str, detail: str) -> None:
        super().__init__(detail)
        self.pointer, self.detail = pointer, detail


class _TooLong(int):
    """An integer literal too long to convert (its digit count), kept so the walk can name its field."""


def _int(text: str) -> int:
    digits = text.lstrip("+-")
    return _TooLong(len(digits)) if len(digits) > 19 else int(text)


def _check_int(value: int) -> None:
    if isinstance(value, _TooLong):
        raise ValueError(f"an integer of {int(value)} digits is out of range")
    if not INT_MIN <= value <= INT_MAX:
        raise ValueError("an integer beyond ±9,223,372,036,854,775,807 is out of range")


class _Constant(str):
    """``NaN``, ``Infinity`` or ``-Infinity`` in a body (JSON has none of them), kept so the walk can name its field."""


def check_text(pointer: str, text: str) -> None:
    if "\x00" in text:
        raise Refused(pointer, "contains a NUL character")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise Refused(pointer, "contains a lone surrogate: not valid Unicode text") from None


def _walk(value: Any, pointer: str, depth: int) -> Iterator[tuple[str, Any]]:
    if depth > MAX_DEPTH:
        raise Refused(pointer or "/", f"nested more than {MAX_DEPTH} levels deep")
    if isinstance(value, dict):
        for key, item in value.items():
            check_text(f"{pointer}/{pointer_token(key)}", key)
            yield from _walk(item, f"{pointer}/{pointer_token(key)}", depth + 1)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, f"{pointer}/{i}", depth + 1)
    else:
        yield pointer or "/", value


def check_json(raw: bytes) -> None:
    """Raise `Refused` for a body no endpoint may take; `json.JSONDecodeError` when it is not JSON."""
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH and _depth(raw) > MAX_DEPTH:
        raise Refused("/", f"nested more than {MAX_DEPTH} levels deep")
    try:
        document = json.loads(raw, parse_int=_int, parse_constant=_Constant)
    except ValueError as e:
        if isinstance(e, json.JSONDecodeError):
            raise
        raise Refused("/", str(e)) from None
    for pointer, value in _walk(document, "", 0):
        if isinstance(value, _Constant):
            raise Refused(pointer, f"{value} is not a number JSON allows")
        if isinstance(value, str):
            check_text(pointer, value)
        elif isinstance(value, int) and not isinstance(value, bool):
            try:
                _check_int(value)
            except ValueError as e:
                raise Refused(pointer, str(e)) from None
        elif isinstance(value, float) and not math.isfinite(value):
            raise Refused(pointer, "is not a finite number")


def _depth(raw: bytes) -> int:
    """The deepest nesting of brackets outside strings (a linear scan, no recursion)."""
    deepest = depth = 0
    in_string = escaped = False
    for byte in raw:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):
            depth += 1
            deepest = max(deepest, depth)
        elif byte in (0x5D, 0x7D):
            depth -= 1
    return deepest


def _refused(status: int, pointer: str, detail: str) -> Response:
    where = pointer.strip("/") or "the request body"
    errors = [{"pointer": pointer, "detail": detail}]
    return problem(status, "Invalid request", f"{where}: {detail}.", VALIDATION, errors=errors)


def check_request() -> Response | None:
    """The before-request check; a problem response refuses the request."""
    try:
        for name, value in (request.view_args or {}).items():
            if isinstance(value, int) and not INT_MIN <= value <= INT_MAX:
                return problem(404, "Not Found", f"No such {name}: the number is out of range.")
            if isinstance(value, str):
                check_text(f"/path/{name}", value)
        for name, value in request.args.items(multi=True):
            check_text(f"/query/{name}", name)
            check_text(f"/query/{name}", value)
            if _DIGITS.match(value.strip()):
                try:
                    _check_int(_int(value.strip()))
                except ValueError as e:
                    raise Refused(f"/query/{name}", str(e)) from None
        if request.method in ("POST", "PUT", "PATCH") and request.is_json:
            raw = request.get_data(cache=True)
            if raw.strip():
                check_json(raw)
    except Refused as e:
        return _refused(422, e.pointer, e.detail)
    except json.JSONDecodeError as e:
        return _refused(400, "/", f"not valid JSON ({e.msg} at character {e.pos})")
    except UnicodeDecodeError:
        return _refused(400, "/", "not valid UTF-8")
    return None


def install_input_guard(app: Flask) -> None:
    app.before_request(check_request)

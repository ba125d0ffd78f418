"""Writes docs/configuration.md, the one table of every variable the services read, from their settings
classes (meemaken_kit.config.Settings and each service's subclass).

    python tools/settings_table.py           # write it
    python tools/settings_table.py --check   # fail when the committed table is not what the code says
"""

from __future__ import annotations

import argparse
import sys
import typing
from pathlib import Path
from typing import Any

from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from meemaken_kit.config import EventSettings, Settings, names, secret

ROOT = Path(__file__).resolve().parents[1]
TABLE = ROOT / "docs" / "configuration.md"
SERVICES = ("gateway", "proposals", "challenges", "panels", "notifications")

HEAD = """# Configuration

Every service reads its configuration from the environment once, at start, into one typed settings object:
`meemaken_kit.config.Settings` for what all services share, and a subclass per service
(`services/<service>/src/<service>/settings.py`) for its own. A wrong value stops the process at start with
one line naming the variable and what it expects. A secret (marked *secret*) is the variable, or the
contents of the file named by the variable with `_FILE` appended (a mounted secret); it is never printed.
An empty variable counts as unset. `<SERVICE>` stands for the service's name in capitals (`PROPOSALS`).

This file is written by `python tools/settings_table.py` from those classes (a test checks that it is
up to date): change a setting there, not here.
"""

# Read where a library or a server reads them itself (variables, meaning).
ELSEWHERE = (
    (
        "the other `OTEL_*` (`OTEL_EXPORTER_OTLP_HEADERS`, `..._TIMEOUT`, `..._CERTIFICATE`, "
        "`OTEL_RESOURCE_ATTRIBUTES`, `OTEL_TRACES_SAMPLER`, ...)",
        "the OpenTelemetry SDK's exporters and sampler, read by the SDK itself (the `OTEL_*` rows above decide "
        "whether and where `meemaken_kit.tracing` traces)",
    ),
    (
        "`XDG_CACHE_HOME`",
        "where development secrets and the development signing key are made once (default `~/.cache`), "
        "outside the repository; never in production",
    ),
    (
        "`WEB_CONCURRENCY`",
        "the API's processes, read by `meemaken_kit.serve` (Granian; the gateway 1, the others 2; "
        "services/gateway/README.md)",
    ),
    ("`PROMETHEUS_MULTIPROC_DIR`", "set by `serve` for prometheus_client, read at its import"),
)


def default(field: FieldInfo) -> str:
    value: Any = field.default
    if value is PydanticUndefined or value is None or value in ("", {}):
        return ""
    if isinstance(value, bool):
        return str(value).lower()
    return f"`{value}`"


def kind(field: FieldInfo) -> str:
    """The field's type in a reader's words: ``text``, ``number``, one of a few values, a file."""
    annotation: Any = field.annotation
    shown = "secret" if secret(field) else TYPES.get(str(annotation), "")
    if not shown and typing.get_origin(annotation) is typing.Literal:
        shown = " \\| ".join(f"`{value}`" for value in typing.get_args(annotation))
    if not shown:
        raise TypeError(f"tools/settings_table.py has no words for {annotation} ({names(field)})")
    return shown


TYPES = {
    "<class 'str'>": "text",
    "<class 'int'>": "whole number",
    "<class 'float'>": "number",
    "<class 'bool'>": "true/false",
    "<class 'pathlib.Path'>": "path",
    "pathlib.Path | None": "path",
    "typing.Optional[pathlib.Path]": "path",
    "typing.Optional[typing.Annotated[pathlib.Path, PathType(path_type='file')]]": "existing file",
    "str | None": "text",
    "typing.Optional[str]": "text",
    "float | None": "number",
    "typing.Optional[float]": "number",
    "int | None": "whole number",
    "typing.Optional[int]": "whole number",
    "dict[str, str]": "text (one variable per claim)",
}


def rows(fields: dict[str, FieldInfo]) -> list[str]:
    lines = ["| variable | type | default | meaning |", "|---|---|---|---|"]
    for field in fields.values():
        variables = ", ".join(f"`{name}`" for name in names(field))
        if not variables:
            continue
        lines.append(f"| {variables} | {kind(field)} | {default(field)} | {field.description or ''} |")
    return lines


def table() -> str:
    events = EventSettings.model_fields
    shared = Settings.model_fields
    parts = [HEAD, "## Every service\n", *rows({n: f for n, f in shared.items() if n not in events}), ""]
    parts += ["## Every service: Kafka, dead letters, the inbox (`meemaken_events.settings`)\n", *rows(events), ""]
    for service in SERVICES:
        fields = Settings.for_service(service).model_fields.items()  # its own, and the shared ones it overrides
        own = {name: f for name, f in fields if name not in shared or f.default != shared[name].default}
        parts.append(f"## {service}\n")
        parts.extend([*rows(own), ""] if own else ["Nothing of its own.", ""])
    parts += ["## Read by libraries and servers themselves\n", "| variable | meaning |", "|---|---|"]
    parts += [f"| {variables} | {meaning} |" for variables, meaning in ELSEWHERE]
    return "\n".join(parts) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if docs/configuration.md is out of date")
    args = parser.parse_args(argv)
    text = table()
    if args.check:
        if not TABLE.exists() or TABLE.read_text() != text:
            print(f"{TABLE.relative_to(ROOT)} is out of date: run `python tools/settings_table.py`", file=sys.stderr)
            return 1
        return 0
    TABLE.write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

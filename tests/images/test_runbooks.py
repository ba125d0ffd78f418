"""The runbooks in docs/operations/ cite only what exists (no services, no container engine needed).

Read from their code (fenced blocks and inline code) and links: every `python -m <service> ...` parses with
that service's own command line, every `meemaken <command>` is one the images' entry point knows, every
`make <target>` is a target of the Makefile, every `bash <script> <command>` is a command of that script, and
every path into the repository and every link to another page exists. The key-rotation lines of
rotate-keys.md are run, and what they write is what the gateway loads.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUNBOOKS = ROOT / "docs" / "operations"
PAGES = sorted(RUNBOOKS.glob("*.md"))
SERVICES = sorted(path.parent.name for path in ROOT.glob("services/*/src/*/__main__.py"))
TOP_FOLDERS = ("infra", "services", "libs", "docs", "tests", "bench", "tools")
# Made by infra/compose/make_secrets.py on the operator's machine, never committed.
GENERATED = ("infra/.env", "infra/compose/secrets")

FENCE = re.compile(r"^[ \t]*```[^\n]*\n(.*?)^[ \t]*```", re.S | re.M)  # also inside a numbered step
INLINE = re.compile(r"`([^`\n]+)`")
LINK = re.compile(r"\]\(([^)\s]+)\)")
PATH = re.compile(r"(?:^|(?<=[\s\"'(=]))((?:" + "|".join(TOP_FOLDERS) + r")/[\w./-]*)")
MAKE = re.compile(r"(?:^|(?<=[\s;&(]))make ([a-z][\w-]*)")
SCRIPT = re.compile(r"\bbash ((?:infra|tools)/[\w./-]+\.sh)(?: ([a-z][\w-]*))?")


def code_lines(page: Path) -> list[str]:
    """Every line of the page's fenced code, and every inline code span outside it."""
    text = page.read_text()
    lines = [line for block in FENCE.findall(text) for line in block.splitlines()]
    prose = FENCE.sub("", text)
    return lines + INLINE.findall(prose)


def cited(pattern: re.Pattern[str]) -> Iterator[tuple[str, str]]:
    for page in PAGES:
        for line in code_lines(page):
            for found in pattern.finditer(line):
                yield page.name, found.group(0)


def python_commands() -> list[tuple[str, str, list[str]]]:
    """(page, service, arguments) of every `python -m <service> ...` in the runbooks."""
    found = []
    for page in PAGES:
        for line in code_lines(page):
            if "python -m " not in line:
                continue
            tokens = shlex.split(line, comments=True)
            if any("<" in token for token in tokens):  # a pattern such as `python -m <service> migrate`
                continue
            for i, token in enumerate(tokens[:-1]):
                if token.endswith("python") and tokens[i + 1] == "-m" and i + 2 < len(tokens):
                    rest = tokens[i + 3 :]
                    ends = [n for n, t in enumerate(rest) if t in ("|", ";", "&&", ">", "<")]
                    found.append((page.name, tokens[i + 2], rest[: ends[0]] if ends else rest))
    return found


class Parsed(Exception):
    pass


def parses(service: str, arguments: list[str]) -> str:
    """'' when `python -m <service> <arguments>` parses with the service's command line, else argparse's complaint.
    Parsing stops before anything runs: the top-level parse_args hands its result over as an exception."""
    main = importlib.import_module("meemaken_kit.service").main
    definition = importlib.import_module(f"{service}.bootstrap").SERVICE
    original = argparse.ArgumentParser.parse_args

    def parse_only(self: argparse.ArgumentParser, *args: Any, **kwargs: Any) -> NoReturn:
        original(self, *args, **kwargs)
        raise Parsed

    errors: list[str] = []

    def refuse(self: argparse.ArgumentParser, message: str) -> NoReturn:
        errors.append(message)
        sys.exit(2)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(argparse.ArgumentParser, "parse_args", parse_only)
        patch.setattr(argparse.ArgumentParser, "error", refuse)
        with contextlib.suppress(Parsed, SystemExit):
            main(definition, arguments)
    return "; ".join(errors)


def test_the_runbooks_are_there_and_linked_from_the_readmes() -> None:
    runbooks = {"deploy", "upgrade", "scale-out", "rotate-keys", "dead-letters", "restore", "alerts", "gaps"}
    assert {page.stem for page in PAGES} >= runbooks | {"README"}
    index = (RUNBOOKS / "README.md").read_text()
    assert all(f"]({name}.md)" in index for name in runbooks)
    assert "docs/operations/" in (ROOT / "README.md").read_text()
    assert "docs/operations/" in (ROOT / "infra" / "README.md").read_text()


def test_every_python_m_command_parses_with_its_services_command_line() -> None:
    commands = python_commands()
    assert len(commands) > 10, "the runbooks' commands were not found: has the markdown's shape changed?"
    wrong = []
    for page, service, arguments in commands:
        if service not in SERVICES:
            wrong.append(f"{page}: python -m {service}: no such service ({', '.join(SERVICES)})")
        elif complaint := parses(service, arguments):
            wrong.append(f"{page}: python -m {service} {shlex.join(arguments)}: {complaint}")
    assert not wrong, "\n".join(wrong)


def test_the_check_refuses_commands_that_do_not_exist() -> None:
    assert parses("proposals", ["dead-letters", "replay", "--all"]) == ""
    assert parses("proposals", ["worker", "--only", "relay"]) == ""
    assert "invalid choice" in parses("proposals", ["rebuild-read-models"])
    assert parses("proposals", ["dead-letters", "replay"])  # an origin or --all
    assert parses("proposals", ["dead-letters", "show", "not-an-origin"])
    assert parses("proposals", ["migrate", "--to", "0003"])


def test_every_entry_point_command_is_one_the_image_knows() -> None:
    entry = (ROOT / "infra" / "images" / "meemaken").read_text()
    known = set(re.findall(r"^\s+([a-z]+)\)", entry, re.M)) | {"python"}  # anything else runs as given
    assert {"api", "worker", "migrate", "healthcheck"} <= known
    wrong = []
    for page in PAGES:
        for line in code_lines(page):
            tokens = line.split()
            if tokens[:1] == ["helm"]:  # `helm upgrade --install meemaken infra/helm/meemaken`: the release's name
                continue
            for before, token, after in zip(["", *tokens], tokens, [*tokens[1:], ""], strict=False):
                if token == "meemaken" and after and before not in ("-n", "--namespace", "namespace"):
                    if after not in known:
                        wrong.append(f"{page.name}: meemaken {after}")
    assert not wrong, "\n".join(wrong)


def test_every_make_target_exists() -> None:
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([a-z][\w-]*):(?!=)", makefile, re.M))
    wrong = [f"{page}: {text}" for page, text in cited(MAKE) if text.split()[1] not in targets]
    assert not wrong, "\n".join(wrong)


def script_commands(script: Path) -> set[str]:
    """The words of a shell script's `case "$1" in` labels (`up)`, `start|stop)`)."""
    labels = re.findall(r"^\s+([\w|-]+)\)", script.read_text(), re.M)
    return {word for label in labels for word in label.split("|")}


def test_every_script_and_its_command_exist() -> None:
    wrong = []
    for page, text in cited(SCRIPT):
        script, _, command = text.removeprefix("bash ").partition(" ")
        path = ROOT / script
        if not path.is_file():
            wrong.append(f"{page}: {script} does not exist")
        elif command and command not in script_commands(path):
            wrong.append(f"{page}: {script} has no command {command}")
    assert not wrong, "\n".join(wrong)


def test_every_cited_path_and_link_exists() -> None:
    make_secrets = (ROOT / "infra" / "compose" / "make_secrets.py").read_text()
    assert "infra/.env" in make_secrets and "infra/compose/secrets/" in make_secrets
    wrong = []
    for name, text in cited(PATH):
        path = text.rstrip(".")
        if not path.startswith(GENERATED) and not (ROOT / path).exists():
            wrong.append(f"{name}: {path}")
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if "://" in target or target.startswith("#"):
                continue
            if not (page.parent / target.split("#", 1)[0]).resolve().exists():
                wrong.append(f"{page.name}: link {target}")
    assert not wrong, "\n".join(wrong)


def test_the_signing_key_rotation_lines_make_the_files_the_gateway_loads(tmp_path: Path) -> None:
    """rotate-keys.md's three rounds, run as written: the new key added last, then first, then alone."""
    lines = [line.strip() for line in code_lines(RUNBOOKS / "rotate-keys.md") if "python -c" in line]
    assert len(lines) == 3
    from meemaken_kit.tokens import SigningKey, SigningKeys

    old = SigningKey.generate()
    (tmp_path / "signing-keys.json").write_text(json.dumps({"keys": [old.private_jwk()]}))
    kids = []
    for line in lines:
        command = line.replace(".venv/bin/python", shlex.quote(sys.executable), 1)
        subprocess.run(["bash", "-c", command], cwd=tmp_path, check=True, timeout=60)
        written = tmp_path / line.rsplit("> ", 1)[1]
        kids.append([key.kid for key in SigningKeys.from_file(written).keys])
    new = kids[0][1]
    assert kids == [[old.kid, new], [new, old.kid], [new]]


def test_every_alert_rule_has_its_section_in_alerts_md() -> None:
    """The rules link to docs/operations/alerts.md#<name in lower case>: a `## <name>` heading makes that anchor."""
    rules = ROOT / "infra" / "monitoring" / "alerts.yaml"
    if not rules.exists():
        pytest.skip("infra/monitoring/alerts.yaml is not there yet")
    import yaml

    names = {rule["alert"] for group in yaml.safe_load(rules.read_text())["groups"] for rule in group["rules"]}
    headings = set(re.findall(r"^## (Meemaken\w+)$", (RUNBOOKS / "alerts.md").read_text(), re.M))
    assert names, "no alert rules found"
    assert headings == names, f"without a section: {sorted(names - headings)}; no such rule: {sorted(headings - names)}"

"""Validates the Helm chart offline (`make helm-check`; infra/README.md, "Kubernetes: the Helm chart").

    python3 infra/helm/check.py            # build the tools if needed, then lint, render and validate
    python3 infra/helm/check.py tools      # only build helm and kubeconform (go install), print their paths
    python3 infra/helm/check.py template [values.yaml...]   # print the rendered manifests

For the default values and for every values file in meemaken/ci/: `helm lint --strict`, `helm template`, then
`kubeconform -strict` against the Kubernetes JSON schemas that the PyPI package kubernetes-validate ships
(made loadable offline: their `$id` removed and their `$ref`s made relative to the schema's own folder).
helm and kubeconform are built with `go install` from the Go module proxy, once per version, into
~/.cache/meemaken/tools/<tool>-<version>/ (helm takes minutes to build; later runs take the cached binary).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHART = HERE / "meemaken"
KUBERNETES_VERSION = "1.31.0"  # the oldest minor version still supported upstream when this was written
RELEASE, NAMESPACE = "meemaken", "meemaken"
TOOLS = {
    "helm": ("helm.sh/helm/v3/cmd/helm", "v3.22.0"),
    "kubeconform": ("github.com/yannh/kubeconform/cmd/kubeconform", "v0.8.0"),
}


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "meemaken"


def tool(name: str) -> Path:
    """The cached binary of `name` at its pinned version, built with `go install` the first time."""
    module, version = TOOLS[name]
    binary = cache_dir() / "tools" / f"{name}-{version}" / name
    if binary.is_file():
        return binary
    go = shutil.which("go") or ("/usr/local/go/bin/go" if Path("/usr/local/go/bin/go").is_file() else None)
    if go is None:
        raise SystemExit(f"{name} {version} is built with `go install {module}@{version}`: install Go first")
    binary.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=binary.parent) as gobin:
        print(f"building {name} {version} (go install; helm takes minutes, once)", file=sys.stderr)
        environment = os.environ | {"GOBIN": gobin, "CGO_ENABLED": "0", "GOFLAGS": "-buildvcs=false"}
        subprocess.run([go, "install", f"{module}@{version}"], env=environment, check=True)
        os.replace(Path(gobin) / name, binary)  # atomic: a concurrent build loses nothing
    return binary


def schemas() -> Path:
    """kubernetes-validate's strict schemas of KUBERNETES_VERSION, rewritten to load from files: a folder
    laid out as kubeconform's -schema-location template below expects."""
    import kubernetes_validate  # requirements-dev.txt

    package = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"
    source = package / f"v{KUBERNETES_VERSION}-local-strict"
    made_from = f"kubernetes-validate-{version('kubernetes-validate')}"
    target = cache_dir() / "kubernetes-schemas" / made_from / f"v{KUBERNETES_VERSION}"
    if (target / "_definitions.json").is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent))
    for path in source.glob("*.json"):
        schema = json.loads(path.read_text())
        schema.pop("$id", None)
        text = json.dumps(schema).replace('"$ref": "/api/_definitions.json#', '"$ref": "_definitions.json#')
        (staging / path.name).write_text(text)
    try:
        staging.rename(target)
    except OSError:  # made meanwhile by another run
        shutil.rmtree(staging)
    return target


def values_files() -> list[list[Path]]:
    """The value sets checked: the defaults, and each file of meemaken/ci/ over them."""
    return [[], *([path] for path in sorted((CHART / "ci").glob("*.yaml")))]


def template(values: list[Path]) -> str:
    command = [str(tool("helm")), "template", RELEASE, str(CHART), "--namespace", NAMESPACE]
    command += ["--kube-version", KUBERNETES_VERSION]
    command += [f"--values={path}" for path in values]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"helm template {' '.join(p.name for p in values)}: {done.stderr}")
    return done.stdout


def lint(values: list[Path]) -> None:
    command = [str(tool("helm")), "lint", "--strict", str(CHART), "--namespace", NAMESPACE]
    command += ["--kube-version", KUBERNETES_VERSION]
    command += [f"--values={path}" for path in values]
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)


def kubeconform(manifests: str) -> dict[str, int]:
    """kubeconform -strict on the manifests, with no schema fetched: its summary (valid, invalid, ...)."""
    location = str(schemas()) + "/{{ .ResourceKind }}{{ .KindSuffix }}.json"
    command = [str(tool("kubeconform")), "-strict", "-summary", "-output", "json"]
    command += ["-kubernetes-version", KUBERNETES_VERSION, "-schema-location", location, "-"]
    done = subprocess.run(command, input=manifests, capture_output=True, text=True)
    report = json.loads(done.stdout)
    for resource in report.get("resources", []):
        print(
            f"  {resource['kind']} {resource['name']}: {resource['status']} {resource.get('msg', '')}", file=sys.stderr
        )
    summary: dict[str, int] = report["summary"]
    if done.returncode != 0 or summary["invalid"] or summary["errors"] or summary["skipped"]:
        raise SystemExit(f"kubeconform: {summary}")
    return summary


def check() -> None:
    for values in values_files():
        name = ", ".join(p.name for p in values) or "default values"
        lint(values)
        summary = kubeconform(template(values))
        print(
            f"helm lint, helm template and kubeconform -strict (Kubernetes {KUBERNETES_VERSION}), {name}: "
            f"{summary['valid']} resources valid"
        )


def main(argv: list[str]) -> int:
    if argv[:1] == ["tools"]:
        for name in TOOLS:
            print(tool(name))
    elif argv[:1] == ["template"]:
        print(template([Path(p) for p in argv[1:]]), end="")
    elif not argv:
        check()
    else:
        print(__doc__, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

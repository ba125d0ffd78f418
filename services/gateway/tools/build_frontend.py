"""Build the portal's front-end files from the pinned npm packages (package.json, package-lock.json).

The NL Design System's component CSS (``@utrecht/*-css``, EUPL-1.2) is concatenated and whitespace-
trimmed into ``src/gateway/static/vendor/nlds.css``; its licence notice goes beside it. The result is
generated (not committed): ``make frontend`` runs ``npm ci`` and this script, and ``make run``, ``make
test`` and the gateway's tests run it first. The look comes from the project's tokens (``theme/``),
served by the gateway itself, so nothing is fetched from a CDN at run time.

    python services/gateway/tools/build_frontend.py [--if-missing]
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENDOR = ROOT / "src" / "gateway" / "static" / "vendor"
OUTPUT = VENDOR / "nlds.css"
LICENSE = "/*! NL Design System component CSS (@utrecht/*-css), EUPL-1.2, (c) Frameless B.V., Gemeente Utrecht */\n"


def packages() -> list[str]:
    manifest = json.loads((ROOT / "package.json").read_text())
    return sorted(name for name in manifest["dependencies"] if name.startswith("@utrecht/") and name.endswith("-css"))


def trimmed(css: str) -> str:
    """Comments out, whitespace collapsed: a third of the bytes, the same rules."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S)
    css = re.sub(r"\s+", " ", css)
    css = re.sub(r"\s*([{};,>])\s*", r"\1", css)
    css = re.sub(r"\(\s+", "(", css)
    css = re.sub(r"\s+\)", ")", css)
    return css.replace(";}", "}").strip()


def build() -> Path:
    modules = ROOT / "node_modules"
    if not all((modules / name / "dist" / "index.css").exists() for name in packages()):
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=ROOT, check=True)
    parts = [trimmed((modules / name / "dist" / "index.css").read_text()) for name in packages()]
    VENDOR.mkdir(parents=True, exist_ok=True)
    OUTPUT.write_text(LICENSE + "\n".join(parts) + "\n")
    return OUTPUT


def main(argv: list[str]) -> None:
    stale = not OUTPUT.exists() or OUTPUT.stat().st_mtime < (ROOT / "package-lock.json").stat().st_mtime
    if "--if-missing" in argv and not stale:
        return
    print(f"built {build().relative_to(ROOT)} ({OUTPUT.stat().st_size} bytes)")


if __name__ == "__main__":
    main(sys.argv[1:])

"""The third-party requirements of the pyproject.toml files given, one a line: the meemaken-* packages left out.

The images install those of the shared libs in one layer that all five service images share, then each
service's own in a layer of its image (infra/images/service.Dockerfile): read from the pyproject.toml files
alone, so a change to the code rebuilds none of it.
    python3 requirements.py libs/*/pyproject.toml
    python3 requirements.py services/proposals/pyproject.toml
"""

import re
import sys
import tomllib


def requirements(paths: list[str]) -> list[str]:
    wanted: dict[str, None] = {}
    for path in paths:
        with open(path, "rb") as file:
            for requirement in tomllib.load(file)["project"].get("dependencies", []):
                if not re.match(r"meemaken[-_]", requirement, re.IGNORECASE):
                    wanted[requirement] = None
    return list(wanted)


if __name__ == "__main__":
    print("\n".join(requirements(sys.argv[1:])))

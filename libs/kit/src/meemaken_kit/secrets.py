"""Secrets and keys from configuration, never from the repository: one way for every service.

A secret the settings list is a ``SecretStr`` field (meemaken_kit.config: ``NAME`` or the file ``NAME_FILE``
names). ``configured_secret("NAME", env)`` reads one whose name no field can list (a client's, at the gateway)
from the environment its settings read. Outside production, a missing one may fall back to a random secret made
once on this machine (``$XDG_CACHE_HOME/meemaken/``, outside the repository); ``MEEMAKEN_ENV=production``
refuses that fallback.
"""

from __future__ import annotations

import os
import secrets
import uuid
from collections.abc import Callable, Mapping
from pathlib import Path


def production(env: Mapping[str, str]) -> bool:
    return env.get("MEEMAKEN_ENV", "development").strip().lower() == "production"


def machine_dir(env: Mapping[str, str]) -> Path:
    """Where this machine keeps its development secrets and keys: the XDG cache (``XDG_CACHE_HOME``, the
    desktop's convention, default ~/.cache), outside the repository."""
    return Path(env.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "meemaken"


def write_once(path: Path, content: Callable[[], str]) -> None:
    """Create ``path`` (mode 600) with ``content()`` unless it exists; atomic: among processes racing
    to create it, the first wins and the others keep its content."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:6]}")
    tmp.write_text(content())
    tmp.chmod(0o600)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        tmp.unlink()


def development_secret(name: str, env: Mapping[str, str]) -> str:
    """A random secret kept on this machine for ``name``; refused in production."""
    if production(env):
        raise RuntimeError(f"MEEMAKEN_ENV=production needs {name} or {name}_FILE")
    path = machine_dir(env) / f"development-{name.lower().replace('_', '-')}"
    write_once(path, lambda: secrets.token_urlsafe(48))
    return path.read_text().strip()


def configured_secret(name: str, env: Mapping[str, str], *, development_default: bool = True) -> str | None:
    """``name``, or the file ``name_FILE`` names; else (development only) a machine-local secret, or
    None when ``development_default`` is off."""
    value = env.get(name)
    if value:
        return value
    path = env.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    if not development_default:
        return None
    return development_secret(name, env)

"""Cleans up after a test process that died without doing so itself (SIGKILL, SIGTERM, a crash).

    python -m meemaken_testkit.reaper <owner pid> <folder> <cleanup command...>

Runs in its own session, so a Ctrl-C to the tests does not reach it. When the owner process is
gone it runs the cleanup command (stop the broker or the cluster), then removes the folder. The
owner, when it cleans up itself, simply terminates its reaper.
"""

from __future__ import annotations

import atexit
import os
import select
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path


class LocalServer:
    """What the local servers (Kafka, PostgreSQL, Keycloak) share: a folder of their own, a reaper that
    cleans up if the test process dies, and ``destroy`` that does it when the tests are done."""

    _reaper: subprocess.Popen[bytes] | None

    @property
    def folder(self) -> Path:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def discard(self) -> None:
        """End the server whose folder goes next: a clean stop, unless the server has a quicker end that loses
        nothing of worth (its data is thrown away)."""
        self.stop()

    def destroy(self) -> None:
        """End the server and remove its folder (idempotent)."""
        if self._reaper is None:
            return
        try:
            if self.folder.exists():
                self.discard()
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)
            dismiss(self._reaper)
            self._reaper = None
            atexit.unregister(self.destroy)


def wait_for_exit(pid: int) -> None:
    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        return
    except OSError:  # no pidfd (old kernel): poll
        while True:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                return
            time.sleep(1)
    try:
        select.select([fd], [], [])
    finally:
        os.close(fd)


def main(argv: list[str]) -> None:
    owner, folder, command = int(argv[0]), argv[1], argv[2:]
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # the owner cleaned up itself
    wait_for_exit(owner)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if command:
        subprocess.run(command, check=False, timeout=60, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    shutil.rmtree(folder, ignore_errors=True)


def spawn(folder: str, command: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    """Start a reaper for this process; terminate the returned process once cleaned up."""
    return subprocess.Popen(
        [sys.executable, "-m", "meemaken_testkit.reaper", str(os.getpid()), folder, *command],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def dismiss(reaper: subprocess.Popen[bytes] | None) -> None:
    if reaper is not None and reaper.poll() is None:
        reaper.terminate()
        try:
            reaper.wait(timeout=10)
        except subprocess.TimeoutExpired:
            reaper.kill()
            reaper.wait()


if __name__ == "__main__":
    main(sys.argv[1:])

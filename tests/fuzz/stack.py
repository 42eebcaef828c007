"""The stack the fuzzer calls: `make run` (local/run.py) on ports of its own.

The same runner as `make run`: its own in-memory moto with the tables and the demo data, the
local scheduler, and `chalice local` on 127.0.0.1:SHELF_FUZZ_PORT (8300; moto on
SHELF_FUZZ_MOTO_PORT, 8301). Its run state and test clock files are its own too, so a
developer's `make run` (and the `make token` / `make jobs` that find it) is left alone. Its
output goes to build/fuzz-stack.log (every request's log line, and the traceback of any 500);
the progress lines ("==> ...") are relayed until it is ready (~70 s).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
HOST = "127.0.0.1"
LOG_FILE = REPO_ROOT / "build" / "fuzz-stack.log"
READY_MARK = "ready after"
READY_SECONDS = 300.0  # make run is ready in ~70 s; a loaded CI machine gets room
STOP_SECONDS = 30.0


class StackFailed(RuntimeError):
    """The stack exited or did not become ready."""


class Stack:
    """A running `python -m local.run`; `url` is where it serves."""

    def __init__(self, port: int, moto_port: int, progress: Callable[[str], object] = print):
        self.port, self.moto_port, self.progress = port, moto_port, progress
        self.url = f"http://{HOST}:{port}"
        self.process: subprocess.Popen | None = None
        self._ready = threading.Event()

    def start(self) -> None:
        LOG_FILE.parent.mkdir(exist_ok=True)
        log = LOG_FILE.open("w", encoding="utf-8", buffering=1)  # line by line: readable mid-run
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.run"], cwd=REPO_ROOT, env=self._env(),
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            start_new_session=True)  # a Ctrl-C at the terminal reaches pytest, which stops it
        threading.Thread(target=self._relay, args=(log,), daemon=True).start()
        started = time.monotonic()
        while not self._ready.wait(0.5):
            if self.process.poll() is not None:
                raise StackFailed(f"local.run exited with {self.process.returncode}; "
                                  f"see {LOG_FILE.relative_to(REPO_ROOT)}")
            if time.monotonic() - started > READY_SECONDS:
                raise StackFailed(f"not ready after {READY_SECONDS:.0f}s; "
                                  f"see {LOG_FILE.relative_to(REPO_ROOT)}")

    def stop(self) -> None:
        """SIGTERM, which local.run handles as Ctrl-C (chalice local, then moto); SIGKILL if it
        has not exited within STOP_SECONDS."""
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=STOP_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def _env(self) -> dict[str, str]:
        """make run's environment, not the test suite's (tests/conftest.py sets stage test and
        removes what make run would read)."""
        env = {name: value for name, value in os.environ.items()
               if not name.startswith(("PYTEST", "AWS_ENDPOINT_URL", "SHELF_"))}
        build = REPO_ROOT / "build"
        env.update({
            "SHELF_STAGE": "local",
            "SHELF_PORT": str(self.port),
            "SHELF_MOTO_PORT": str(self.moto_port),
            "SHELF_RUN_STATE_FILE": str(build / "fuzz-run.json"),
            "SHELF_TEST_CLOCK_FILE": str(build / "fuzz-clock.json"),
            "PYTHONUNBUFFERED": "1",
        })
        return env

    def _relay(self, log) -> None:
        with log:
            for line in self.process.stdout:
                log.write(line)
                if self._ready.is_set():
                    continue
                if line.startswith("==>"):
                    self.progress(line.rstrip())
                if READY_MARK in line:
                    self._ready.set()

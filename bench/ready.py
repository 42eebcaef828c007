"""`make run` until ready: seconds from start to serving, two steps at a time against one by one.

    python -m bench.ready [--json PATH]

Starts `python -m local.run` RUNS times each way, interleaved (drift on the machine hits both
alike): as `make run` does it, two independent preparation steps at a time (`local.lanes`),
and with SHELF_PREPARE_LANES=0, every step one after another, the baseline. Each run has its
own free ports, run-state and test-clock files, so a `make run` you have open is left alone;
it is stopped (SIGTERM) once it prints `ready after …s`, the figure taken. Not a step of
`make bench` (about five minutes).
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.table import render, run_section
from local.run import free_port

REPO = Path(__file__).resolve().parent.parent
RUNS = 2  # per way
TARGET_SECONDS = 60.0  # two steps at a time, median
READY = re.compile(r"ready after ([0-9.]+)s")
WAYS = {"two at a time": "1", "one after another": "0"}


def time_to_ready(lanes: str, progress) -> float:
    """One `make run` (local.run) until it is ready; its own figure, in seconds."""
    with tempfile.TemporaryDirectory(prefix="shelf-ready-") as scratch:
        env = {**os.environ, "SHELF_PORT": str(free_port()), "SHELF_PREPARE_LANES": lanes,
               "SHELF_RUN_STATE_FILE": str(Path(scratch) / "run.json"),
               "SHELF_TEST_CLOCK_FILE": str(Path(scratch) / "clock.json"),
               "PYTHONUNBUFFERED": "1"}
        for name in ("SHELF_MOTO_PORT", "AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB",
                     "AWS_ENDPOINT_URL_SQS"):
            env.pop(name, None)  # its own moto, as a plain `make run`
        child = subprocess.Popen([sys.executable, "-m", "local.run"], cwd=REPO, env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            for line in child.stdout:
                if line.startswith("==> ") and "ready after" not in line:
                    progress(f"    {line[4:].strip()[:90]}")
                if found := READY.search(line):
                    return float(found.group(1))
            raise RuntimeError(f"local.run ended before it was ready (exit {child.wait()})")
        finally:
            child.send_signal(signal.SIGTERM)
            try:
                child.wait(timeout=30)
            except subprocess.TimeoutExpired:
                child.kill()
                child.wait()


def measure(progress) -> dict:
    seconds: dict[str, list[float]] = {way: [] for way in WAYS}
    for run in range(1, RUNS + 1):
        for way, lanes in WAYS.items():
            progress(f"run {run}/{RUNS}, {way}")
            started = time.monotonic()
            seconds[way].append(time_to_ready(lanes, progress))
            progress(f"  ready after {seconds[way][-1]:.1f}s "
                     f"(and stopped, {time.monotonic() - started:.0f}s in all)")
    return {"runs": RUNS, "cores": os.cpu_count(), "load_average": os.getloadavg()[0],
            "seconds": seconds, "median": {way: statistics.median(s)
                                           for way, s in seconds.items()}}


def report(figures: dict) -> None:
    print(f"\n`make run` until ready ({figures['cores']} cores, load {figures['load_average']:.1f}"
          f" at the end, {figures['runs']} runs each, interleaved)")
    rows = [[way, f"{figures['median'][way]:.1f}",
             ", ".join(f"{s:.1f}" for s in figures["seconds"][way])] for way in WAYS]
    print(render(["preparation", "median s", "runs s"], rows, right={1}))


def targets(figures: dict) -> tuple[list[str], list[str]]:
    median = figures["median"]["two at a time"]
    line = f"make run ready in {median:.1f} s (≤ {TARGET_SECONDS:g} s)"
    return ([line], []) if median <= TARGET_SECONDS else ([], [line])


def main(argv: list[str] | None = None) -> int:
    return run_section(__doc__.splitlines()[0], measure, report, targets, argv)


if __name__ == "__main__":
    sys.exit(main())

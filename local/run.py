"""`make run`: DynamoDB (moto unless an endpoint is given), tables, demo data, then `chalice local`.

    python -m local.run

Steps, one progress line each:
1. Environment defaults, each only when the variable is unset (the caller's environment wins):
   SHELF_STAGE=local, AWS_DEFAULT_REGION=us-east-1, fake AWS credentials. SHELF_JWT_SECRET is
   left unset, so the settings' development secret signs tokens (`make token` uses the same).
   The test clock (chalicelib.domain.clock): SHELF_TEST_CLOCK_FILE=build/local-clock.json for
   this process and its children, reset to offset 0 when DynamoDB is this run's own (empty)
   moto, kept when you give the endpoint (its data may have been written in moved time); the
   file stays on exit. `make jobs` and `make token` read time on it while this runs.
2. DynamoDB and SQS: AWS_ENDPOINT_URL_DYNAMODB and AWS_ENDPOINT_URL_SQS when set (DynamoDB
   Local, a moto you run yourself, ...); for what is not set, an in-memory moto server on
   127.0.0.1 (port SHELF_MOTO_PORT, or a free one) whose endpoint is exported to this process
   and to chalice local. Its data is gone on exit.
3. Missing tables and the jobs queue are created; the demo catalog, creators, campaigns, demo
   shoppers and 90 days of history are loaded when the shops table is empty, and then the
   score job, the search index and the feeds job run once (`local.prepare`). On the runner's
   own moto this happens inside the moto process, in-process, before it answers any request;
   against endpoints you give, here, over HTTP.
4. A local scheduler: the events stream and the jobs queue every 2 s, the scheduled jobs every
   20 s (`chalice local` serves HTTP only).
5. `chalice local --stage local` on 127.0.0.1:${SHELF_PORT:-8000}. The `local` stage in
   .chalice/config.json sets no environment variables on purpose, so what is set here reaches
   the app unchanged.

Ctrl-C (SIGINT), SIGTERM or SIGHUP stops chalice local and moto and exits 0. If chalice local
exits by itself, moto is stopped and its exit code is returned.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from local.prepare import detail, step

REPO_ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
DEFAULT_PORT = 8000
CHILD_STOP_SECONDS = 10
SERVICE_NAMES = {"DYNAMODB": "DynamoDB", "SQS": "SQS"}
# where a running `make run` leaves its endpoints and clock file for `make jobs` and `make token`
# (removed on exit); SHELF_RUN_STATE_FILE moves it, so a second stack (`make fuzz`) leaves the
# developer's `make run` its own
RUN_STATE = Path(os.environ.get("SHELF_RUN_STATE_FILE") or REPO_ROOT / "build" / "local-run.json")
# the test clock's offset (POST /ops/clock), next to it; kept on exit
CLOCK_FILE = REPO_ROOT / "build" / "local-clock.json"
LOG_LEVEL = "POWERTOOLS_LOG_LEVEL"

ENV_DEFAULTS = {
    "SHELF_STAGE": "local",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "SHELF_FEEDS_EVERY_SECONDS": "1800",  # the feeds job's demo cadence (nightly in AWS)
}


class _Stop(Exception):
    """SIGTERM or SIGHUP arrived; handled like Ctrl-C."""


def start_local_scheduler(stop_event: threading.Event,
                          pollers: tuple[Callable[[], int], ...] = ()) -> threading.Thread:
    """Fire the app's scheduled jobs while serving, since `chalice local` serves HTTP only.

    Every job of `chalicelib.jobs.registry()` (the same bodies app.py schedules in AWS) runs
    every SHELF_LOCAL_JOB_SECONDS (default 20), and each of `pollers` every
    SHELF_LOCAL_POLL_SECONDS (default 2): what Lambda's pollers do in AWS (the events streams
    into their consumers, the jobs queue into the job runner). Each poller has a thread of its
    own, as each Lambda event source does, so a long job run (the feeds job's chunks) never
    holds up the behaviour stream a checkout's attribution waits for. A line is printed when a
    run changed something. The returned thread ends, with all the others, once `stop_event`
    is set.
    """
    job_every = float(os.environ.get("SHELF_LOCAL_JOB_SECONDS", "20"))
    poll_every = min(job_every, float(os.environ.get("SHELF_LOCAL_POLL_SECONDS", "2")))

    def run_jobs() -> None:
        from chalicelib.jobs import registry

        while not stop_event.wait(job_every):
            for name, job in registry().items():
                _call(f"job {name}", job)

    def poll(poller: Callable[[], int]) -> None:
        while not stop_event.wait(poll_every):
            _call(getattr(poller, "__name__", "poller"), poller)

    def supervise() -> None:
        workers = [threading.Thread(target=run_jobs, name="local-jobs", daemon=True)]
        workers += [threading.Thread(target=poll, args=(poller,), daemon=True,
                                     name=f"local-{getattr(poller, '__name__', 'poller')}")
                    for poller in pollers]
        for worker in workers:
            worker.start()
        stop_event.wait()
        for worker in workers:
            worker.join()

    thread = threading.Thread(target=supervise, name="local-scheduler", daemon=True)
    thread.start()
    step(f"local scheduler: {len(_job_names())} jobs every {job_every:g}s "
         f"(SHELF_LOCAL_JOB_SECONDS), {len(pollers)} pollers every {poll_every:g}s, "
         "each on its own thread")
    return thread


def _call(name: str, work: Callable[[], object]) -> None:
    try:
        outcome = work()
    except Exception as error:  # a failing job must not stop the local server
        detail(f"  {name} failed: {error!r}")
        return
    if _did_something(outcome):
        detail(f"  {name}: {outcome}")


def _did_something(outcome: dict | int) -> bool:
    """A poller did work when it returns a positive count; a job, when its summary holds True
    or a positive count."""
    if isinstance(outcome, int):
        return outcome > 0
    if outcome.get("started") is False:
        return False
    return any(value is True or (type(value) is int and value > 0)
               for key, value in outcome.items() if key != "day")


def _job_names() -> list[str]:
    from chalicelib.jobs import registry

    return list(registry())


def main() -> int:
    started = time.monotonic()
    _install_signal_handlers()
    try:
        return _run(started)
    except (KeyboardInterrupt, _Stop):
        step("interrupted: stopped")
        return 0


def _run(started: float) -> int:
    port = int(os.environ.get("SHELF_PORT", str(DEFAULT_PORT)))
    _apply_env_defaults()
    # This process's jobs and pollers report in progress lines; the service's JSON log lines
    # stay at the caller's level (chalice local gets it back).
    service_log_level = os.environ.get(LOG_LEVEL)
    os.environ[LOG_LEVEL] = "WARNING"
    if not _port_is_free(port):
        step(f"port {HOST}:{port} is in use: stop what runs there or set SHELF_PORT")
        return 1
    moto_port = int(os.environ.get("SHELF_MOTO_PORT") or 0)
    starts_moto = not os.environ.get("AWS_ENDPOINT_URL_DYNAMODB")
    if starts_moto and moto_port and not _port_is_free(moto_port):
        # Checked here: moto's server thread would die on the bind and leave start() waiting.
        step(f"port {HOST}:{moto_port} is in use: stop what runs there or unset SHELF_MOTO_PORT")
        return 1
    from chalicelib.settings import SettingsError  # reads nothing at import
    from local.moto_server import PreparationFailed

    _start_test_clock(fresh_database=starts_moto)  # before moto's preparation reads the time
    moto = _start_dynamodb(moto_port, f"http://{HOST}:{port}")
    scheduler_stop = threading.Event()
    try:
        try:
            seeded = _prepare_database(moto, port)
        except SettingsError as error:
            step(f"settings: {error}")
            return 2
        except PreparationFailed as failed:
            return failed.args[0] or 1
        start_local_scheduler(scheduler_stop, _pollers(skip_backlog=seeded))
        return _serve(port, started, service_log_level)
    finally:
        scheduler_stop.set()
        RUN_STATE.unlink(missing_ok=True)
        if moto is not None:
            moto.stop()
            step("moto stopped")


def _apply_env_defaults() -> None:
    applied = []
    for name, value in ENV_DEFAULTS.items():
        if not os.environ.get(name):
            os.environ[name] = value
            applied.append(f"{name}={value}")
    region = os.environ.get("AWS_REGION") or os.environ["AWS_DEFAULT_REGION"]
    defaults = f" (defaults: {', '.join(applied)})" if applied else ""
    step(f"environment: stage {os.environ['SHELF_STAGE']}, region {region}{defaults}")
    if not os.environ.get("SHELF_JWT_SECRET"):
        detail("  SHELF_JWT_SECRET is not set: the development secret signs tokens "
               "(fine locally; `make token` signs with the same one)")


def _start_test_clock(fresh_database: bool) -> None:
    """SHELF_TEST_CLOCK_FILE (CLOCK_FILE unless the caller set one) for this process and every
    child, so all of them read the same moved time; back to offset 0 on a fresh database."""
    from chalicelib.domain import clock

    if not os.environ.get(clock.CLOCK_FILE_ENV):
        os.environ[clock.CLOCK_FILE_ENV] = str(CLOCK_FILE)
    if fresh_database:
        clock.reset()
    how = "reset: a fresh moto" if fresh_database else "kept: the database is yours"
    step(f"test clock: {os.environ[clock.CLOCK_FILE_ENV]}, offset "
         f"{clock.offset_ms() // 1000}s ({how}; POST /ops/clock moves it)")


def running_stack() -> dict | None:
    """What a running `make run` left in RUN_STATE (`dynamodb`, `sqs`, `clock_file`), or None
    when there is none or its endpoints do not answer."""
    import urllib.request

    try:
        state = json.loads(RUN_STATE.read_text())
        for url in (state["dynamodb"], state["sqs"]):
            urllib.request.urlopen(url, timeout=1).close()  # moto answers GET / with 200
    except (OSError, ValueError, KeyError):
        return None
    return state


def join_test_clock(state: dict | None) -> None:
    """Read time on the test clock of the running `make run` described by `state`, if any."""
    from chalicelib.domain import clock

    if state and state.get("clock_file"):
        os.environ[clock.CLOCK_FILE_ENV] = state["clock_file"]


def _start_dynamodb(moto_port: int, base_url: str):
    """Moto on a local port for whatever the caller does not point at already (DynamoDB with its
    streams, SQS for the jobs queue); returns the server, or None when none was needed. When it
    serves both, it prepares the demo database itself. The endpoints are left in RUN_STATE for
    `make jobs`."""
    given = {service: os.environ.get(f"AWS_ENDPOINT_URL_{service}")
             for service in ("DYNAMODB", "SQS")}
    server = None
    if not all(given.values()):
        from local import moto_server

        prepare_for = None if any(given.values()) else base_url
        server, endpoint = moto_server.start_process(HOST, moto_port, prepare_for)
        for service, url in given.items():
            if not url:
                os.environ[f"AWS_ENDPOINT_URL_{service}"] = endpoint
    dynamodb = os.environ["AWS_ENDPOINT_URL_DYNAMODB"]
    os.environ.setdefault("AWS_ENDPOINT_URL_DYNAMODB_STREAMS", dynamodb)  # DynamoDB Local too
    RUN_STATE.parent.mkdir(exist_ok=True)
    RUN_STATE.write_text(json.dumps({"dynamodb": dynamodb,
                                     "sqs": os.environ["AWS_ENDPOINT_URL_SQS"],
                                     "clock_file": os.environ.get("SHELF_TEST_CLOCK_FILE")}))
    for service, url in given.items():
        source = f"from AWS_ENDPOINT_URL_{service}" if url else "moto, in memory: gone on exit"
        step(f"{SERVICE_NAMES[service]}: {os.environ[f'AWS_ENDPOINT_URL_{service}']} ({source})")
    return server


def _prepare_database(moto, port: int) -> bool:
    """Tables, queue and demo data (`local.prepare`): done by the moto process when it serves
    both DynamoDB and SQS, else here; True when the demo data was loaded now."""
    from local.prepare import ensure_local_queue, prepare_database

    if moto is None or not moto.prepares:
        return prepare_database(f"http://{HOST}:{port}")
    seeded = moto.wait_prepared(relay=detail)
    ensure_local_queue()  # its URL on the endpoint, exported for chalice local
    return seeded


def _pollers(skip_backlog: bool = False) -> tuple[Callable[[], int], ...]:
    """The stream and queue pollers. `skip_backlog`: the stream is read from its end, since
    the demo data just loaded (counters and the search index in bulk) reflects every event
    already in it."""
    from local.pumps import BehaviourStreamPump, EventsStreamPump, drain_job_queue

    def count_events() -> int:
        return stream.pump()

    def count_behaviour() -> int:
        return behaviour.pump()

    def job_chunks() -> int:
        return drain_job_queue()

    stream = EventsStreamPump(from_end=skip_backlog)
    behaviour = BehaviourStreamPump(from_end=skip_backlog)
    return count_events, count_behaviour, job_chunks


def _serve(port: int, started: float, log_level: str | None) -> int:
    from local.api_server import command as api_command

    command = api_command(HOST, port)
    env = dict(os.environ)
    env.pop(LOG_LEVEL)
    if log_level is not None:
        env[LOG_LEVEL] = log_level
    env.setdefault("PYTHONUNBUFFERED", "1")  # its "Serving on" line shows up even when piped
    step(f"chalice local on http://{HOST}:{port} (Ctrl-C stops everything)")
    # Its own process group: a terminal Ctrl-C reaches this runner only, which then stops the
    # child in order (chalice local first, then moto) instead of both dying at once.
    child = subprocess.Popen(command, cwd=REPO_ROOT, env=env, process_group=0)
    threading.Thread(target=_announce_ready, args=(child, port, started), daemon=True).start()
    try:
        code = child.wait()
    except (KeyboardInterrupt, _Stop):
        _ignore_signals()
        step("stopping chalice local")
        _stop_child(child)
        return 0
    step(f"chalice local exited with code {code}")
    return code if code >= 0 else 128 - code


def _announce_ready(child: subprocess.Popen, port: int, started: float) -> None:
    while child.poll() is None:
        try:
            with socket.create_connection((HOST, port), timeout=0.5):
                step(f"ready after {time.monotonic() - started:.1f}s: http://{HOST}:{port}")
                return
        except OSError:
            time.sleep(0.1)


def _stop_child(child: subprocess.Popen) -> None:
    if child.poll() is not None:
        return
    child.terminate()
    try:
        child.wait(timeout=CHILD_STOP_SECONDS)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()


def free_port() -> int:
    """A port on HOST that nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((HOST, port))
        except OSError:
            return False
    return True


def _install_signal_handlers() -> None:
    def stop(signum, frame):
        raise _Stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGHUP, stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _ignore_signals() -> None:
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, signal.SIG_IGN)


if __name__ == "__main__":
    sys.exit(main())

"""A fault-injecting HTTP proxy in front of the moto server, and the stack that talks through it.

    proxy = FaultProxy(moto_url, rate=0.1, seed=11)   # 10 % of DynamoDB calls go wrong
    proxy.start(); ...; proxy.injected                  # Counter of (fault, operation)

Every DynamoDB call (X-Amz-Target `DynamoDB_20120810.*`) draws from a seeded random generator:
with probability `rate` it gets one fault, chosen evenly from FAULTS. Streams and SQS calls pass
untouched (what is under test is the service's DynamoDB calls, not Lambda's pollers). The draws
are seeded, so a run injects the same number of faults for the same number of calls; which
call gets which depends on how the client threads interleave.

Before forwarding (the call never reached DynamoDB):
  throttle       400 ProvisionedThroughputExceededException or ThrottlingException, alternately
  error_500      500 InternalServerError
  drop           the connection closed without an answer
After forwarding (the call took effect and its answer is lost):
  error_500_after, drop_after

`script` forces faults on the next calls of one operation (deterministic tests):
proxy.script["TransactWriteItems"] = ["drop_after"].
"""

from __future__ import annotations

import http.client
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

import requests

from local import api_server
from tests.integration.conftest import REPO, _stop, free_port, stack_env, wait_until_up

BEFORE = ("throttle", "error_500", "drop")
AFTER = ("error_500_after", "drop_after")
FAULTS = BEFORE + AFTER
DYNAMODB_TARGET = "DynamoDB_20120810."
_JSON = "application/x-amz-json-1.0"
_THROTTLES = (
    "com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",
    "com.amazon.coral.availability#ThrottlingException",
)
_INTERNAL = "com.amazonaws.dynamodb.v20120810#InternalServerError"

# What each fault test injected and saw (test_faults.report), for the table `make faults` prints.
REPORTS: list[dict] = []


def print_reports(write_line) -> None:
    """One line per test run, then the totals: calls, faults injected by kind."""
    if not REPORTS:
        return
    write_line("faults injected (DynamoDB calls through the proxy):")
    total_calls, total_by_fault = 0, Counter()
    for summary in REPORTS:
        by_fault = summary.get("by_fault", {})
        total_calls += summary.get("calls", 0)
        total_by_fault.update(by_fault)
        kinds = ", ".join(f"{fault} {count}" for fault, count in sorted(by_fault.items()))
        write_line(f"  {summary['test']:<16} {round(summary['rate'] * 100):>3} %  "
                   f"{summary.get('calls', 0):>6} calls  {summary.get('injected', 0):>5} "
                   f"injected  ({kinds or 'none'})")
    kinds = ", ".join(f"{fault} {count}" for fault, count in sorted(total_by_fault.items()))
    write_line(f"  total: {len(REPORTS)} runs, {total_calls} calls, "
               f"{sum(total_by_fault.values())} faults injected ({kinds})")



class FaultProxy:
    """A threaded HTTP proxy to `upstream` that injects FAULTS into DynamoDB calls."""

    def __init__(self, upstream: str, rate: float = 0.0, seed: int = 0):
        self.upstream = urlsplit(upstream)
        self.rate = rate
        self.script: dict[str, deque] = {}
        self.calls: Counter = Counter()  # DynamoDB calls seen, by operation
        self.injected: Counter = Counter()  # (fault, operation)
        self._random = random.Random(seed)
        self._lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), _handler_class(self))
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"

    def start(self) -> FaultProxy:
        threading.Thread(target=self._server.serve_forever, name="fault-proxy",
                         daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def configure(self, rate: float, seed: int) -> None:
        """A new share of faulty calls and a new seed; the counts start again."""
        with self._lock:
            self.rate, self._random = rate, random.Random(seed)
            self.calls.clear()
            self.injected.clear()
            self.script.clear()

    def force(self, operation: str, *faults: str) -> None:
        """The next calls of `operation` get `faults`, one each, whatever the rate."""
        with self._lock:
            self.script.setdefault(operation, deque()).extend(faults)

    @property
    def total_injected(self) -> int:
        return sum(self.injected.values())

    def summary(self) -> dict:
        """Calls and injected faults, for a test's report."""
        by_fault = Counter()
        for (fault, _), count in self.injected.items():
            by_fault[fault] += count
        return {"calls": sum(self.calls.values()), "injected": self.total_injected,
                "by_fault": dict(sorted(by_fault.items()))}

    def choose(self, operation: str) -> str | None:
        """The fault for one call of `operation`, or None; counted."""
        with self._lock:
            self.calls[operation] += 1
            scripted = self.script.get(operation)
            if scripted:
                fault = scripted.popleft()
            elif self._random.random() < self.rate:
                fault = self._random.choice(FAULTS)
            else:
                return None
            self.injected[(fault, operation)] += 1
            return fault

    def forward(self, method: str, path: str, headers: dict, body: bytes):
        """Send the request to the upstream: (status, headers, body)."""
        connection = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port,
                                                timeout=60)
        try:
            connection.request(method, path, body=body, headers=headers)
            answer = connection.getresponse()
            return answer.status, answer.getheaders(), answer.read()
        finally:
            connection.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128  # chalice local opens a connection per client thread at once


_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length",
               "proxy-connection", "upgrade"}


def _handler_class(proxy: FaultProxy):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, as botocore's pool expects
        # headers and body go out in two writes: without TCP_NODELAY the client's delayed ACK
        # holds the body back 40 ms per answer
        disable_nagle_algorithm = True

        def log_message(self, *args) -> None:
            pass

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            target = self.headers.get("X-Amz-Target", "")
            operation = target.removeprefix(DYNAMODB_TARGET)
            fault = proxy.choose(operation) if target.startswith(DYNAMODB_TARGET) else None
            if fault in BEFORE:
                return self._fail(fault, operation)
            headers = {name: value for name, value in self.headers.items()
                       if name.lower() not in _HOP_BY_HOP}
            status, answer_headers, answer = proxy.forward(self.command, self.path, headers,
                                                           body)
            if fault in AFTER:
                return self._fail(fault, operation)
            self.send_response(status)
            for name, value in answer_headers:
                if name.lower() not in _HOP_BY_HOP and name.lower() not in ("date", "server"):
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def _fail(self, fault: str, operation: str) -> None:
            if fault.startswith("drop"):
                self.close_connection = True  # no answer at all: the client sees a reset
                return
            if fault == "throttle":
                kind = _THROTTLES[proxy.injected[(fault, operation)] % 2]  # alternately
                status, error = 400, {"__type": kind, "message": "Rate of requests exceeds "
                                      "the allowed throughput."}
            else:
                status, error = 500, {"__type": _INTERNAL, "message": "Internal server error"}
            payload = json.dumps(error).encode()
            self.send_response(status)
            self.send_header("Content-Type", _JSON)
            self.send_header("x-amzn-RequestId", "fault-proxy")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

    return Handler


class FaultStack:
    """A moto server process, a FaultProxy in front of it, and `chalice local` whose DynamoDB
    calls go through the proxy (its SQS and streams calls go to moto directly). Tables get
    their own prefix, so this stack's state is only its tests'."""

    PREFIX = "shelf-faults-"

    def __init__(self):
        self.moto_url = self.api_url = ""
        self.proxy: FaultProxy | None = None
        self._moto = self._api = self._api_log = None

    def start(self) -> FaultStack:
        moto_port, api_port = free_port(), free_port()
        self.moto_url = f"http://127.0.0.1:{moto_port}"
        self._moto = subprocess.Popen(
            [sys.executable, "-m", "local.moto_server", "--port", str(moto_port)], cwd=REPO,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wait_until_up(self.moto_url, self._moto)
        self.proxy = FaultProxy(self.moto_url).start()
        subprocess.run([sys.executable, "-c", "from chalicelib.store.tables import "
                        "create_missing_tables as c; c()"], cwd=REPO, env=self.env(direct=True),
                       check=True, stdout=subprocess.DEVNULL)
        # its log lines, for a failing test's message; closed in stop()
        self._api_log = tempfile.TemporaryFile()  # noqa: SIM115
        self._api = subprocess.Popen(
            api_server.command("127.0.0.1", api_port),
            cwd=REPO, env=self.env(), stdout=self._api_log, stderr=subprocess.STDOUT)
        self.api_url = f"http://127.0.0.1:{api_port}"
        wait_until_up(self.api_url, self._api)
        return self

    def api_log(self, last: int = 4000) -> str:
        """The end of chalice local's output (its JSON log lines and any traceback)."""
        self._api_log.seek(0)
        return self._api_log.read().decode(errors="replace")[-last:]

    def env(self, direct: bool = False) -> dict:
        """The environment of a process on this stack: DynamoDB through the proxy (or, with
        `direct`, straight to moto), streams and SQS to moto."""
        env = stack_env(self.moto_url)
        env.update({
            "SHELF_TABLE_PREFIX": self.PREFIX,
            "AWS_ENDPOINT_URL_DYNAMODB": self.moto_url if direct else self.proxy.url,
            "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": self.moto_url,
            "SHELF_FAULTS_MOTO_URL": self.moto_url,  # the workers' stream reads
        })
        return env

    def stop(self) -> None:
        if self._api is not None:
            _stop(self._api)
        if self.proxy is not None:
            self.proxy.stop()
        if self._moto is not None:
            _stop(self._moto)
        if self._api_log is not None:
            self._api_log.close()


# --- a client that retries as a real one would, and keeps every answer ---------------------

RETRIED_CODES = {"dynamodb_unavailable", "contended", "request_in_progress"}


class PatientClient:
    """Sends each request until it is answered for good, as a careful client does: again after
    a 503 (after Retry-After, shortened here: the proxy's faults do not last), a 429
    `contended`, a 409 `request_in_progress`, or a connection the local server dropped (its
    accept backlog is 5); waits grow from 0.05 s to 0.5 s. It keeps trying for PATIENCE_SECONDS,
    longer than a key can stay "in progress" (the request cutoff, chalicelib/store/base.py).
    The same headers go each time, so a checkout keeps its Idempotency-Key. Every answer is
    kept in `answers` for `assert_well_formed`."""

    PATIENCE_SECONDS = 40

    def __init__(self, api_url: str):
        self.api_url = api_url
        self.answers: list[requests.Response] = []
        self._lock = threading.Lock()

    def send(self, method: str, path: str, **kwargs) -> requests.Response:
        give_up, wait, last = time.monotonic() + self.PATIENCE_SECONDS, 0.05, "no answer"
        while time.monotonic() < give_up:
            try:
                answer = requests.request(method, self.api_url + path, timeout=60, **kwargs)
            except requests.ConnectionError as error:
                last = repr(error)
            else:
                with self._lock:
                    self.answers.append(answer)
                if not _retried(answer):
                    return answer
                last = f"{answer.status_code} {answer.text[:300]}"
            time.sleep(wait)
            wait = min(wait * 1.5, 0.5)
        raise AssertionError(f"{method} {path} was not answered for good in "
                             f"{self.PATIENCE_SECONDS} s; last: {last}")

    def statuses(self) -> Counter:
        return Counter(answer.status_code for answer in self.answers)


def _retried(answer: requests.Response) -> bool:
    if answer.status_code not in (409, 429, 503):
        return False
    return _error_code(answer) in RETRIED_CODES


def _error_code(answer: requests.Response) -> str | None:
    try:
        return answer.json()["error"]["code"]
    except (ValueError, KeyError, TypeError):
        return None


def assert_well_formed(answers: list[requests.Response]) -> None:
    """No answer leaks a traceback; every error is in the one shape; the only 5xx is 503
    `dynamodb_unavailable` with a Retry-After of whole seconds."""
    for answer in answers:
        text = answer.text
        assert "Traceback" not in text and 'File "' not in text, text[:500]
        if answer.status_code < 400:
            continue
        error = answer.json()["error"]
        assert set(error) == {"code", "message", "details"}, answer.text[:500]
        if answer.status_code >= 500:
            assert (answer.status_code, error["code"]) == (503, "dynamodb_unavailable"), text
            assert answer.headers["Retry-After"].isdigit(), answer.headers
            assert int(answer.headers["Retry-After"]) >= 1

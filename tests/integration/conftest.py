"""A real stack on loopback: a moto server process and `chalice local`, both on free ports.

The test process talks to them over HTTP only; nothing here shares moto's in-process state.
The moto server applies one request at a time (local/moto_server.py), as DynamoDB applies each
request atomically; the clients still race freely.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from local import api_server
from local.run import free_port

REPO = Path(__file__).resolve().parents[2]
INTEGRATION_SECRET = "integration-secret-0123456789-abcdef"


def wait_until_up(url: str, process: subprocess.Popen, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with {process.returncode}")
        try:
            requests.get(url, timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)  # polling a port that is still binding, not timing a result
    raise RuntimeError(f"{url} did not come up in {seconds}s")


def stack_env(moto_url: str) -> dict:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTEST")}
    env.update({
        "SHELF_STAGE": "test",
        "SHELF_JWT_SECRET": INTEGRATION_SECRET,
        "SHELF_TABLE_PREFIX": "shelf-it-",
        "AWS_ENDPOINT_URL_DYNAMODB": moto_url,
        "AWS_ENDPOINT_URL_SQS": moto_url,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
    })
    return env


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()


@pytest.fixture(scope="session")
def stack():
    """(api base url, moto url); the tables exist, the data is empty."""
    moto_port, api_port = free_port(), free_port()
    moto_url = f"http://127.0.0.1:{moto_port}"
    moto = subprocess.Popen([sys.executable, "-m", "local.moto_server", "--port", str(moto_port)],
                            cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    api = None
    try:
        wait_until_up(moto_url, moto)
        env = stack_env(moto_url)
        subprocess.run(
            [sys.executable, "-c",
             "from chalicelib.store.tables import create_missing_tables as c; c()"],
            cwd=REPO, env=env, check=True, stdout=subprocess.DEVNULL,
        )
        api = subprocess.Popen(
            api_server.command("127.0.0.1", api_port),
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )
        api_url = f"http://127.0.0.1:{api_port}"
        wait_until_up(api_url, api)
        yield api_url, moto_url
    finally:
        if api is not None:
            _stop(api)
        _stop(moto)


def token(role: str, sub: str) -> dict:
    """A bearer header signed with the stack's secret (tests do not import the app)."""
    import jwt

    now = int(time.time())
    claims = {"sub": sub, "role": role, "iat": now, "exp": now + 3600}
    return {"Authorization": "Bearer " + jwt.encode(claims, INTEGRATION_SECRET, "HS256")}


def pytest_terminal_summary(terminalreporter):
    """`make faults`: what the fault tests injected, after pytest's own summary of failures."""
    faults = sys.modules.get("tests.integration.faults")
    if faults is not None:
        faults.print_reports(terminalreporter.write_line)

"""The score pipeline under real concurrency: worker processes racing over HTTP on one moto
server, as concurrent Lambda invocations race on DynamoDB and SQS."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.conftest import REPO, stack_env

DAY_MS = 86_400_000


@pytest.fixture(scope="module")
def worker(stack):
    _, moto_url = stack
    env = {**stack_env(moto_url), "AWS_ENDPOINT_URL_DYNAMODB_STREAMS": moto_url}

    def run(*args: str) -> str:
        done = subprocess.run([sys.executable, "-m", "tests.integration.score_worker", *args],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
        assert done.returncode == 0, done.stderr[-2000:]
        return done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""

    return run


def in_parallel(worker, *commands: tuple[str, ...]) -> list[str]:
    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        return list(pool.map(lambda command: worker(*command), commands))


def test_three_consumers_reading_one_stream_count_each_event_once(worker):
    worker("write-events", "40", "s-race")
    handled = in_parallel(worker, ("pump",), ("pump",), ("pump",))
    # every consumer saw every record (each reads the stream from its start; other tests on
    # this server may have added events before ours) ...
    assert len(set(handled)) == 1 and int(handled[0]) >= 40
    day = (int(time.time() * 1000) - 10 * DAY_MS) // DAY_MS
    # ... and the processed marks let exactly one of them count each event
    assert json.loads(worker("counters", "shop#s-race", str(day)))["orders"] == 40


def test_concurrent_chunk_workers_give_the_scores_of_a_single_worker(worker):
    worker("seed-history", "30")
    day = str(int(time.time() * 1000) // DAY_MS - 1)
    assert json.loads(worker("start-run", day, "1"))["started"] is True
    in_parallel(worker, ("drain",), ("drain",), ("drain",))
    worker("drain")  # whatever a worker left in flight when it saw an empty queue
    raced = json.loads(worker("scores"))
    seeded = {entity for entity, *_ in raced if "#s-it-" in entity}
    assert len(seeded) == 60  # 30 shops and their 30 products
    assert json.loads(worker("start-run", day, "1"))["started"] is True  # forced rerun
    worker("drain")
    assert json.loads(worker("scores")) == raced

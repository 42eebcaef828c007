"""The Chuanliu pool under real concurrency: paid-order handlers racing from many threads over
HTTP on one moto server, as concurrent stream-consumer invocations race on DynamoDB."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid

from tests.integration.conftest import REPO, stack_env


def test_concurrent_orders_never_push_credits_past_the_pool(stack):
    _, moto_url = stack
    shop = f"s-race-{uuid.uuid4().hex[:8]}"
    env = {**stack_env(moto_url), "SHELF_CHUANLIU_POOL_CAP": "100"}
    # 12 first orders due 15 credits each (180 in all), each delivered twice, 8 threads
    done = subprocess.run([sys.executable, "-m", "tests.integration.chuanliu_worker", "race",
                           shop, "12", "8"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr[-2000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {
        "pool_issued": 100, "balance": 100, "issued": 100, "credits_issued": 100,
        "entries": 12,  # one per order, however often it was delivered
        "entry_credits": 100,
        "paid_in_part": 1,  # 100 = 6 orders in full + 10 of the 7th; the other 5 get nothing
        "group_size": 12,
    }

"""`make run`'s preparation two steps at a time (local.lanes) leaves the database it leaves one
step after another: every table, every item (random ids masked), at one fixed moment."""

import json
import subprocess
import sys

from local.prepare_digest import differences

from .conftest import REPO


def _prepared(out, *flags) -> dict:
    subprocess.run([sys.executable, "-m", "local.prepare_digest", str(out), *flags], cwd=REPO,
                   check=True, stdout=subprocess.DEVNULL, timeout=600)
    return json.loads(out.read_text(encoding="utf-8"))


def test_two_at_a_time_prepares_the_same_database_as_one_after_another(tmp_path):
    in_lanes = _prepared(tmp_path / "lanes.json")
    one_by_one = _prepared(tmp_path / "sequential.json", "--sequential")
    assert sum(len(items) for items in in_lanes.values()) > 50_000  # the whole demo world
    assert differences(in_lanes, one_by_one) == []

"""Every job the local runner fires is scheduled in app.py, and the other way round; every
job's chunks reach the one runner; jobs load by name, on first use."""

import subprocess
import sys
from pathlib import Path

import pytest

from app import app
from chalicelib.jobs import registry, runner


def test_local_registry_matches_the_deployed_schedules():
    scheduled = {source.name for source in app.event_sources
                 if type(source).__name__ == "ScheduledEventConfig"}
    assert scheduled == set(registry())


def test_every_job_chunk_goes_through_one_queue_handler():
    from chalicelib.queues import JOBS_QUEUE

    handlers = [source for source in app.event_sources
                if type(source).__name__ == "SQSEventConfig"]
    assert [handler.name for handler in handlers] == ["job_chunks"]
    assert handlers[0].queue_arn.rsplit(":", 1)[1] == JOBS_QUEUE


def test_importing_the_app_loads_no_job_code():
    """Cold start: the runner and a job's code load with the first chunk or ops request."""
    probe = ("import sys, app; print(sorted(m for m in ('chalicelib.jobs.runner', "
             "'chalicelib.jobs.scores', 'chalicelib.services.scoring', "
             "'chalicelib.services.jobs', 'chalicelib.store.job_runs') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                            check=True, cwd=Path(__file__).resolve().parents[2]).stdout.strip()
    assert loaded == "[]"


def test_registered_jobs_load_by_name_and_jobs_are_checked_when_defined():
    for name in runner.job_names():
        assert runner.get_job(name).name == name
    with pytest.raises(runner.UnknownJob):
        runner.get_job("nope")

    phase = runner.Phase("p", lambda ctx: ["all"], lambda *args: ([], None),
                         lambda ctx, item: None)
    runner.Job("ok", (phase,) * 8, run_key=str)
    with pytest.raises(ValueError, match="phases"):
        runner.Job("too_long", (phase,) * 9, run_key=str)  # job_runs has 8 finished sets
    with pytest.raises(ValueError, match="name"):
        runner.Job("Not a name", (phase,), run_key=str)
    runner.Job("search-index", (phase,), run_key=str)

"""The local runner fires the registered jobs (chalice local serves HTTP only)."""

import threading

import chalicelib.jobs
from local.run import start_local_scheduler


def test_scheduler_runs_every_registered_job_until_stopped(monkeypatch, capsys):
    ran = {"probe": threading.Event(), "broken": threading.Event()}

    def probe():
        ran["probe"].set()
        return {"done": 1}

    def broken():
        ran["broken"].set()
        raise RuntimeError("boom")

    monkeypatch.setattr(chalicelib.jobs, "registry", lambda: {"probe": probe, "broken": broken})
    monkeypatch.setenv("SHELF_LOCAL_JOB_SECONDS", "0.01")
    stop = threading.Event()
    thread = start_local_scheduler(stop)
    try:
        assert ran["probe"].wait(5) and ran["broken"].wait(5)
    finally:
        stop.set()
        thread.join(5)
    assert not thread.is_alive()
    out = capsys.readouterr().out
    assert "job probe: {'done': 1}" in out
    assert "job broken failed" in out  # a failing job is reported, the loop goes on


def test_pollers_run_between_jobs_and_report_their_counts(monkeypatch, capsys):
    calls = {"stream": 0}
    polled = threading.Event()

    def count_events():
        calls["stream"] += 1
        if calls["stream"] >= 3:
            polled.set()
        return 2 if calls["stream"] == 1 else 0  # only the first poll finds work

    monkeypatch.setattr(chalicelib.jobs, "registry", lambda: {})
    monkeypatch.setenv("SHELF_LOCAL_JOB_SECONDS", "60")
    monkeypatch.setenv("SHELF_LOCAL_POLL_SECONDS", "0.01")
    stop = threading.Event()
    thread = start_local_scheduler(stop, (count_events,))
    try:
        assert polled.wait(5)
    finally:
        stop.set()
        thread.join(5)
    out = capsys.readouterr().out
    assert out.count("count_events: 2") == 1  # a poll that found nothing prints nothing
    assert "1 pollers every 0.01s" in out


def test_a_long_job_run_does_not_hold_up_the_pollers(monkeypatch):
    release, polled = threading.Event(), threading.Event()
    polls = {"while_blocked": 0}

    def slow_job():
        release.wait(5)  # a feeds run's chunks, say
        return {}

    def count_behaviour():
        if not release.is_set():
            polls["while_blocked"] += 1
            if polls["while_blocked"] >= 3:
                polled.set()
        return 0

    monkeypatch.setattr(chalicelib.jobs, "registry", lambda: {"slow": slow_job})
    monkeypatch.setenv("SHELF_LOCAL_JOB_SECONDS", "0.01")
    monkeypatch.setenv("SHELF_LOCAL_POLL_SECONDS", "0.01")
    stop = threading.Event()
    thread = start_local_scheduler(stop, (count_behaviour,))
    try:
        assert polled.wait(5)  # three polls while the job still ran
    finally:
        release.set()
        stop.set()
        thread.join(5)
    assert not thread.is_alive()

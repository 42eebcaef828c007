"""The job runner is generic: tiny fake jobs registered here, run through the real jobs queue
(moto SQS), job_runs and processed marks, and started and followed through the ops routes."""

from __future__ import annotations

import json

import pytest

from chalicelib.jobs import runner
from chalicelib.jobs.runner import Job, Phase
from chalicelib.queues import JOBS_QUEUE, receive
from local.pumps import drain_job_queue
from tests.support import bearer

# phase 0: two shards of three items each; with chunks of 2, each shard takes a continuation
ITEMS = {0: ["a0", "a1", "a2"], 1: ["b0", "b1", "b2"]}
OPS = bearer("ops", "ops1")


class FakeJob:
    """Records what its phases were handed; `fail_on` is an item whose handling raises."""

    def __init__(self, fail_on: str | None = None):
        self.fail_on = fail_on
        self.handled: list[tuple[int, int, str]] = []  # (phase, attempt, item)
        self.after: list[tuple[int, list]] = []

    def page(self, ctx, shard, cursor, limit):
        start = cursor or 0
        items = ITEMS[shard][start:start + limit]
        following = start + limit if start + limit < len(ITEMS[shard]) else None
        return [(item, start + n + 1) for n, item in enumerate(items)], following

    def handle(self, ctx, item):
        if item == self.fail_on:
            raise RuntimeError(f"cannot handle {item}")
        self.handled.append((ctx.phase, ctx.attempt, item))
        return item.upper()

    def after_chunk(self, ctx, results):
        self.after.append((ctx.phase, results))

    def job(self) -> Job:
        return Job(
            name="fake",
            phases=(
                Phase("items", lambda ctx: [0, 1], self.page, self.handle, self.after_chunk),
                # a single unsharded step, e.g. rebuilding one list from what phase 0 wrote
                Phase("rebuild", lambda ctx: ["all"],
                      lambda ctx, shard, cursor, limit: ([("everything", None)], None),
                      self.handle),
            ),
            run_key=lambda params: params["label"],
            chunk_size=2,
            resolve=lambda params: {"label": params.get("label") or "daily"},
            request_model=_fake_request,
        )

    def items(self, attempt=None) -> list[str]:
        return sorted(item for _, a, item in self.handled if attempt in (None, a))


def _fake_request():
    from chalicelib.schemas.common import RequestModel, text

    class FakeRunRequest(RequestModel):
        label: text(20) | None = None

    return FakeRunRequest


@pytest.fixture
def fake(queue, monkeypatch):
    job = FakeJob()
    monkeypatch.setitem(runner.JOBS, "fake", job.job())
    return job


ALL = ["a0", "a1", "a2", "b0", "b1", "b2", "everything"]


def test_a_two_phase_job_runs_every_item_once_phase_after_phase(fake):
    started = runner.start("fake", {"label": "x"})
    assert started == {"label": "x", "job": "fake", "run_id": "fake-x", "started": True}
    # 2 shards x 2 pages (the second a continuation), then the one chunk of phase 1
    assert drain_job_queue() == 5
    assert fake.items() == ALL
    phases = [phase for phase, _, _ in fake.handled]
    assert phases == sorted(phases) and phases[-1] == 1  # phase 1 only after all of phase 0
    assert sorted(fake.after) == [(0, ["A0", "A1"]), (0, ["A2"]), (0, ["B0", "B1"]),
                                  (0, ["B2"])]  # phase 1 has no after_chunk
    run = runner.status("fake", "fake-x")
    assert (run["status"], run["job"], run["params"]) == ("done", "fake", {"label": "x"})
    assert (run["chunks_done"], run["items_done"], run["shards_finished"]) == (5, 7, [2, 1])
    assert run["finished_at"] >= run["started_at"] and run["failed_reason"] is None
    assert runner.status("scores", "fake-x") is None  # a run belongs to its job


def test_a_run_held_at_a_phase_and_finished_later_runs_every_item_once(fake):
    from local.pumps import hold_job_chunks, work_chunks

    runner.start("fake", {"label": "x"})
    done, held = hold_job_chunks(lambda chunk: chunk["phase"] >= 1)
    assert done == 4 and fake.items() == ALL[:-1]  # phase 0 whole, nothing of phase 1
    assert [(chunk["phase"], chunk["shard"]) for chunk in held] == [(1, "all")]
    assert receive(JOBS_QUEUE) == []  # held chunks are off the queue, not left to a poller
    assert runner.status("fake", "fake-x")["status"] == "running"
    assert work_chunks(held) == 1
    assert fake.items() == ALL and len(fake.handled) == len(ALL)
    run = runner.status("fake", "fake-x")
    assert (run["status"], run["chunks_done"], run["items_done"]) == ("done", 5, 7)


def test_a_second_start_does_nothing_and_a_forced_rerun_runs_it_again(fake):
    first = runner.start("fake", {})  # resolve fills the label in
    drain_job_queue()
    assert runner.start("fake", {"label": "daily"}) == {**first, "started": False}
    assert receive(JOBS_QUEUE) == []
    assert runner.start("fake", {}, force=True)["started"] is True
    assert runner.status("fake", "fake-daily")["status"] == "running"
    assert drain_job_queue() == 5  # a new attempt: the first attempt's marks skip nothing
    run = runner.status("fake", "fake-daily")
    assert (run["status"], run["chunks_done"], run["items_done"]) == ("done", 5, 7)
    assert fake.items(run["attempt"]) == ALL and len(fake.handled) == 14


def test_a_redelivered_chunk_is_skipped(fake):
    runner.start("fake", {"label": "x"})
    message = json.loads(receive(JOBS_QUEUE, 1)[0]["Body"])
    assert runner.process_chunk(message) == 2
    assert runner.process_chunk(message) == 0  # marked done: nothing handled again
    assert len(fake.handled) == 2
    assert runner.status("fake", "fake-x")["chunks_done"] == 1
    drain_job_queue()  # the message itself comes back from SQS too, and is skipped again
    assert fake.items() == ALL
    assert runner.status("fake", "fake-x")["chunks_done"] == 5


class ShortLambda:
    """A Lambda context with time for `items` items per invocation."""

    def __init__(self, items: int):
        self.checks, self.items = 0, items

    def get_remaining_time_in_millis(self) -> int:
        self.checks += 1
        return 30_000 if self.checks <= self.items else runner.TIME_RESERVE_MS - 1


def test_a_chunk_out_of_time_hands_the_rest_of_its_page_on(fake):
    from chalicelib.queues import delete

    runner.start("fake", {"label": "x"})
    while messages := receive(JOBS_QUEUE, 1):  # one chunk per invocation, time for one item
        event = {"Records": [{"messageId": "m", "receiptHandle": "r",
                              "body": messages[0]["Body"], "attributes": {},
                              "messageAttributes": {}, "eventSource": "aws:sqs",
                              "md5OfBody": ""}]}
        assert runner.handle_queue_batch(event, ShortLambda(1)) == {"batchItemFailures": []}
        delete(JOBS_QUEUE, messages[0]["ReceiptHandle"])
    assert sorted(fake.items()) == ALL  # each exactly once
    run = runner.status("fake", "fake-x")
    assert (run["status"], run["items_done"]) == ("done", 7)
    assert run["chunks_done"] == 7  # the two-item pages were each split in two


def test_a_chunk_failing_on_its_last_receive_marks_the_run_failed(queue, monkeypatch):
    fake = FakeJob(fail_on="b1")
    monkeypatch.setitem(runner.JOBS, "fake", fake.job())
    runner.start("fake", {"label": "x"})
    for _ in range(5):
        assert runner.status("fake", "fake-x")["status"] == "running"
        with pytest.raises(RuntimeError, match="1 job chunks failed"):  # the one of shard 1
            drain_job_queue()  # SQS hands the failed chunk out again: its receive count grows
    run = runner.status("fake", "fake-x")
    assert (run["status"], run["failed_reason"]) == ("failed", "RuntimeError: cannot handle b1")
    assert run["failed_at"] >= run["started_at"]
    assert run["shards_finished"] == [1, 0]  # shard 0 went on; the phase cannot complete
    assert "everything" not in fake.items()


def test_only_the_last_receive_of_a_failing_chunk_marks_the_run(queue, monkeypatch):
    fake = FakeJob(fail_on="a0")
    monkeypatch.setitem(runner.JOBS, "fake", fake.job())
    runner.start("fake", {"label": "x"})
    bodies = {json.loads(m["Body"])["shard"]: m["Body"] for m in receive(JOBS_QUEUE)}
    body, done_body = bodies[0], bodies[1]

    def deliver(receive_count: str) -> dict:
        """The failing chunk, with a good one (done before: skipped)."""
        return runner.handle_queue_batch({"Records": [
            {"messageId": "m-1", "receiptHandle": "r1", "body": body,
             "attributes": {"ApproximateReceiveCount": receive_count},
             "messageAttributes": {}, "eventSource": "aws:sqs", "md5OfBody": ""},
            {"messageId": "m-2", "receiptHandle": "r2", "body": done_body,
             "attributes": {"ApproximateReceiveCount": receive_count},
             "messageAttributes": {}, "eventSource": "aws:sqs", "md5OfBody": ""}]})

    runner.process_chunk(json.loads(done_body))
    assert deliver("4") == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    assert runner.status("fake", "fake-x")["status"] == "running"
    assert deliver("5") == {"batchItemFailures": [{"itemIdentifier": "m-1"}]}
    run = runner.status("fake", "fake-x")
    assert (run["status"], run["failed_reason"]) == ("failed", "RuntimeError: cannot handle a0")


def test_a_chunk_of_an_older_attempt_cannot_move_a_forced_rerun_on(fake):
    runner.start("fake", {"label": "x"})
    older = [json.loads(m["Body"]) for m in receive(JOBS_QUEUE)]
    runner.start("fake", {"label": "x"}, force=True)
    for message in older:  # in flight when ops forced the rerun
        runner.process_chunk(message)
    assert runner.status("fake", "fake-x")["chunks_done"] == 0
    drain_job_queue()
    run = runner.status("fake", "fake-x")
    # the older attempt's chunks (and their continuations) counted nothing on the rerun
    assert (run["status"], run["chunks_done"], run["shards_finished"]) == ("done", 5, [2, 1])
    assert fake.items(run["attempt"]) == ALL


def test_a_job_of_one_unsharded_phase_and_an_empty_phase(queue, monkeypatch):
    done = []

    def step(name: str):
        return Phase(name, lambda ctx: ["all"],
                     lambda ctx, shard, cursor, limit: ([(ctx.params["n"], None)], None),
                     lambda ctx, item: done.append((name, item)))

    monkeypatch.setitem(runner.JOBS, "single", Job("single", (step("suggestions"),),
                                                   run_key=lambda p: str(p["n"])))
    nothing = Phase("nothing", lambda ctx: [], lambda *args: ([], None), lambda ctx, item: None)
    monkeypatch.setitem(runner.JOBS, "skips", Job("skips", (nothing, step("after")),
                                                  run_key=lambda p: str(p["n"])))
    runner.start("single", {"n": 7})
    runner.start("skips", {"n": 8})
    assert drain_job_queue() == 2
    assert sorted(done) == [("after", 8), ("suggestions", 7)]
    assert runner.status("single", "single-7")["shards_finished"] == [1]
    assert runner.status("skips", "skips-8")["shards_finished"] == [0, 1]
    assert {runner.status(j, f"{j}-{n}")["status"] for j, n in (("single", 7), ("skips", 8))} == {
        "done"}


def test_ops_start_and_follow_any_job(api, fake, monkeypatch):
    status, started = api.call("post", "/ops/jobs/fake", {"label": "api"}, OPS)
    assert (status, started) == (202, {"label": "api", "job": "fake", "run_id": "fake-api",
                                       "started": True})
    status, again = api.call("post", "/ops/jobs/fake", {"label": "api"}, OPS)
    assert (status, again["started"]) == (202, True)  # ops reruns are forced
    status, run = api.call("get", "/ops/jobs/fake/fake-api", None, OPS)
    assert (status, run["status"], run["job"], run["run_id"]) == (
        200, "running", "fake", "fake-api")
    assert run["started_at"].endswith("Z") and run["finished_at"] is None
    drain_job_queue()
    _, run = api.call("get", "/ops/jobs/fake/fake-api", None, OPS)
    assert (run["status"], run["items_done"], run["shards_finished"]) == ("done", 7, [2, 1])

    # a run is read under its own job only; unknown jobs and runs are 404
    status, body = api.call("get", "/ops/jobs/scores/fake-api", None, OPS)
    assert (status, body["error"]["code"]) == (404, "run_not_found")
    status, body = api.call("get", "/ops/jobs/fake/fake-nope", None, OPS)
    assert (status, body["error"]["code"]) == (404, "run_not_found")
    for method, path in (("post", "/ops/jobs/nope"), ("get", "/ops/jobs/nope/nope-1")):
        status, body = api.call(method, path, {} if method == "post" else None, OPS)
        assert (status, body["error"]["code"]) == (404, "job_not_found")
    # each job validates its own body; only ops may start or read a run
    status, body = api.call("post", "/ops/jobs/fake", {"label": 5}, OPS)
    assert (status, body["error"]["details"][0]["field"]) == (422, "label")
    assert api.call("post", "/ops/jobs/fake", {"day": "2026-01-01"}, OPS)[0] == 422
    assert api.call("post", "/ops/jobs/fake", {}, bearer())[0] == 403
    assert api.call("get", "/ops/jobs/fake/fake-api", None, bearer("shopper", "u1"))[0] == 403
    assert api.call("post", "/ops/jobs/fake", {})[0] == 401

    # a job without a request model takes an empty body only
    monkeypatch.setitem(runner.JOBS, "bare", Job(
        "bare", (Phase("one", lambda ctx: ["all"], lambda *args: ([], None),
                       lambda ctx, item: None),), run_key=lambda params: "once"))
    status, started = api.call("post", "/ops/jobs/bare", None, OPS)
    assert (status, started["run_id"]) == (202, "bare-once")
    assert api.call("post", "/ops/jobs/bare", {"x": 1}, OPS)[0] == 422

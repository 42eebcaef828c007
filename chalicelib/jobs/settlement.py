"""Commission settlement, on the shared job runner: orders whose settlement time has come
(completed_at + SHELF_SETTLEMENT_DAYS) get their pending ledger entries moved to `settled`.
Hourly in AWS (and `POST /ops/jobs/settlement`, with an optional `until` in epoch ms).

    due   the commissions table's sparse `by_due` index, 8 shards (settlement#0..7), Queried
          `due_at <= until` page by page → per order: 1 consistent Query of its ledger and
          1 TransactWriteItems (entries → settled, the totals they move, the head leaves the
          index)

`until` is fixed when the run starts, from the clock (the test clock included), so one run
after the clock skipped 30 days settles everything due in them. Its cost grows with the orders
due, never with the ledger: a settled order has left the index. A run is idempotent: an order
settled before (by an earlier run, or twice in one) is a Query and no write.
"""

from __future__ import annotations

from chalicelib.domain.clock import now_ms
from chalicelib.domain.orders import DUE_SHARDS
from chalicelib.jobs import runner
from chalicelib.jobs.runner import Job, Phase, RunContext

JOB_NAME = "settlement"
_MINUTE_MS = 60_000


def start_scheduled() -> dict:
    """Scheduled: settle what is due now (one run per minute of `until` at most)."""
    return runner.start(JOB_NAME, {"until": now_ms()})


def _resolve(params: dict) -> dict:
    """`until` is never later than now: nothing settles before its time."""
    until, now = params.get("until"), now_ms()
    return {"until": now if until is None else min(int(until), now)}


def _due_shards(ctx: RunContext) -> list[int]:
    return list(range(DUE_SHARDS))


def _due_orders(ctx: RunContext, shard, cursor, limit: int):
    from chalicelib.store import commissions as ledger_store

    return ledger_store.due_orders(int(shard), ctx.params["until"], limit, cursor)


def _settle(ctx: RunContext, order_id: str) -> int:
    from chalicelib.services.commissions import settle_order

    return settle_order(order_id, ctx.params["until"])


def _request_model():
    from pydantic import Field

    from chalicelib.schemas.common import RequestModel

    class SettlementStart(RequestModel):
        """Settle orders due at or before `until` (epoch ms; now when absent)."""

        until: int | None = Field(default=None, ge=0)

    return SettlementStart


JOB = Job(
    name=JOB_NAME,
    phases=(Phase("due", _due_shards, _due_orders, _settle),),
    run_key=lambda params: str(params["until"] // _MINUTE_MS),
    chunk_size=50,
    resolve=_resolve,
    request_model=_request_model,
)

"""The commissions table: the append-only commission ledger, each order's ledger head and each
party's running totals (rules: chalicelib/domain/commissions.py; docs/commissions.md).

Items (pk, sk):
- `order#<order_id>`, `entry#<line:03d>#<kind>#<ref>`: an entry (`entry_id`, `order_id`,
  `line`, `kind`, `creator_id`, `shop_id`, `amount_fen`, `state`, `at`). Its amount is
  written once; only `state` (and the state keys below) ever move.
- `order#<order_id>`, `head`: what the order's ledger has seen (`accrued`, `refunded` per
  line, `cases`, `cancelled`, `due_at`, `settled_at`) and `version`, the optimistic lock every
  write of the order's ledger is conditioned on. The head and the entries share a partition,
  so one consistent Query reads an order's whole ledger.
- `creator#<id>` / `shop#<id>`, `totals#<0..3>`: `pending`, `settled`, `void`, `clawback`
  (integer fen), ADDed in the same transaction as the entries they sum. A party's totals are
  split over TOTALS_SHARDS items (an order's entries always move the same one, by the order
  id), so a top creator's flash sale spreads its writes; a read gets the 4 in one BatchGetItem.

Indexes, all sparse:
- `by_creator` (creator_id, posted) and `by_creator_state` (`<creator_id>#<state>`, posted):
  a creator's entries newest first, all or of one state; `posted` = `<at, 13 digits>#<entry
  id>` is unique, so pages never skip a tie. ALL projection: a page is one Query, no BatchGet.
- `by_shop` and `by_shop_state`: the same for the shop that owes them.
- `by_due` (due_bucket, due_at), KEYS_ONLY: heads of completed orders waiting for settlement,
  sharded like the orders' due index (domain.orders.due_bucket); settling removes the keys.
Only entries carry `posted` and only heads carry `due_at`, so totals are in no index.

Costs: an order event is one consistent Query of its ledger (the payment, which comes first,
skips it) and one TransactWriteItems of its entries (≤ CHANGES_PER_WRITE per transaction),
their totals items and the head. An entry put or state move is ~0.3 KB: 2 WCU in a
transaction, plus 1 per index row it enters and 2 per index row it moves between (a state
move: `*_state` rows). A replayed event costs the Query and writes nothing.
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.domain.commissions import (
    STATES,
    TOTALS_SHARDS,
    Change,
    Entry,
    EntryKind,
    EntryState,
    OrderLedger,
    PartyKind,
    totals_deltas,
    totals_shard,
)
from chalicelib.domain.orders import due_bucket
from chalicelib.store.base import batch_get, table_meta
from chalicelib.store.transactions import run_transaction

HEAD = "head"
ENTRY_PREFIX = "entry#"
DUE_KIND = "settlement"  # the due-index partitions: settlement#0..7


class ByCreator(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_creator"
        projection = AllProjection()

    creator_id = UnicodeAttribute(hash_key=True)
    posted = UnicodeAttribute(range_key=True)


class ByCreatorState(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_creator_state"
        projection = AllProjection()

    creator_state = UnicodeAttribute(hash_key=True)
    posted = UnicodeAttribute(range_key=True)


class ByShop(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_shop"
        projection = AllProjection()

    shop_id = UnicodeAttribute(hash_key=True)
    posted = UnicodeAttribute(range_key=True)


class ByShopState(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_shop_state"
        projection = AllProjection()

    shop_state = UnicodeAttribute(hash_key=True)
    posted = UnicodeAttribute(range_key=True)


class ByDue(GlobalSecondaryIndex):
    """Heads of completed orders not settled yet, by when they settle."""

    class Meta:
        index_name = "by_due"
        projection = KeysOnlyProjection()

    due_bucket = UnicodeAttribute(hash_key=True)
    due_at = NumberAttribute(range_key=True)


class CommissionModel(Model):
    Meta = table_meta("commissions")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    # entries
    entry_id = UnicodeAttribute(null=True)
    order_id = UnicodeAttribute(null=True)
    line = NumberAttribute(null=True)
    kind = UnicodeAttribute(null=True)
    ref = UnicodeAttribute(null=True)
    creator_id = UnicodeAttribute(null=True)
    shop_id = UnicodeAttribute(null=True)
    amount_fen = NumberAttribute(null=True)
    state = UnicodeAttribute(null=True)
    at = NumberAttribute(null=True)
    posted = UnicodeAttribute(null=True)
    creator_state = UnicodeAttribute(null=True)
    shop_state = UnicodeAttribute(null=True)
    # the order's head
    accrued = BooleanAttribute(null=True)
    refunded = MapAttribute(null=True)  # line number (as text) → fen
    cases = ListAttribute(of=UnicodeAttribute, null=True)
    cancelled = BooleanAttribute(null=True)
    due_bucket = UnicodeAttribute(null=True)
    due_at = NumberAttribute(null=True)
    settled_at = NumberAttribute(null=True)
    version = NumberAttribute(null=True)
    # a party's totals
    pending = NumberAttribute(null=True)
    settled = NumberAttribute(null=True)
    void = NumberAttribute(null=True)
    clawback = NumberAttribute(null=True)

    by_creator = ByCreator()
    by_creator_state = ByCreatorState()
    by_shop = ByShop()
    by_shop_state = ByShopState()
    by_due = ByDue()


class LedgerMoved(Exception):
    """The order's ledger was written by someone else since it was read: read it again."""


# --- keys and mapping ------------------------------------------------------------------------

def order_pk(order_id: str) -> str:
    return f"order#{order_id}"


def party_pk(kind: PartyKind, party_id: str) -> str:
    return f"{kind.value}#{party_id}"


def entry_sk(entry: Entry) -> str:
    return f"{ENTRY_PREFIX}{entry.line:03d}#{entry.kind.value}#{entry.ref}"


def _entry_model(entry: Entry) -> CommissionModel:
    return CommissionModel(
        order_pk(entry.order_id), entry_sk(entry), entry_id=entry.entry_id,
        order_id=entry.order_id, line=entry.line, kind=entry.kind.value, ref=entry.ref or None,
        creator_id=entry.creator_id, shop_id=entry.shop_id, amount_fen=entry.amount_fen,
        state=entry.state.value, at=entry.at, posted=f"{entry.at:013d}#{entry.entry_id}",
        **_state_keys(entry.creator_id, entry.shop_id, entry.state))


def _state_keys(creator_id: str, shop_id: str, state: EntryState) -> dict:
    return {"creator_state": f"{creator_id}#{state.value}",
            "shop_state": f"{shop_id}#{state.value}"}


def _entry(model: CommissionModel) -> Entry:
    return Entry(model.order_id, int(model.line), EntryKind(model.kind), model.ref or "",
                 model.creator_id, model.shop_id, int(model.amount_fen),
                 EntryState(model.state), int(model.at))


def _head_model(ledger: OrderLedger) -> CommissionModel:
    due = ({"due_bucket": due_bucket(DUE_KIND, ledger.order_id), "due_at": ledger.due_at}
           if ledger.due_at is not None and ledger.settled_at is None else {})
    return CommissionModel(
        order_pk(ledger.order_id), HEAD, order_id=ledger.order_id, accrued=ledger.accrued,
        refunded={str(line): fen for line, fen in sorted(ledger.refunded.items())},
        cases=sorted(ledger.cases) or None, cancelled=ledger.cancelled,
        settled_at=ledger.settled_at, version=ledger.version + 1, **due)


# --- reads -----------------------------------------------------------------------------------

def order_ledger(order_id: str) -> OrderLedger:
    """An order's whole ledger, head and entries: one consistent Query of its partition."""
    head, entries = None, {}
    for model in CommissionModel.query(order_pk(order_id), consistent_read=True):
        if model.sk == HEAD:
            head = model
        else:
            entry = _entry(model)
            entries[entry.entry_id] = entry
    if head is None:
        return OrderLedger(order_id, entries)
    refunded = head.refunded.as_dict() if head.refunded is not None else {}
    return OrderLedger(
        order_id, entries, accrued=bool(head.accrued),
        refunded={int(line): int(fen) for line, fen in refunded.items()},
        cases=frozenset(head.cases or ()), cancelled=bool(head.cancelled),
        due_at=None if head.due_at is None else int(head.due_at),
        settled_at=None if head.settled_at is None else int(head.settled_at),
        version=int(head.version or 0))


def party_entries(kind: PartyKind, party_id: str, state: EntryState | None, limit: int,
                  start_key: dict | None) -> tuple[list[Entry], dict | None]:
    """One page of a creator's or shop's entries, newest first, all or of one state: one
    Query of the party's index (the state is in the key, never a filter)."""
    index_name, hash_value = _party_index(kind, party_id, state)
    index = getattr(CommissionModel, index_name)
    results = index.query(hash_value, scan_index_forward=False, limit=limit + 1,
                          page_size=limit + 1, last_evaluated_key=start_key)
    models = list(results)
    page = [_entry(model) for model in models[:limit]]
    if len(models) <= limit:
        return page, None
    last = models[limit - 1]
    hash_name = index_name.removeprefix("by_") + ("" if state else "_id")
    return page, {"pk": {"S": last.pk}, "sk": {"S": last.sk}, hash_name: {"S": hash_value},
                  "posted": {"S": last.posted}}


def _party_index(kind: PartyKind, party_id: str, state: EntryState | None) -> tuple[str, str]:
    if state is None:
        return f"by_{kind.value}", party_id
    return f"by_{kind.value}_state", f"{party_id}#{state.value}"


def party_totals(kind: PartyKind, party_id: str) -> dict[EntryState, int]:
    """A party's totals by state: one BatchGetItem of its TOTALS_SHARDS items, added up."""
    table = CommissionModel.Meta.table_name
    keys = [(table, {"pk": {"S": party_pk(kind, party_id)}, "sk": {"S": f"totals#{shard}"}})
            for shard in range(TOTALS_SHARDS)]
    totals = dict.fromkeys(STATES, 0)
    for item in batch_get(keys, consistent=frozenset({table})).values():
        for state in STATES:
            totals[state] += int(item.get(state.value, {}).get("N", 0))
    return totals


def due_orders(shard: int, until: int, limit: int,
               start_key: dict | None) -> tuple[list[tuple[str, dict]], dict | None]:
    """Orders of one due shard whose settlement time is at most `until`, each with the index
    key that resumes after it, and the key of the next page (None: the shard is done): one
    Query of the sparse keys-only index."""
    bucket = f"{DUE_KIND}#{shard}"
    results = CommissionModel.by_due.query(bucket, CommissionModel.due_at <= until,
                                           limit=limit, page_size=limit,
                                           last_evaluated_key=start_key)
    page = [(model.pk.removeprefix("order#"),
             {"pk": {"S": model.pk}, "sk": {"S": model.sk}, "due_bucket": {"S": bucket},
              "due_at": {"N": str(int(model.due_at))}})
            for model in results]
    return page, results.last_evaluated_key


# --- writes ----------------------------------------------------------------------------------

def write(before: OrderLedger, after: OrderLedger, groups: list[list[Change]]) -> None:
    """Write the changes of one order's ledger: per group one transaction of its entry puts
    (`attribute_not_exists`) and state moves (`state = <as read>`) with the totals they move;
    the last one also puts the head, conditioned on the version read. LedgerMoved when a
    condition failed (a concurrent or earlier write of the same ledger)."""
    for number, group in enumerate(groups):
        last = number == len(groups) - 1
        run_transaction(lambda tx, group=group, last=last: _write_group(
            tx, before, after, group, last), on_condition_failed=_raise_moved)


def _write_group(tx: TransactWrite, before: OrderLedger, after: OrderLedger,
                 group: list[Change], last: bool) -> None:
    for change in group:
        _write_change(tx, change)
    shard = totals_shard(after.order_id)
    for (kind, party_id), deltas in totals_deltas(group).items():
        tx.update(CommissionModel(party_pk(kind, party_id), f"totals#{shard}"),
                  actions=[getattr(CommissionModel, state.value).add(delta)
                           for state, delta in sorted(deltas.items())])
    if last:
        head = CommissionModel.version == before.version if before.version else (
            CommissionModel.pk.does_not_exist())
        tx.save(_head_model(after), condition=head)


def _write_change(tx: TransactWrite, change: Change) -> None:
    entry = change.entry
    if change.before is None:
        tx.save(_entry_model(entry), condition=CommissionModel.pk.does_not_exist())
        return
    keys = _state_keys(entry.creator_id, entry.shop_id, entry.state)
    tx.update(CommissionModel(order_pk(entry.order_id), entry_sk(entry)),
              actions=[CommissionModel.state.set(entry.state.value),
                       CommissionModel.creator_state.set(keys["creator_state"]),
                       CommissionModel.shop_state.set(keys["shop_state"])],
              condition=CommissionModel.state == change.before.value)


def _raise_moved(reasons) -> None:
    raise LedgerMoved()

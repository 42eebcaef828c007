"""The purchases table: what recommendations learn from orders, and what they serve.

One table, pk `pk`, sk `sk` (strings), item kinds by key:

    pk                     sk                 attributes
    buyer#<shopper>        product#<pid>      shop_id, category, last_bought_at, times, expires_at
    buyer#<shopper>        category#<cat>     last_bought_at, counted_at, repeated, expires_at
    item#<pid>             buyers             n (distinct buyers, ADD), shop_id, category
    pair#<a>               <b>                n (distinct buyers of both, ADD; both directions)
    category#<cat>         stats#<week>       buyers, repeat_buyers (ADD), expires_at
    category#<cat>         gap#<days>         n (ADD): the gap histogram
    category#<cat>         profile            consumable, interval_days, rate, buyers (the job)
    categories             registry           names (string set, ADD): categories with stats
    similar#<pid>          list               entries ["<pid> <shop> <score>"] (the job, top-K)
    candidates#<shopper>   list               entries ["<pid> <shop> <reason> <score>"] (job)

History items expire 90 days (and a day) after the last purchase, weekly stats 120 days after
their week; the domain ignores history older than 90 days whatever the TTL has not removed yet.
Lists are whole items, replaced at once, so a reader never sees half of one; a candidate list
of 200 short entries is about 20 KB.

Counts are written by record_order (chalicelib.services.purchases) in transactions of at most
99 updates, each with a processed mark `purchase#<event_id>#<chunk>`, so a replayed event adds
nothing; hot keys (a best seller's item count, a big category's week) are bounded by the stream
consumer's concurrency, not by shoppers.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.models import Model

from chalicelib.domain import ids
from chalicelib.domain.purchases import BuyerHistory, CategoryVisit, OrderDelta, week_of
from chalicelib.domain.recommend import (
    DAY_MS,
    REPURCHASE_WINDOW_DAYS,
    Bought,
    Candidate,
    ConsumableProfile,
    Entry,
    Reason,
)
from chalicelib.store import aggregates
from chalicelib.store.aggregates import PROCESSED_MARK_DAYS, EntityModel, ProcessedEventModel
from chalicelib.store.base import table_meta
from chalicelib.store.transactions import run_transaction

MAX_UPDATES_PER_TRANSACTION = 99  # + the processed mark = DynamoDB's 100 actions
HISTORY_TTL_DAYS = REPURCHASE_WINDOW_DAYS + 1
STATS_TTL_DAYS = 120
REGISTRY = ("categories", "registry")
LIST = "list"
COPURCHASE_KIND = "copurchase"  # activity kind: products whose pair counts changed
SHOPPER_KIND = "shopper"  # activity kind: shoppers who bought or browsed


class PurchaseModel(Model):
    Meta = table_meta("purchases")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    # counters
    n = NumberAttribute(null=True)
    buyers = NumberAttribute(null=True)
    repeat_buyers = NumberAttribute(null=True)
    # history (and the item count's product facts)
    shop_id = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    last_bought_at = NumberAttribute(null=True)
    times = NumberAttribute(null=True)
    counted_at = NumberAttribute(null=True)
    repeated = BooleanAttribute(null=True)
    expires_at = NumberAttribute(null=True)  # epoch seconds (TTL)
    # what the jobs write
    consumable = BooleanAttribute(null=True)
    interval_days = NumberAttribute(null=True)
    rate = NumberAttribute(null=True)
    entries = ListAttribute(of=UnicodeAttribute, null=True)
    names = UnicodeSetAttribute(null=True)
    built_at = NumberAttribute(null=True)


def buyer_pk(shopper_id: str) -> str:
    return f"buyer#{shopper_id}"


def copurchase_entity(product_id: str) -> str:
    """The activity-index key of a product whose pairs changed (not "product#…": that entity
    is the score job's, and one entity item holds one kind)."""
    return f"copurchase#{product_id}"


def shopper_entity(shopper_id: str) -> str:
    return f"shopper#{shopper_id}"


def _raw_key(pk: str, sk: str) -> dict:
    return {"pk": {"S": pk}, "sk": {"S": sk}}


def _ttl(at_ms: int, days: int) -> int:
    return at_ms // 1000 + days * 86400


# --- history ------------------------------------------------------------------------------------

def buyer_history(shopper_id: str) -> BuyerHistory:
    """The buyer's products and categories: one Query (more pages only for a buyer of
    thousands of products)."""
    history = BuyerHistory()
    for model in PurchaseModel.query(buyer_pk(shopper_id)):
        if model.sk.startswith("product#"):
            bought = _bought(model)
            history.products[bought.product_id] = bought
        elif model.sk.startswith("category#"):
            visit = _visit(model)
            history.categories[visit.category] = visit
    return history


def _bought(model: PurchaseModel) -> Bought:
    return Bought(model.sk.removeprefix("product#"), model.shop_id or "", model.category or "",
                  int(model.last_bought_at), int(model.times or 1))


def _visit(model: PurchaseModel) -> CategoryVisit:
    return CategoryVisit(model.sk.removeprefix("category#"), int(model.last_bought_at),
                         int(model.counted_at or model.last_bought_at), bool(model.repeated))


def _history_models(shopper_id: str, products: Iterable[Bought],
                    categories: Iterable[CategoryVisit]) -> Iterator[PurchaseModel]:
    pk = buyer_pk(shopper_id)
    for b in products:
        yield PurchaseModel(pk, f"product#{b.product_id}", shop_id=b.shop_id,
                            category=b.category, last_bought_at=b.last_bought_at, times=b.times,
                            expires_at=_ttl(b.last_bought_at, HISTORY_TTL_DAYS))
    for c in categories:
        yield PurchaseModel(pk, f"category#{c.category}", last_bought_at=c.last_bought_at,
                            counted_at=c.counted_at, repeated=c.repeated,
                            expires_at=_ttl(c.last_bought_at, HISTORY_TTL_DAYS))


def write_history(shopper_id: str, delta: OrderDelta) -> int:
    """The buyer's history items the order changed, as whole items with batch writes (the
    delta computed them from the history read, and a replay computes none)."""
    models = list(_history_models(shopper_id, delta.products, delta.categories))
    with PurchaseModel.batch_write() as batch:
        for model in models:
            batch.save(model)
    return len(models)


# --- counters -----------------------------------------------------------------------------------

@dataclass
class Update:
    """ADDs (numbers and string sets) and SETs on one item."""

    pk: str
    sk: str
    add: dict[str, int] = field(default_factory=dict)
    add_names: set[str] = field(default_factory=set)
    assign: dict[str, object] = field(default_factory=dict)

    def actions(self) -> list:
        actions = [getattr(PurchaseModel, name).add(value) for name, value in self.add.items()]
        actions += [getattr(PurchaseModel, name).set(value) for name, value in self.assign.items()]
        if self.add_names:
            actions.append(PurchaseModel.names.add(self.add_names))
        return actions


def counter_updates(delta: OrderDelta) -> list[Update]:
    """The delta's counter increments, one update per item, sorted by key (so the chunks a
    replay computes are the ones the first delivery wrote)."""
    updates: dict[tuple[str, str], Update] = {}

    def at(pk: str, sk: str) -> Update:
        return updates.setdefault((pk, sk), Update(pk, sk))

    for line in delta.new_items:
        item = at(f"item#{line.product_id}", "buyers")
        item.add["n"] = item.add.get("n", 0) + 1
        item.assign.update(shop_id=line.shop_id, category=line.category)
    for a, b in delta.pairs:
        for one, other in ((a, b), (b, a)):
            pair = at(f"pair#{one}", other)
            pair.add["n"] = pair.add.get("n", 0) + 1
    for name, counted in (("buyers", delta.buyers), ("repeat_buyers", delta.repeats)):
        for category, week in counted:
            stats = at(f"category#{category}", f"stats#{week:05d}")
            stats.add[name] = stats.add.get(name, 0) + 1
            stats.assign["expires_at"] = _ttl((week + 1) * 7 * DAY_MS, STATS_TTL_DAYS)
    for category, days in delta.gaps:
        gap = at(f"category#{category}", f"gap#{days:03d}")
        gap.add["n"] = gap.add.get("n", 0) + 1
    new_categories = {category for category, _ in delta.buyers}
    if new_categories:
        at(*REGISTRY).add_names.update(new_categories)
    return [updates[key] for key in sorted(updates)]


def chunks(updates: list[Update]) -> list[list[Update]]:
    size = MAX_UPDATES_PER_TRANSACTION
    return [updates[start:start + size] for start in range(0, len(updates), size)]


class _ChunkDone(Exception):
    pass


def apply_chunk(mark: str, updates: list[Update], now_ms: int) -> bool:
    """The chunk's updates and its processed mark in one transaction; False when the mark was
    there (this chunk of this event was written before), and then nothing is written."""
    def build(tx) -> None:
        tx.save(ProcessedEventModel(mark, expires_at=_ttl(now_ms, PROCESSED_MARK_DAYS)),
                condition=ProcessedEventModel.event_id.does_not_exist())
        for update in updates:
            tx.update(PurchaseModel(update.pk, update.sk), actions=update.actions())

    def done(reasons) -> None:
        raise _ChunkDone()

    try:
        run_transaction(build, on_condition_failed=done)
    except _ChunkDone:
        return False
    return True


# --- activity marks -----------------------------------------------------------------------------

def mark_copurchase_changed(product_ids: Iterable[str], day: int) -> int:
    """Put the products on the activity index (kind "copurchase") for the top-K phase: whole
    entity items with batch writes, 25 per call. No one else writes these keys and the day is
    the processing day, so it never moves back by more than a clock's skew."""
    written = 0
    with EntityModel.batch_write() as batch:
        for product_id in sorted(set(product_ids)):
            key = copurchase_entity(product_id)
            batch.save(EntityModel(key, kind=COPURCHASE_KIND,
                                   shard=aggregates.shard_of(COPURCHASE_KIND, key),
                                   last_active_day=day))
            written += 1
    return written


def load_shopper_marks(last_days: dict[str, int]) -> int:
    """Bulk load (demo data, bench): the shoppers' entities with batch writes; an entity put
    here replaces one already there, so load before anything else marks shoppers."""
    with EntityModel.batch_write() as batch:
        for shopper_id, day in sorted(last_days.items()):
            key = shopper_entity(shopper_id)
            batch.save(EntityModel(key, kind=SHOPPER_KIND,
                                   shard=aggregates.shard_of(SHOPPER_KIND, key),
                                   last_active_day=day))
    return len(last_days)


def mark_shopper_active(shopper_id: str, day: int) -> None:
    """The shopper on the activity index (kind "shopper", shared with the behaviour log): a
    conditional update that only moves the day forward."""
    from chalicelib.domain.aggregation import EntityInfo

    aggregates.mark_active(EntityInfo(shopper_entity(shopper_id), SHOPPER_KIND), day)


# --- co-purchase lists --------------------------------------------------------------------------

def pair_counts(product_id: str) -> list[tuple[str, int]]:
    """Every neighbour of the product with its pair count: one Query (a page holds ~10,000)."""
    return [(model.sk, int(model.n or 0))
            for model in PurchaseModel.query(f"pair#{product_id}",
                                             attributes_to_get=["pk", "sk", "n"])]


def item_key(product_id: str) -> tuple[str, dict]:
    return PurchaseModel.Meta.table_name, _raw_key(f"item#{product_id}", "buyers")


def similar_key(product_id: str) -> tuple[str, dict]:
    return PurchaseModel.Meta.table_name, _raw_key(f"similar#{product_id}", LIST)


def item_from(raw: dict | None) -> tuple[str, int] | None:
    """(shop_id, buyers) of an item count."""
    if not raw:
        return None
    model = PurchaseModel.from_raw_data(raw)
    return model.shop_id or ids.shop_of_product(model.pk.removeprefix("item#")) or "", int(
        model.n or 0)


def similar_from(raw: dict | None) -> list[Entry]:
    """The list of a raw similar item (from a shared BatchGetItem), best first."""
    return _similar_entries(PurchaseModel.from_raw_data(raw)) if raw else []


def similar(product_id: str) -> list[Entry]:
    """The product's co-purchase neighbours, best first: one GetItem."""
    try:
        model = PurchaseModel.get(f"similar#{product_id}", LIST)
    except PurchaseModel.DoesNotExist:
        return []
    return _similar_entries(model)


def _similar_entries(model: PurchaseModel) -> list[Entry]:
    entries = []
    for text in model.entries or []:
        product_id, shop_id, score = text.split(" ")
        entries.append((product_id, shop_id, float(score)))
    return entries


def write_similar(product_id: str, entries: list[Entry], now_ms: int) -> None:
    """Replace the list (deleted when empty)."""
    model = PurchaseModel(f"similar#{product_id}", LIST)
    if not entries:
        model.delete()
        return
    model.entries = [f"{pid} {shop} {score:g}" for pid, shop, score in entries]
    model.built_at = now_ms
    model.save()


# --- repurchase profiles ------------------------------------------------------------------------

def registered_categories() -> list[str]:
    """Every category with buyer stats: one GetItem."""
    try:
        model = PurchaseModel.get(*REGISTRY, consistent_read=True)
    except PurchaseModel.DoesNotExist:
        return []
    return sorted(model.names or [])


@dataclass
class CategoryCounts:
    buyers_by_week: dict[int, tuple[int, int]]  # week → (buyers, repeat buyers)
    gaps: dict[int, int]  # days → count
    profile: ConsumableProfile | None


def category_counts(category: str) -> CategoryCounts:
    """The category's weekly stats, gap histogram and current profile: one Query."""
    counts = CategoryCounts({}, {}, None)
    for model in PurchaseModel.query(f"category#{category}"):
        if model.sk.startswith("stats#"):
            counts.buyers_by_week[int(model.sk.removeprefix("stats#"))] = (
                int(model.buyers or 0), int(model.repeat_buyers or 0))
        elif model.sk.startswith("gap#"):
            counts.gaps[int(model.sk.removeprefix("gap#"))] = int(model.n or 0)
        elif model.sk == "profile":
            counts.profile = _profile(model)
    return counts


def window_weeks(now_ms: int) -> int:
    """The first week whose bucket is inside the 90-day window."""
    return week_of(now_ms - REPURCHASE_WINDOW_DAYS * DAY_MS)


def profile_key(category: str) -> tuple[str, dict]:
    return PurchaseModel.Meta.table_name, _raw_key(f"category#{category}", "profile")


def profile_from(raw: dict | None) -> ConsumableProfile | None:
    return _profile(PurchaseModel.from_raw_data(raw)) if raw else None


def _profile(model: PurchaseModel) -> ConsumableProfile:
    interval = None if model.interval_days is None else float(model.interval_days)
    return ConsumableProfile(model.pk.removeprefix("category#"), bool(model.consumable),
                             interval, float(model.rate or 0), int(model.buyers or 0))


def write_profile(profile: ConsumableProfile, now_ms: int) -> None:
    PurchaseModel(f"category#{profile.category}", "profile", consumable=profile.consumable,
                  interval_days=profile.interval_days, rate=profile.rate,
                  buyers=profile.buyers, built_at=now_ms).save()


# --- candidate lists ----------------------------------------------------------------------------

def candidates_key(shopper_id: str) -> tuple[str, dict]:
    """Table name and raw key of the shopper's candidate list, for a shared BatchGetItem."""
    return PurchaseModel.Meta.table_name, _raw_key(f"candidates#{shopper_id}", LIST)


def candidates_from(raw_item: dict | None) -> list[Candidate]:
    """The candidates of a raw item of that BatchGetItem, best first ([] when none)."""
    if not raw_item:
        return []
    candidates = []
    for text in PurchaseModel.from_raw_data(raw_item).entries or []:
        product_id, shop_id, reason, score = text.split(" ")
        candidates.append(Candidate(product_id, shop_id, Reason(reason), float(score)))
    return candidates


def write_candidates(shopper_id: str, candidates: list[Candidate], now_ms: int) -> None:
    """Replace the shopper's list in one PutItem (deleted when empty)."""
    model = PurchaseModel(f"candidates#{shopper_id}", LIST)
    if not candidates:
        model.delete()
        return
    model.entries = [f"{c.product_id} {c.shop_id} {c.reason.value} {c.score:g}"
                     for c in candidates]
    model.built_at = now_ms
    model.save()


def delete_candidates(shopper_id: str) -> None:
    PurchaseModel(f"candidates#{shopper_id}", LIST).delete()


# --- shared reads -------------------------------------------------------------------------------

# --- bulk load (demo data, bench) ---------------------------------------------------------------

def load(updates: Iterable[Update], history: Iterable[tuple[str, BuyerHistory]]) -> int:
    """Write summed counters as whole items and buyers' histories, with batch writes, into an
    empty table (demo data and bench only). Returns how many items were written."""
    written = 0
    with PurchaseModel.batch_write() as batch:
        for update in updates:
            attributes = {**update.add, **update.assign}
            if update.add_names:
                attributes["names"] = set(update.add_names)
            batch.save(PurchaseModel(update.pk, update.sk, **attributes))
            written += 1
        for shopper_id, buyer in history:
            for model in _history_models(shopper_id, buyer.products.values(),
                                         buyer.categories.values()):
                batch.save(model)
                written += 1
    return written

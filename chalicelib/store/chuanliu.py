"""The chuanliu table: brands' customer groups and counters, creators' traffic credits, and the
active boosts. One table, pk `pk`, sk `sk` (strings); rules in chalicelib.domain.chuanliu.

    pk                  sk                             attributes
    brand#<shop>        buyer#<buyer>                  the (brand, buyer) first-order marker:
                                                       first_order_id, joined_at, creator_id
                                                       (absent: not a member), holdout;
                                                       targeted_buyer (the GSI key) only on
                                                       members outside the holdout
    brand#<shop>        stats                          group_size, holdout_size,
                                                       treated_gmv_fen, holdout_gmv_fen,
                                                       credits_issued (ADD)
    brand#<shop>        pool#<YYYY-MM>                 issued: credits the month's pool paid
    creator#<creator>   balance                        balance, issued, spent (ADD)
    creator#<creator>   entry#<at, 13 digits>#<id>     one ledger entry: kind (accrual/spend),
                                                       credits (signed), due, order_id, shop_id,
                                                       video_id, product_ids, until, at
    boosts              active                         entries ["<product> <until ms>"],
                                                       version (optimistic lock)

GSI `by_targeted_buyer` (targeted_buyer, joined_at), keys only, sparse: the brands whose
chuanliu recommendation a buyer gets, newest first, in one Query (a held-out member, a
non-member buyer and every other item carry no key).

Costs (round trips): the paid-order handler reads the marker (1 GetItem, consistent); a first
order adds 1 PutItem or 1 transaction (marker + stats); a later order of a member adds 1
transaction (processed mark + GMV counter) when it has brand-channel GMV, and an accrual 1
transaction (entry + pool + balance + stats), plus 1 GetItem and 1 more transaction per lost
race on the pool (≤ POOL_ATTEMPTS). A boost is 1 BatchGetItem (balance, boost list) + 1
transaction (entry + balance + boost list).

Why one boost list item: the feeds job reads every active boost with one GetItem per rebuild
(and the candidates job once per container and run) instead of one key per product in its
BatchGetItems. Each boost rewrites the list, ~40 bytes per active boosted product, so it suits
up to a few thousand boosted products at once (a 40 KB list is 40 WCU per boost); past that,
shard it by product.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.exceptions import PutError
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.domain.chuanliu import GroupStats, Membership, pool_take
from chalicelib.store.aggregates import PROCESSED_MARK_DAYS, ProcessedEventModel
from chalicelib.store.base import table_meta
from chalicelib.store.transactions import Contended, run_transaction

POOL_ATTEMPTS = 5  # reads of a pool another accrual moved before giving up (Contended)
STATS = "stats"
BALANCE = "balance"
BOOSTS = ("boosts", "active")
ACCRUAL, SPEND = "accrual", "spend"


class ByTargetedBuyer(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_targeted_buyer"
        projection = KeysOnlyProjection()

    targeted_buyer = UnicodeAttribute(hash_key=True)
    joined_at = NumberAttribute(range_key=True)


class ChuanliuModel(Model):
    Meta = table_meta("chuanliu")

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    # the (brand, buyer) marker
    first_order_id = UnicodeAttribute(null=True)
    joined_at = NumberAttribute(null=True)
    creator_id = UnicodeAttribute(null=True)
    holdout = BooleanAttribute(null=True)
    targeted_buyer = UnicodeAttribute(null=True)
    # a brand's counters
    group_size = NumberAttribute(null=True)
    holdout_size = NumberAttribute(null=True)
    treated_gmv_fen = NumberAttribute(null=True)
    holdout_gmv_fen = NumberAttribute(null=True)
    credits_issued = NumberAttribute(null=True)
    # a pool; a creator's balance
    issued = NumberAttribute(null=True)
    balance = NumberAttribute(null=True)
    spent = NumberAttribute(null=True)
    # a ledger entry
    kind = UnicodeAttribute(null=True)
    credits = NumberAttribute(null=True)
    due = NumberAttribute(null=True)
    order_id = UnicodeAttribute(null=True)
    shop_id = UnicodeAttribute(null=True)
    video_id = UnicodeAttribute(null=True)
    product_ids = ListAttribute(of=UnicodeAttribute, null=True)
    until = NumberAttribute(null=True)
    at = NumberAttribute(null=True)
    # the boost list
    entries = ListAttribute(of=UnicodeAttribute, null=True)
    version = NumberAttribute(null=True)

    by_targeted_buyer = ByTargetedBuyer()


def brand_pk(shop_id: str) -> str:
    return f"brand#{shop_id}"


def creator_pk(creator_id: str) -> str:
    return f"creator#{creator_id}"


def _raw_key(pk: str, sk: str) -> tuple[str, dict]:
    return ChuanliuModel.Meta.table_name, {"pk": {"S": pk}, "sk": {"S": sk}}


def _get(pk: str, sk: str, consistent: bool = False) -> ChuanliuModel | None:
    try:
        return ChuanliuModel.get(pk, sk, consistent_read=consistent)
    except ChuanliuModel.DoesNotExist:
        return None


def _int(value) -> int:
    return int(value or 0)


# --- the group -----------------------------------------------------------------------------------

def get_membership(shop_id: str, buyer_id: str) -> Membership | None:
    """The buyer's first-order marker with the brand (consistent: a replay must see it)."""
    model = _get(brand_pk(shop_id), f"buyer#{buyer_id}", consistent=True)
    if model is None:
        return None
    return Membership(shop_id, buyer_id, model.first_order_id, int(model.joined_at),
                      model.creator_id, bool(model.holdout))


class _MarkerTaken(Exception):
    pass


def record_first_order(membership: Membership) -> bool:
    """Write the (brand, buyer) marker if none is there, and for a member count them in the
    brand's group in the same transaction; False when a marker was there already (another
    delivery, of this order or another, wrote it), and then nothing is written."""
    marker = ChuanliuModel(
        brand_pk(membership.shop_id), f"buyer#{membership.buyer_id}",
        first_order_id=membership.first_order_id, joined_at=membership.joined_at,
        creator_id=membership.creator_id,
        holdout=membership.holdout if membership.member else None,
        targeted_buyer=(membership.buyer_id if membership.member and not membership.holdout
                        else None))
    absent = ChuanliuModel.pk.does_not_exist()
    if not membership.member:
        try:
            marker.save(condition=absent)
        except PutError as error:
            if error.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def build(tx) -> None:
        tx.save(marker, condition=absent)
        tx.update(ChuanliuModel(brand_pk(membership.shop_id), STATS),
                  actions=[ChuanliuModel.group_size.add(1),
                           ChuanliuModel.holdout_size.add(1 if membership.holdout else 0)])

    def taken(reasons) -> None:
        raise _MarkerTaken()

    try:
        run_transaction(build, on_condition_failed=taken)
    except _MarkerTaken:
        return False
    return True


def targeted_brands(buyer_id: str, limit: int) -> list[str]:
    """The brands whose chuanliu recommendation the buyer gets, most recently joined first
    (at most `limit`): one Query of the sparse index."""
    results = ChuanliuModel.by_targeted_buyer.query(
        buyer_id, scan_index_forward=False, limit=limit, page_size=limit)
    return [model.pk.removeprefix("brand#") for model in results]


class _Counted(Exception):
    pass


def add_group_gmv(shop_id: str, order_id: str, holdout: bool, gmv_fen: int, now_ms: int) -> bool:
    """ADD a member's brand-channel GMV to the brand's treated or holdout counter and mark the
    order, in one transaction; False when the order was counted before."""
    counter = ChuanliuModel.holdout_gmv_fen if holdout else ChuanliuModel.treated_gmv_fen

    def build(tx) -> None:
        tx.save(ProcessedEventModel(f"chuanliu-gmv#{order_id}",
                                    expires_at=now_ms // 1000 + PROCESSED_MARK_DAYS * 86400),
                condition=ProcessedEventModel.event_id.does_not_exist())
        tx.update(ChuanliuModel(brand_pk(shop_id), STATS), actions=[counter.add(gmv_fen)])

    def counted(reasons) -> None:
        raise _Counted()

    try:
        run_transaction(build, on_condition_failed=counted)
    except _Counted:
        return False
    return True


def stats_key(shop_id: str) -> tuple[str, dict]:
    return _raw_key(brand_pk(shop_id), STATS)


def pool_key(shop_id: str, month: str) -> tuple[str, dict]:
    return _raw_key(brand_pk(shop_id), f"pool#{month}")


def stats_from(raw: dict | None) -> GroupStats:
    if not raw:
        return GroupStats()
    model = ChuanliuModel.from_raw_data(raw)
    return GroupStats(_int(model.group_size), _int(model.holdout_size),
                      _int(model.treated_gmv_fen), _int(model.holdout_gmv_fen),
                      _int(model.credits_issued))


def issued_from(raw: dict | None) -> int:
    return _int(ChuanliuModel.from_raw_data(raw).issued) if raw else 0


# --- credits -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One traffic-credit ledger entry; `credits` is signed (a spend is negative)."""

    entry_id: str
    kind: str
    credits: int
    at: int
    due: int | None = None  # an accrual: what λ × GMV came to before the pool's cap
    order_id: str | None = None
    shop_id: str | None = None
    video_id: str | None = None
    product_ids: tuple[str, ...] = ()
    until: int | None = None  # a spend: when the boost it bought ends


@dataclass(frozen=True)
class Balance:
    balance: int = 0
    issued: int = 0
    spent: int = 0


def _entry_sk(entry: Entry) -> str:
    return f"entry#{entry.at:013d}#{entry.entry_id}"


def _entry_model(creator_id: str, entry: Entry) -> ChuanliuModel:
    return ChuanliuModel(
        creator_pk(creator_id), _entry_sk(entry), kind=entry.kind, credits=entry.credits,
        at=entry.at, due=entry.due, order_id=entry.order_id, shop_id=entry.shop_id,
        video_id=entry.video_id, product_ids=list(entry.product_ids) or None,
        until=entry.until)


def _entry(model: ChuanliuModel) -> Entry:
    _, _, entry_id = model.sk.split("#", 2)
    return Entry(entry_id, model.kind, int(model.credits), int(model.at),
                 None if model.due is None else int(model.due), model.order_id,
                 model.shop_id, model.video_id, tuple(model.product_ids or ()),
                 None if model.until is None else int(model.until))


class _EntryExists(Exception):
    pass


class _PoolMoved(Exception):
    pass


def accrue(creator_id: str, entry: Entry, month: str, cap: int) -> int:
    """Credit `entry.due` credits from the brand's pool for `month` to the creator, never past
    `cap`: returns the credits paid (those of the entry already written, on a replay).

    First a transaction ADDing the whole due with the condition issued ≤ cap − due; when the
    pool refuses, read it and take what is left (pool_take) with the condition issued = the
    value read, up to POOL_ATTEMPTS reads. Each transaction writes the entry (absent), the pool,
    the creator's balance and the brand's credits_issued together, so a credit is paid once."""
    shop_id, due = entry.shop_id, entry.due
    read: int | None = None  # the pool's issued as last read; None: not read yet
    exists = False
    for _ in range(POOL_ATTEMPTS + 1):
        if read is None and due > cap:
            read, exists = _read_pool(shop_id, month)
        take = due if read is None else pool_take(due, read, cap)
        if read is None:
            condition = (ChuanliuModel.issued.does_not_exist()
                         | (ChuanliuModel.issued <= cap - due))
        elif exists:
            condition = ChuanliuModel.issued == read
        else:
            condition = ChuanliuModel.issued.does_not_exist()
        try:
            _write_accrual(creator_id, replace(entry, credits=take), month, take, condition)
            return take
        except _EntryExists:
            return existing_credits(creator_id, entry)
        except _PoolMoved:
            read, exists = _read_pool(shop_id, month)
    raise Contended()


def _write_accrual(creator_id: str, entry: Entry, month: str, take: int, condition) -> None:
    def build(tx) -> None:
        tx.save(_entry_model(creator_id, entry), condition=ChuanliuModel.sk.does_not_exist())
        if take <= 0:
            return  # the pool is spent: the entry records what was due, nothing moves
        tx.update(ChuanliuModel(brand_pk(entry.shop_id), f"pool#{month}"),
                  actions=[ChuanliuModel.issued.add(take)], condition=condition)
        tx.update(ChuanliuModel(creator_pk(creator_id), BALANCE),
                  actions=[ChuanliuModel.balance.add(take), ChuanliuModel.issued.add(take)])
        tx.update(ChuanliuModel(brand_pk(entry.shop_id), STATS),
                  actions=[ChuanliuModel.credits_issued.add(take)])

    def failed(reasons) -> None:
        entry_reason = reasons[0] if reasons else None  # puts come first in a transaction
        if entry_reason is not None and entry_reason.code == "ConditionalCheckFailed":
            raise _EntryExists()
        raise _PoolMoved()

    run_transaction(build, on_condition_failed=failed)


def _read_pool(shop_id: str, month: str) -> tuple[int, bool]:
    model = _get(brand_pk(shop_id), f"pool#{month}", consistent=True)
    return (_int(model.issued), True) if model is not None else (0, False)


def existing_credits(creator_id: str, entry: Entry) -> int:
    model = _get(creator_pk(creator_id), _entry_sk(entry), consistent=True)
    return _int(model.credits) if model is not None else 0


def pool_issued(shop_id: str, month: str) -> int:
    return _read_pool(shop_id, month)[0]


def balance_key(creator_id: str) -> tuple[str, dict]:
    return _raw_key(creator_pk(creator_id), BALANCE)


def balance_from(raw: dict | None) -> Balance:
    if not raw:
        return Balance()
    model = ChuanliuModel.from_raw_data(raw)
    return Balance(_int(model.balance), _int(model.issued), _int(model.spent))


def get_balance(creator_id: str) -> Balance:
    model = _get(creator_pk(creator_id), BALANCE, consistent=True)
    return Balance() if model is None else Balance(_int(model.balance), _int(model.issued),
                                                   _int(model.spent))


def list_entries(creator_id: str, limit: int,
                 start_key: dict | None) -> tuple[list[Entry], dict | None]:
    """One page of the creator's entries, newest first: one Query."""
    results = ChuanliuModel.query(
        creator_pk(creator_id), ChuanliuModel.sk.startswith("entry#"),
        scan_index_forward=False, limit=limit + 1, page_size=limit + 1,
        last_evaluated_key=start_key)
    models = list(results)
    page = [_entry(model) for model in models[:limit]]
    if len(models) <= limit:
        return page, None
    last = models[limit - 1]
    return page, {"pk": {"S": last.pk}, "sk": {"S": last.sk}}


# --- boosts --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class BoostList:
    """Every product's boost end (epoch ms) as last written, and the list's version (0: none
    written yet)."""

    boosts: dict[str, int]
    version: int = 0


def boosts_key() -> tuple[str, dict]:
    return _raw_key(*BOOSTS)


def boosts_from(raw: dict | None) -> BoostList:
    return _boost_list(ChuanliuModel.from_raw_data(raw)) if raw else BoostList({})


def _boost_list(model: ChuanliuModel) -> BoostList:
    boosts = {}
    for text in model.entries or []:
        product_id, until = text.split(" ")
        boosts[product_id] = int(until)
    return BoostList(boosts, _int(model.version))


def read_boosts() -> BoostList:
    """The boost list (one GetItem; the feeds job's read per rebuild)."""
    model = _get(*BOOSTS)
    return BoostList({}) if model is None else _boost_list(model)


class InsufficientCredits(Exception):
    pass


class BoostsMoved(Exception):
    """Another boost rewrote the list since it was read: read again and retry."""


class SpendExists(Exception):
    pass


def spend(creator_id: str, entry: Entry, read: BoostList, boosts: dict[str, int]) -> None:
    """One transaction: the spend entry (absent), the balance (condition balance ≥ spent), and
    the boost list replaced by `boosts` (condition: still the version `read`). Raises
    InsufficientCredits or BoostsMoved, and then nothing is written."""
    amount = -entry.credits

    def build(tx) -> None:
        tx.save(_entry_model(creator_id, entry), condition=ChuanliuModel.sk.does_not_exist())
        tx.update(ChuanliuModel(creator_pk(creator_id), BALANCE),
                  actions=[ChuanliuModel.balance.add(-amount), ChuanliuModel.spent.add(amount)],
                  condition=ChuanliuModel.balance >= amount)
        version = (ChuanliuModel.version == read.version if read.version
                   else ChuanliuModel.version.does_not_exist())
        tx.update(ChuanliuModel(*BOOSTS),
                  actions=[ChuanliuModel.entries.set(
                               [f"{pid} {until}" for pid, until in sorted(boosts.items())]),
                           ChuanliuModel.version.set(read.version + 1)],
                  condition=version)

    def failed(reasons) -> None:
        codes = [reason.code if reason else None for reason in reasons]
        if len(codes) > 1 and codes[1] == "ConditionalCheckFailed":
            raise InsufficientCredits()
        if len(codes) > 2 and codes[2] == "ConditionalCheckFailed":
            raise BoostsMoved()
        raise SpendExists()

    run_transaction(build, on_condition_failed=failed)

"""The shops table: one item per shop, carrying what a storefront header needs in one read.

GSI `by_owner` (`owner_id`, `created_at`, keys only): a merchant's own shops, newest first.
Keys only because the shop item is rewritten often (follower counts, scores, shelf flips, the
live flag) and a keys-only index is written only when its keys change, i.e. once, at creation;
the few shops of a page are then read in one BatchGetItem. Listing them = 1 Query + 1
BatchGetItem (none for a merchant with no shop).
"""

from __future__ import annotations

from pynamodb.attributes import (
    BooleanAttribute,
    ListAttribute,
    MapAttribute,
    NumberAttribute,
    UnicodeAttribute,
)
from pynamodb.indexes import GlobalSecondaryIndex, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.domain.catalog import BundleSummary, Shop
from chalicelib.store.base import (
    apply_update,
    batch_get,
    differs,
    key_id,
    query_page,
    save_new,
    table_meta,
)


class BundleSummaryMap(MapAttribute):
    bundle_id = UnicodeAttribute()
    name = UnicodeAttribute()
    price_fen = NumberAttribute()
    parts_total_fen = NumberAttribute()
    saving_fen = NumberAttribute()
    cover_image = UnicodeAttribute(null=True)
    sku_ids = ListAttribute(of=UnicodeAttribute)


class ByOwner(GlobalSecondaryIndex):
    class Meta:
        index_name = "by_owner"
        projection = KeysOnlyProjection()

    owner_id = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class ShopModel(Model):
    Meta = table_meta("shops")

    shop_id = UnicodeAttribute(hash_key=True)
    owner_id = UnicodeAttribute()
    name = UnicodeAttribute()
    description = UnicodeAttribute(default="")
    logo_url = UnicodeAttribute(null=True)
    follower_count = NumberAttribute(default=0)
    live_now = BooleanAttribute(default=False)
    live_id = UnicodeAttribute(null=True)  # the running self-broadcast that set live_now
    category_counts = MapAttribute(default=dict)
    bundles = ListAttribute(of=BundleSummaryMap, default=list)
    shelf_version = NumberAttribute(default=1)
    catalog_rev = NumberAttribute(default=0)
    score = NumberAttribute(null=True)
    shelf_stale = BooleanAttribute(null=True)
    created_at = NumberAttribute()
    updated_at = NumberAttribute()

    by_owner = ByOwner()


def to_domain(model: ShopModel) -> Shop:
    return Shop(
        shop_id=model.shop_id,
        owner_id=model.owner_id,
        name=model.name,
        description=model.description,
        logo_url=model.logo_url,
        # floored: an unfollow counted before its follow (another stream shard) dips it
        follower_count=max(0, int(model.follower_count or 0)),
        live_now=bool(model.live_now),
        live_id=model.live_id,
        category_counts={k: int(v) for k, v in model.category_counts.as_dict().items()},
        bundles=[BundleSummary(**bundle.as_dict()) for bundle in model.bundles],
        shelf_version=int(model.shelf_version),
        catalog_rev=int(model.catalog_rev),
        score=model.score,
        shelf_stale=model.shelf_stale,
        created_at=int(model.created_at),
        updated_at=int(model.updated_at),
    )


def from_domain(shop: Shop) -> ShopModel:
    return ShopModel(
        shop.shop_id,
        owner_id=shop.owner_id,
        name=shop.name,
        description=shop.description,
        logo_url=shop.logo_url,
        follower_count=shop.follower_count,
        live_now=shop.live_now,
        live_id=shop.live_id,
        category_counts=dict(shop.category_counts),
        bundles=[BundleSummaryMap(**vars(bundle)) for bundle in shop.bundles],
        shelf_version=shop.shelf_version,
        catalog_rev=shop.catalog_rev,
        score=shop.score,
        shelf_stale=shop.shelf_stale,
        created_at=shop.created_at,
        updated_at=shop.updated_at,
    )


def key(shop_id: str) -> dict:
    return {"shop_id": {"S": shop_id}}


def create_shop(shop: Shop) -> None:
    save_new(from_domain(shop))  # a fresh id; a retried put that landed before is success


def get_shop(shop_id: str) -> Shop | None:
    try:
        return to_domain(ShopModel.get(shop_id))
    except ShopModel.DoesNotExist:
        return None


def owner_shops(owner_id: str, limit: int,
                start_key: dict | None) -> tuple[list[Shop], dict | None]:
    """One page of a merchant's shops, newest first: 1 Query of the keys-only `by_owner`
    index, then 1 BatchGetItem of the page's shops (none when the page is empty)."""
    models, next_key = query_page(ShopModel.by_owner, owner_id, limit, start_key)
    table = ShopModel.Meta.table_name
    keys = [(table, key(model.shop_id)) for model in models]
    # consistent: the live flag a merchant just set shows in its own list at once
    found = batch_get(keys, consistent=frozenset({table}))
    return [to_domain(ShopModel.from_raw_data(found[key_id(k)])) for k in keys
            if key_id(k) in found], next_key


def update_profile(shop_id: str, owner_id: str, changes: dict, now: int) -> Shop:
    """Apply profile changes only while the caller still owns the shop (one conditional write)."""
    actions = [getattr(ShopModel, name).set(value) for name, value in changes.items()]
    actions.append(ShopModel.updated_at.set(now))
    model = ShopModel(shop_id)
    model.update(actions=actions, condition=ShopModel.owner_id == owner_id)
    return to_domain(model)


def flip_shelf(shop_id: str, from_version: int, expected_rev: int,
               category_counts: dict[str, int]) -> bool:
    """Point the shop at shelf version from_version + 1, if nothing moved since the rebuild
    read it; returns False when the catalog changed meanwhile (the caller rebuilds again)."""
    from pynamodb.exceptions import UpdateError

    try:
        apply_update(
            ShopModel(shop_id),
            actions=[ShopModel.shelf_version.set(from_version + 1),
                     ShopModel.category_counts.set(category_counts),
                     ShopModel.shelf_stale.set(False)],
            condition=(ShopModel.shelf_version == from_version)
            & (ShopModel.catalog_rev == expected_rev),
        )
    except UpdateError as error:
        if error.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


def set_score(shop_id: str, score: float | None) -> bool:
    """Copy the store experience score onto the shop item (read with the storefront header);
    True when it changed. Nothing is written when it did not.

    A changed score is ranking input: the shelf is marked stale for the score job's rebuild, and
    the catalog revision moves, so a rebuild that started before this change cannot flip over it.
    """
    return _update_if_exists(
        shop_id, [ShopModel.score.set(score), ShopModel.catalog_rev.add(1),
                  ShopModel.shelf_stale.set(True)],
        differs(ShopModel.score, score))


def mark_shelf_stale(shop_id: str) -> None:
    """One of the shop's product scores changed: same marks as a changed shop score."""
    _update_if_exists(shop_id, [ShopModel.catalog_rev.add(1), ShopModel.shelf_stale.set(True)])


def go_live_in(tx, shop_id: str, owner_id: str, live_id: str) -> None:
    """Add to a transaction: the shop shows live-now for `live_id`. Fails (the transaction is
    cancelled) when the shop is gone, has another owner, or another session is running."""
    tx.update(ShopModel(shop_id),
              actions=[ShopModel.live_now.set(True), ShopModel.live_id.set(live_id)],
              condition=(ShopModel.owner_id == owner_id) & ShopModel.live_id.does_not_exist())


def end_live_in(tx, shop_id: str, live_id: str) -> None:
    """Add to a transaction: the shop's session `live_id` ended, live-now clears. Conditioned on
    that session being the shop's running one (go_live_in wrote both together)."""
    tx.update(ShopModel(shop_id),
              actions=[ShopModel.live_now.set(False), ShopModel.live_id.remove()],
              condition=ShopModel.live_id == live_id)


def _update_if_exists(shop_id: str, actions: list, condition=None) -> bool:
    from pynamodb.exceptions import UpdateError

    guard = ShopModel.shop_id.exists()
    try:
        apply_update(ShopModel(shop_id), actions,
                     guard if condition is None else guard & condition)
    except UpdateError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        return False
    return True

"""The shelf_cards table: storefront read model, one Query per page.

Partition key `shelf` is "<shop_id>#<version>#<category or *>"; the sort orders are local
secondary indexes on the same partition, so every sort of every tab is one Query and
price_desc is price_asc read backwards.
"""

from __future__ import annotations

from pynamodb.attributes import BooleanAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.indexes import AllProjection, LocalSecondaryIndex
from pynamodb.models import Model

from chalicelib.domain.shelf import ShelfCard, ShelfSort
from chalicelib.store.base import table_meta


class ByRank(LocalSecondaryIndex):
    class Meta:
        index_name = "by_rank"
        projection = AllProjection()

    shelf = UnicodeAttribute(hash_key=True)
    rank = NumberAttribute(range_key=True)


class BySales(LocalSecondaryIndex):
    class Meta:
        index_name = "by_sales"
        projection = AllProjection()

    shelf = UnicodeAttribute(hash_key=True)
    sales_30d = NumberAttribute(range_key=True)


class ByNew(LocalSecondaryIndex):
    class Meta:
        index_name = "by_new"
        projection = AllProjection()

    shelf = UnicodeAttribute(hash_key=True)
    created_at = NumberAttribute(range_key=True)


class ByPrice(LocalSecondaryIndex):
    class Meta:
        index_name = "by_price"
        projection = AllProjection()

    shelf = UnicodeAttribute(hash_key=True)
    min_price_fen = NumberAttribute(range_key=True)


class ShelfCardModel(Model):
    Meta = table_meta("shelf_cards")

    shelf = UnicodeAttribute(hash_key=True)
    product_id = UnicodeAttribute(range_key=True)
    shop_id = UnicodeAttribute()
    title = UnicodeAttribute()
    cover_image = UnicodeAttribute(null=True)
    category = UnicodeAttribute()
    min_price_fen = NumberAttribute()
    list_price_fen = NumberAttribute(null=True)
    sales_30d = NumberAttribute()
    in_stock = BooleanAttribute()
    created_at = NumberAttribute()
    rank = NumberAttribute()
    score = NumberAttribute(null=True)

    by_rank = ByRank()
    by_sales = BySales()
    by_new = ByNew()
    by_price = ByPrice()


# sort → (index, ascending?, the index's sort attribute)
_SORT_INDEX = {
    ShelfSort.COMPREHENSIVE: (ShelfCardModel.by_rank, False, "rank"),
    ShelfSort.SALES: (ShelfCardModel.by_sales, False, "sales_30d"),
    ShelfSort.NEW: (ShelfCardModel.by_new, False, "created_at"),
    ShelfSort.PRICE_ASC: (ShelfCardModel.by_price, True, "min_price_fen"),
    ShelfSort.PRICE_DESC: (ShelfCardModel.by_price, False, "min_price_fen"),
}


def shelf_key(shop_id: str, version: int, category: str) -> str:
    return f"{shop_id}#{version}#{category}"


def card_model(card: ShelfCard, shelf: str) -> ShelfCardModel:
    return ShelfCardModel(shelf, card.product_id, **{
        name: value for name, value in vars(card).items() if name != "product_id"
    })


def to_domain(model: ShelfCardModel) -> ShelfCard:
    return ShelfCard(
        product_id=model.product_id,
        shop_id=model.shop_id,
        title=model.title,
        cover_image=model.cover_image,
        category=model.category,
        min_price_fen=int(model.min_price_fen),
        list_price_fen=None if model.list_price_fen is None else int(model.list_price_fen),
        sales_30d=int(model.sales_30d),
        in_stock=bool(model.in_stock),
        created_at=int(model.created_at),
        rank=float(model.rank),
        score=None if model.score is None else float(model.score),
    )


def query_shelf(shelf: str, sort: ShelfSort, limit: int, start_key: dict | None):
    """One page of one shelf in one Query: (cards, key to continue from or None at the end).

    Reads one item more than the page so "no next page" is known exactly, not guessed.
    """
    index, ascending, range_name = _SORT_INDEX[sort]
    results = index.query(
        shelf, scan_index_forward=ascending, limit=limit + 1, page_size=limit + 1,
        last_evaluated_key=start_key,
    )
    models = list(results)
    if len(models) <= limit:
        return [to_domain(model) for model in models], None
    last = models[limit - 1]
    next_key = {
        "shelf": {"S": shelf},
        "product_id": {"S": last.product_id},
        range_name: {"N": ShelfCardModel.get_attributes()[range_name].serialize(
            getattr(last, range_name))},
    }
    return [to_domain(model) for model in models[:limit]], next_key


def write_cards(models: list[ShelfCardModel]) -> None:
    with ShelfCardModel.batch_write() as batch:
        for model in models:
            batch.save(model)


def delete_shelf(shelf: str) -> int:
    """Delete every card of one shelf (an old version after a flip); returns how many."""
    deleted = 0
    with ShelfCardModel.batch_write() as batch:
        for model in ShelfCardModel.query(shelf, attributes_to_get=["shelf", "product_id"]):
            batch.delete(model)
            deleted += 1
    return deleted

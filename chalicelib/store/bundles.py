"""The bundles table (全套购): one item per bundle with its parts copied at creation."""

from __future__ import annotations

from pynamodb.attributes import ListAttribute, MapAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.models import Model

from chalicelib.domain.catalog import Bundle, BundlePart
from chalicelib.store.base import table_meta


class BundlePartMap(MapAttribute):
    sku_id = UnicodeAttribute()
    product_id = UnicodeAttribute()
    title = UnicodeAttribute()
    specs = MapAttribute(default=dict)
    quantity = NumberAttribute()
    unit_price_fen = NumberAttribute()


class BundleModel(Model):
    Meta = table_meta("bundles")

    bundle_id = UnicodeAttribute(hash_key=True)
    shop_id = UnicodeAttribute()
    name = UnicodeAttribute()
    price_fen = NumberAttribute()
    parts = ListAttribute(of=BundlePartMap)
    created_at = NumberAttribute()


def to_domain(model: BundleModel) -> Bundle:
    return Bundle(
        bundle_id=model.bundle_id,
        shop_id=model.shop_id,
        name=model.name,
        price_fen=int(model.price_fen),
        parts=[
            BundlePart(
                sku_id=part.sku_id,
                product_id=part.product_id,
                title=part.title,
                specs=dict(part.specs.as_dict()),
                quantity=int(part.quantity),
                unit_price_fen=int(part.unit_price_fen),
            )
            for part in model.parts
        ],
        created_at=int(model.created_at),
    )


def from_domain(bundle: Bundle) -> BundleModel:
    return BundleModel(
        bundle.bundle_id,
        shop_id=bundle.shop_id,
        name=bundle.name,
        price_fen=bundle.price_fen,
        parts=[BundlePartMap(**vars(part)) for part in bundle.parts],
        created_at=bundle.created_at,
    )


def key(bundle_id: str) -> dict:
    return {"bundle_id": {"S": bundle_id}}

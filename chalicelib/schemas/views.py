"""Response bodies: what each actor is shown of shops, products, cards and bundles."""

from __future__ import annotations

from chalicelib.domain.catalog import (
    BundleSummary,
    Product,
    Shop,
    Sku,
    StockState,
    stock_label,
    stock_state,
)
from chalicelib.domain.clock import to_iso
from chalicelib.domain.score_display import format_score
from chalicelib.domain.shelf import ShelfCard


def shop_summary(shop: Shop) -> dict:
    return {
        "shop_id": shop.shop_id,
        "name": shop.name,
        "logo_url": shop.logo_url,
        "follower_count": shop.follower_count,
        "live_now": shop.live_now,
        "scores": {"store_experience": shop.score},
    }


def own_shop_summary(shop: Shop) -> dict:
    """A shop in its merchant's list (`GET /me/shops`): the summary, when it opened, and the
    running self-broadcast, if any (its `live_id` leads to the session)."""
    return {**shop_summary(shop), "created_at": to_iso(shop.created_at),
            "live_id": shop.live_id}


def shop_detail(shop: Shop) -> dict:
    return {
        **shop_summary(shop),
        "description": shop.description,
        "owner_id": shop.owner_id,
        "created_at": to_iso(shop.created_at),
        "updated_at": to_iso(shop.updated_at),
    }


def _shopper_sku(sku: Sku) -> dict:
    state = stock_state(sku.stock)
    return {
        "sku_id": sku.sku_id,
        "specs": sku.specs,
        "price_fen": sku.price_fen,
        "list_price_fen": sku.list_price_fen,
        "stock_state": state.value,
        "stock_label": stock_label(sku.stock),
        # Exact counts are shown only when low, to create no pressure otherwise ("仅剩 3 件").
        "stock_left": sku.stock if state is StockState.LOW else None,
    }


def _owner_sku(sku: Sku) -> dict:
    return {
        "sku_id": sku.sku_id,
        "specs": sku.specs,
        "price_fen": sku.price_fen,
        "list_price_fen": sku.list_price_fen,
        "stock": sku.stock,
        "stock_state": stock_state(sku.stock).value,
    }


def _product_fields(product: Product) -> dict:
    prices = [sku.price_fen for sku in product.skus]
    return {
        "product_id": product.product_id,
        "shop_id": product.shop_id,
        "title": product.title,
        "description": product.description,
        "category": product.category,
        "images": product.images,
        "attributes": product.attributes,
        "always_available": product.always_available,
        "price_range": {"min_fen": min(prices), "max_fen": max(prices)},
        "score": product.score,
        "score_display": format_score(product.score),
        "created_at": to_iso(product.created_at),
        "updated_at": to_iso(product.updated_at),
    }


def rating(summary) -> dict:
    return {"count": summary.count, "average": summary.average, "low_share": summary.low_share}


def product_page(product: Product, shop: Shop) -> dict:
    return {
        **_product_fields(product),
        "rating": rating(product.rating),
        "skus": [_shopper_sku(sku) for sku in product.skus],
        "stock_state": stock_state(product.total_stock).value,
        "shop": shop_summary(shop),
    }


def owner_product(product: Product) -> dict:
    return {
        **_product_fields(product),
        "status": product.status.value,
        "revision": product.revision,
        "skus": [_owner_sku(sku) for sku in product.skus],
    }


def card(card: ShelfCard, shop: Shop) -> dict:
    """A storefront card, from the shelf read model."""
    from chalicelib.schemas.cards import ProductCard

    return ProductCard(
        product_id=card.product_id, shop_id=card.shop_id, shop_name=shop.name,
        title=card.title, cover_image=card.cover_image, category=card.category,
        price_fen=card.min_price_fen, list_price_fen=card.list_price_fen,
        sales_30d=card.sales_30d, in_stock=card.in_stock, score=card.score,
    ).model_dump()


def product_card(product: Product, shop: Shop, matched: list[str] | None = None,
                 reason: str | None = None) -> dict:
    """A live card, from the product item itself (search, mall, recommendations)."""
    from chalicelib.schemas.cards import ProductCard

    return ProductCard(
        product_id=product.product_id, shop_id=product.shop_id, shop_name=shop.name,
        title=product.title, cover_image=product.images[0] if product.images else None,
        category=product.category, price_fen=product.min_price_fen,
        list_price_fen=product.min_list_price_fen, sales_30d=product.stats.sales_30d,
        in_stock=product.total_stock > 0, score=product.score, matched=matched,
        reason=reason,
    ).model_dump()


def bundle_summary(bundle: BundleSummary) -> dict:
    return {
        "bundle_id": bundle.bundle_id,
        "name": bundle.name,
        "price_fen": bundle.price_fen,
        "parts_total_fen": bundle.parts_total_fen,
        "saving_fen": bundle.saving_fen,
        "cover_image": bundle.cover_image,
        "sku_ids": bundle.sku_ids,
    }


def storefront_header(shop: Shop) -> dict:
    tabs = [
        {"category": category, "count": count}
        for category, count in sorted(shop.category_counts.items(), key=lambda kv: -kv[1])
        if count > 0
    ]
    return {
        "shop": {**shop_summary(shop), "description": shop.description},
        "tabs": tabs,
        "bundles": [bundle_summary(bundle) for bundle in shop.bundles],
    }


def bundle_detail(bundle) -> dict:
    return {
        "bundle_id": bundle.bundle_id,
        "shop_id": bundle.shop_id,
        "name": bundle.name,
        "price_fen": bundle.price_fen,
        "parts_total_fen": bundle.parts_total_fen,
        "saving_fen": bundle.saving_fen,
        "items": [
            {"sku_id": part.sku_id, "product_id": part.product_id, "title": part.title,
             "specs": part.specs, "quantity": part.quantity,
             "unit_price_fen": part.unit_price_fen}
            for part in bundle.parts
        ],
        "created_at": to_iso(bundle.created_at),
    }


def attribution_view(attribution) -> dict | None:
    """Who a line's GMV is credited to (None on orders placed before attribution)."""
    if attribution is None:
        return None
    return {"channel": attribution.channel.value, "creator_id": attribution.creator_id,
            "video_id": attribution.video_id, "live_id": attribution.live_id,
            "touched_at": to_iso(attribution.touched_at)}


def order_view(order) -> dict:
    return {
        "order_id": order.order_id,
        "checkout_id": order.checkout_id,
        "shop_id": order.shop_id,
        "shop_name": order.shop_name,
        "buyer_id": order.buyer_id,
        "status": order.status.value,
        "total_fen": order.total_fen,
        "lines": [
            {"line": line.line, "sku_id": line.sku_id, "bundle_id": line.bundle_id,
             "product_id": line.product_id, "title": line.title, "specs": line.specs,
             "quantity": line.quantity, "unit_price_fen": line.unit_price_fen,
             "line_total_fen": line.total_fen, "reviewed": line.line in order.reviewed_lines,
             "attribution": attribution_view(line.attribution)}
            for line in order.lines
        ],
        "source": {"scene": order.source.scene.value, "video_id": order.source.video_id,
                   "live_id": order.source.live_id, "creator_id": order.source.creator_id},
        "assists": [{"video_id": a.video_id, "creator_id": a.creator_id, "live_id": a.live_id,
                     "at": to_iso(a.at)} for a in order.assists],
        "shipping": {"carrier": order.carrier, "tracking_number": order.tracking_number},
        "payment_id": order.payment_id,
        "cancel_reason": order.cancel_reason,
        **{name: to_iso(getattr(order, name)) for name in (
            "created_at", "updated_at", "paid_at", "shipped_at", "collected_at",
            "delivered_at", "completed_at", "cancelled_at")},
    }

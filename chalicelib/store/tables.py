"""Every table, defined once by its model: local/test creation and infra/ both read from here."""

from __future__ import annotations

from pynamodb.models import Model

from chalicelib.store.after_sales import AfterSalesCaseModel
from chalicelib.store.aggregates import AggregateModel, EntityModel, ProcessedEventModel
from chalicelib.store.attribution import AttributionDayModel
from chalicelib.store.base import connection
from chalicelib.store.behaviour import (
    AffinityModel,
    BehaviourEventModel,
    DeviceLinkModel,
    RateLimitModel,
)
from chalicelib.store.bundles import BundleModel
from chalicelib.store.campaigns import CampaignModel, EnrollmentModel
from chalicelib.store.carts import CartLineModel
from chalicelib.store.chuanliu import ChuanliuModel
from chalicelib.store.commissions import CommissionModel
from chalicelib.store.creators import CreatorModel
from chalicelib.store.events import EventModel
from chalicelib.store.feeds import FeedModel
from chalicelib.store.follows import FollowModel
from chalicelib.store.idempotency import IdempotencyModel
from chalicelib.store.job_runs import JobRunModel
from chalicelib.store.live import LiveSessionModel
from chalicelib.store.orders import OrderModel
from chalicelib.store.products import ProductModel
from chalicelib.store.purchases import PurchaseModel
from chalicelib.store.reviews import ReviewModel
from chalicelib.store.scene_stats import SceneStatsModel
from chalicelib.store.scores import ScoreModel
from chalicelib.store.search_index import DocModel, LexiconModel, PostingModel
from chalicelib.store.search_log import SearchLogModel
from chalicelib.store.service_sessions import ServiceSessionModel
from chalicelib.store.shelves import ShelfCardModel
from chalicelib.store.shops import ShopModel
from chalicelib.store.tail import ShopTailDayModel, TailLineModel
from chalicelib.store.touches import TouchModel
from chalicelib.store.videos import VideoModel

# base name → model; the deployed table is the stage prefix + base name.
MODELS: dict[str, type[Model]] = {
    "shops": ShopModel,
    "products": ProductModel,
    "bundles": BundleModel,
    "shelf_cards": ShelfCardModel,
    "carts": CartLineModel,
    "orders": OrderModel,
    "events": EventModel,
    "idempotency": IdempotencyModel,
    "reviews": ReviewModel,
    "after_sales": AfterSalesCaseModel,
    "service_sessions": ServiceSessionModel,
    "aggregates": AggregateModel,
    "entities": EntityModel,
    "processed_events": ProcessedEventModel,
    "scores": ScoreModel,
    "job_runs": JobRunModel,
    "creators": CreatorModel,
    "campaigns": CampaignModel,
    "enrollments": EnrollmentModel,
    "search_postings": PostingModel,
    "search_docs": DocModel,
    "search_lexicon": LexiconModel,
    "search_log": SearchLogModel,
    "behaviour_events": BehaviourEventModel,
    "scene_stats": SceneStatsModel,
    "rate_limits": RateLimitModel,
    "device_links": DeviceLinkModel,
    "affinities": AffinityModel,
    "mall_feeds": FeedModel,
    "follows": FollowModel,
    "purchases": PurchaseModel,
    "chuanliu": ChuanliuModel,
    "live_sessions": LiveSessionModel,
    "videos": VideoModel,
    "tail_lines": TailLineModel,
    "shop_tail_days": ShopTailDayModel,
    "touches": TouchModel,
    "attribution_days": AttributionDayModel,
    "commissions": CommissionModel,
}

# Tables whose items expire, and the attribute DynamoDB's TTL reads.
TTL_ATTRIBUTES: dict[str, str] = {
    "affinities": "expires_at",
    "behaviour_events": "expires_at",
    "carts": "expires_at",
    "device_links": "expires_at",
    "idempotency": "expiration",
    "processed_events": "expires_at",
    "rate_limits": "expires_at",
    "purchases": "expires_at",
    "search_lexicon": "expires_at",
    "search_log": "expires_at",
    "tail_lines": "expires_at",
    "touches": "expires_at",
}

# Tables whose changes feed stream consumers.
STREAM_VIEWS: dict[str, str] = {"events": "NEW_IMAGE", "behaviour_events": "NEW_IMAGE"}


def table_definition(base_name: str) -> dict:
    """The CreateTable shape of one table: keys, attribute types and indexes, nothing else."""
    schema = MODELS[base_name]._get_schema()
    definition = {
        "AttributeDefinitions": sorted(
            schema["attribute_definitions"], key=lambda a: a["AttributeName"]
        ),
        "KeySchema": _key_schema(schema["key_schema"]),
        "BillingMode": "PAY_PER_REQUEST",
    }
    for kind, schema_key in (("GlobalSecondaryIndexes", "global_secondary_indexes"),
                             ("LocalSecondaryIndexes", "local_secondary_indexes")):
        indexes = [_index(index) for index in schema.get(schema_key, [])]
        if indexes:
            definition[kind] = sorted(indexes, key=lambda i: i["IndexName"])
    if base_name in STREAM_VIEWS:
        definition["StreamSpecification"] = {
            "StreamEnabled": True, "StreamViewType": STREAM_VIEWS[base_name],
        }
    return definition


def _key_schema(keys: list[dict]) -> list[dict]:
    """HASH first, as CreateTable and CloudFormation require."""
    return [
        {"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]}
        for k in sorted(keys, key=lambda k: k["KeyType"] != "HASH")
    ]


def _index(index: dict) -> dict:
    return {
        "IndexName": index["index_name"],
        "KeySchema": _key_schema(index["key_schema"]),
        "Projection": {"ProjectionType": index["projection"]["ProjectionType"]},
    }


def create_missing_tables(progress=print) -> list[str]:
    """Create the tables that do not exist yet (never touching existing ones)."""
    client = connection().client
    existing = set()
    for page in client.get_paginator("list_tables").paginate():
        existing.update(page["TableNames"])
    created = []
    for base_name, model in MODELS.items():
        table_name = model.Meta.table_name
        if table_name in existing:
            progress(f"  table {table_name}: exists")
            continue
        client.create_table(TableName=table_name, **table_definition(base_name))
        client.get_waiter("table_exists").wait(TableName=table_name)
        if base_name in TTL_ATTRIBUTES:
            client.update_time_to_live(
                TableName=table_name,
                TimeToLiveSpecification={"Enabled": True,
                                         "AttributeName": TTL_ATTRIBUTES[base_name]},
            )
        progress(f"  table {table_name}: created")
        created.append(table_name)
    return created

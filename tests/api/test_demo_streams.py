"""The demo around live streams (local.demo_streams), loaded on moto and read back through the
API: the tail GMV decays night by night, the creator's ledger holds every state, the brand's
Chuanliu report compares its group with the holdout, and every day's attribution reconciles."""

from __future__ import annotations

import pytest

from chalicelib.domain.clock import DAY_MS, business_day
from local.demo_data import build_demo_catalog
from local.demo_streams import BRAND_OWNER, COHORT, TEA_OWNER, plan_streams
from tests.support import bearer


@pytest.fixture(scope="module")
def catalog():
    return build_demo_catalog()


@pytest.fixture
def loaded(aws, queue, frozen_clock, catalog):
    """The two demo shops the plan sells from, their products, then the plan made real."""
    from chalicelib.domain import clock
    from chalicelib.store import catalog as catalog_store
    from local.demo_streams import load_streams

    shops = [shop for shop in catalog.shops if shop.owner_id in (BRAND_OWNER, TEA_OWNER)]
    for shop in shops:
        catalog_store.create_shop(shop)
        for product in catalog.products:
            if product.shop_id == shop.shop_id:
                catalog_store.save_product(None, product, shop)
    plan = plan_streams(catalog, clock.now_ms())
    load_streams(plan, catalog, progress=lambda _: None)
    return plan


def test_the_streams_tail_gmv_decays_night_by_night(api, loaded):
    merchant = bearer("merchant", BRAND_OWNER)
    status, sessions = api.call("get", f"/shops/{loaded.brand_shop_id}/live-sessions",
                                headers=merchant)
    assert status == 200 and len(sessions["items"]) == 1
    live = sessions["items"][0]
    stream_gmv = sum(p.demo.total_fen for p in loaded.orders if p.source.live_id == "{live}"
                     and p.video is None)
    assert (live["status"], live["gmv_fen"]) == ("ended", stream_gmv)
    status, tail = api.call("get", f"/live-sessions/{live['live_id']}/tail-gmv",
                            headers=merchant)
    assert status == 200
    planned = {}
    for order in loaded.orders:
        if order.video is not None:
            night = business_day(order.demo.paid_at)
            planned[night] = planned.get(night, 0) + 1
    nights = {n["night"]: n for n in tail["nights"]}
    assert {night: nights[night]["orders"] for night in planned} == planned
    after_first = [n["gmv_fen"] for n in tail["nights"][1:] if n["orders"]]
    assert after_first == sorted(after_first, reverse=True) and after_first[0] > 0
    assert any(n["assisted_gmv_fen"] > 0 for n in tail["nights"])


def test_the_creators_ledger_holds_every_state(api, loaded):
    status, ledger = api.call("get", "/creators/c1/commissions", headers=bearer("creator", "c1"))
    assert status == 200
    totals = ledger["totals"]
    assert totals["pending"] > 0 and totals["settled"] > 0 and totals["void"] > 0
    assert totals["clawback"] < 0
    status, tea = api.call("get", "/creators/c2/commissions", headers=bearer("creator", "c2"))
    assert status == 200 and tea["items"] and tea["totals"]["clawback"] == 0


def test_the_brands_chuanliu_report_compares_its_group_with_the_holdout(api, loaded):
    from chalicelib.domain.chuanliu import in_holdout

    status, report = api.call("get", f"/shops/{loaded.brand_shop_id}/reports/chuanliu",
                              headers=bearer("merchant", BRAND_OWNER))
    assert status == 200
    held_out = sum(in_holdout(loaded.brand_shop_id, f"u{n}") for n in range(301, 301 + COHORT))
    assert (report["group_size"], report["holdout_size"]) == (COHORT, held_out)
    assert report["increment_pct"] > 0 and report["credits_issued"] > 0


def test_every_demo_day_reconciles_paid_with_attributed_and_unattributed(api, loaded):
    ops = bearer("ops", "ops1")
    days = sorted({business_day(p.demo.paid_at) for p in loaded.orders})
    assert len(days) > 20
    paid_total = 0
    for day in days:
        status, report = api.call("get", f"/ops/reports/attribution?day={day}", headers=ops)
        assert status == 200
        assert report["paid_gmv_fen"] == (report["attributed_gmv_fen"]
                                          + report["unattributed_gmv_fen"])
        assert sum(report["by_channel"].values()) == report["paid_gmv_fen"]
        paid_total += report["paid_gmv_fen"]
    assert paid_total == sum(p.demo.total_fen for p in loaded.orders)
    assert business_day(loaded.as_of_ms - DAY_MS) in days

"""Response bodies for reviews, after-sales cases and customer-service sessions."""

from __future__ import annotations

from chalicelib.domain.after_sales import AfterSalesCase, Review, ServiceSession, handling_ms
from chalicelib.domain.clock import to_iso


def review_view(review: Review, *, for_author: bool = False) -> dict:
    """A review as the public sees it; its author also sees which order line it rates."""
    body = {
        "review_id": review.review_id,
        "product_id": review.product_id,
        "bundle_id": review.bundle_id,
        "sku_id": review.sku_id,
        "title": review.title,
        "specs": review.specs,
        "rating": review.rating,
        "text": review.text,
        "images": review.images,
        "created_at": to_iso(review.created_at),
    }
    if for_author:
        body.update({"order_id": review.order_id, "line": review.line})
    return body


def case_view(case: AfterSalesCase) -> dict:
    return {
        "case_id": case.case_id,
        "order_id": case.order_id,
        "line": case.line,
        "shop_id": case.shop_id,
        "buyer_id": case.buyer_id,
        "type": case.type.value,
        "reason": case.reason.value,
        "amount_fen": case.amount_fen,
        "quantity": case.quantity,
        "line_total_fen": case.line_total_fen,
        "description": case.description,
        "product_ids": case.product_ids,
        "status": case.status.value,
        "reject_reason": case.reject_reason,
        "escalate_reason": case.escalate_reason,
        "seller_fault": case.seller_fault,
        "ruling_note": case.ruling_note,
        "handling_ms": handling_ms(case.requested_at, case.refunded_at or case.closed_at),
        **{name: to_iso(getattr(case, name)) for name in (
            "requested_at", "decided_at", "escalated_at", "ruled_at", "returned_at",
            "refunded_at", "closed_at", "updated_at")},
    }


def service_session_view(session: ServiceSession) -> dict:
    return {
        "shop_id": session.shop_id,
        "session_id": session.session_id,
        "buyer_id": session.buyer_id,
        "started_at": to_iso(session.started_at),
        "first_reply_at": to_iso(session.first_reply_at),
        "human_reply_at": to_iso(session.human_reply_at),
        **session.metrics(),
        "reported_at": to_iso(session.reported_at),
    }

"""What every table shares: naming, region, billing, one low-level connection, the retry budget
every DynamoDB call runs under, and how pynamodb is made to meet it (one botocore session for
every table; error codes that do not fail when no answer came; `save_new` for fresh items).

The DynamoDB endpoint is not set here on purpose: botocore reads AWS_ENDPOINT_URL_DYNAMODB /
AWS_ENDPOINT_URL, so the same code talks to moto, to a local DynamoDB, or to AWS.

The retry budget (docs/faults.md has the reasoning at length)
-------------------------------------------------------------
botocore's *standard* retry mode, chosen over *adaptive*: adaptive adds a client-side rate
limiter that learns from throttles, but it is one limiter per client (the transactions client
here serves every table, so one hot partition would slow them all), it starts afresh in every
Lambda container and waits out of the same 29 s, and botocore still calls it experimental. On
on-demand tables throttling is a hot key's, and backing off that one call is the answer.

Every call (pynamodb's models, `connection()`, Powertools' idempotency client) gets:

    attempts per call      4  (MAX_ATTEMPTS: the first and 3 retries, botocore's DynamoDB default)
    one attempt          ≤ 5 s  (CONNECT_TIMEOUT_SECONDS 1 + READ_TIMEOUT_SECONDS 4)
    backoff, throttled   ≤ 1 + 2 + 4 = 7 s  (botocore: rand × 1 s × 2^i before retry i+1)
    backoff, otherwise   ≤ 25 + 50 + 100 ms  (500s, dropped connections, timeouts)
    one call, worst      ≤ 4 × 5 + 7 = 27 s

so one call's whole budget fits inside API Gateway's 29 s (and a 30 s Lambda) on its own. A
request makes several calls in a row, so on the request path a deadline caps their sum:
`request_budget()` (app.py's middleware) sets a cutoff REQUEST_CUTOFF_SECONDS = 28 s after the
request began (1 s before the gateway gives up, to answer), and no attempt starts unless it can
end by then, at worst: a first attempt needs 5 s left, a retry its longest backoff (1, 2, then
4 s) and 5 s. So every attempt has ended by 28 s. A call refused a retry fails with the error it
had; one refused its first attempt raises DeadlineExceeded; the routes answer both as 503
`dynamodb_unavailable` with Retry-After (chalicelib/errors.py). Background work (streams, the
jobs queue, schedules) runs without a cutoff: the full 4 attempts of every call.

botocore's standard mode also keeps a retry quota per client (500 units, 14 per retry, 5 per
throttled retry, refunded on success): under a long outage retries stop early instead of
multiplying the load. Above botocore: BatchGetItem's unprocessed keys (`batch_get_items`, ≤ 5
more calls, 0.1 + 0.2 + … + 1.6 s apart) and pynamodb's batch writes' unprocessed items (≤ 2
more calls); transactions cancelled by a conflict (chalicelib.store.transactions, ≤ 6 attempts);
a Powertools record's completion or deletion, once more (chalicelib.store.idempotency). Each is
a call with this budget, and on the request path the cutoff stops them all.
"""

from __future__ import annotations

import contextlib
import os
import threading
import time
from contextvars import ContextVar
from functools import lru_cache

import botocore.session
from botocore.exceptions import BotoCoreError
from pynamodb.connection import Connection

from chalicelib.settings import get_settings

RETRY_MODE = "standard"
MAX_ATTEMPTS = 4
CONNECT_TIMEOUT_SECONDS = 1
READ_TIMEOUT_SECONDS = 4
ATTEMPT_SECONDS = CONNECT_TIMEOUT_SECONDS + READ_TIMEOUT_SECONDS
THROTTLE_BACKOFF_SCALE_SECONDS = 1  # botocore's: a throttled retry i waits rand × 1 s × 2^(i-1)
REQUEST_CUTOFF_SECONDS = 28  # API Gateway answers 504 at 29 s; 1 s to spare for the answer


def table_meta(base_name: str) -> type:
    """A pynamodb Meta class for the table called `base_name` in this stage."""
    settings = get_settings()

    class Meta:
        table_name = settings.table_name(base_name)
        region = settings.region
        billing_mode = "PAY_PER_REQUEST"
        connect_timeout_seconds = CONNECT_TIMEOUT_SECONDS
        read_timeout_seconds = READ_TIMEOUT_SECONDS
        # pynamodb's "LEGACY" retry configuration is botocore's standard mode with
        # 1 + max_retry_attempts attempts: the budget above
        max_retry_attempts = MAX_ATTEMPTS - 1

    return Meta


def retry_configuration() -> dict:
    """botocore's `retries` setting for the budget above."""
    return {"mode": RETRY_MODE, "total_max_attempts": MAX_ATTEMPTS}


def client_config():
    """A botocore Config with the budget, for DynamoDB clients made outside pynamodb."""
    from botocore.config import Config

    return Config(connect_timeout=CONNECT_TIMEOUT_SECONDS, read_timeout=READ_TIMEOUT_SECONDS,
                  retries=retry_configuration())


@lru_cache(maxsize=1)
def connection() -> Connection:
    """The connection transactions and cross-table batch reads go through (created once)."""
    settings = get_settings()
    return Connection(region=settings.region, connect_timeout_seconds=CONNECT_TIMEOUT_SECONDS,
                      read_timeout_seconds=READ_TIMEOUT_SECONDS,
                      retry_configuration=retry_configuration())


# --- the request cutoff ----------------------------------------------------------------------

class DeadlineExceeded(BotoCoreError):
    """A DynamoDB attempt could not end before the request's cutoff, so it was not started."""

    fmt = ("DynamoDB {operation} not attempted: {left:.1f} s before the request's cutoff, "
           "too little for an attempt")


_cutoff: ContextVar[float | None] = ContextVar("dynamodb_cutoff", default=None)


@contextlib.contextmanager
def request_budget(seconds: float = REQUEST_CUTOFF_SECONDS):
    """Within the block (one HTTP request; each thread of the local server has its own), no
    DynamoDB attempt starts unless it can end within `seconds` of entering it."""
    token = _cutoff.set(time.monotonic() + seconds)
    try:
        yield
    finally:
        _cutoff.reset(token)


def request_time_left() -> float | None:
    """Seconds until this request's cutoff; None outside a request (no cutoff)."""
    cutoff = _cutoff.get()
    return None if cutoff is None else cutoff - time.monotonic()


def _refuse_late_call(model, **_) -> None:
    """botocore `before-call`: a first attempt that could not end by the cutoff never starts."""
    left = request_time_left()
    if left is not None and left < ATTEMPT_SECONDS:
        raise DeadlineExceeded(operation=model.name, left=left)


def _refuse_late_retry(attempts: int, **_) -> bool | None:
    """botocore `needs-retry`, asked before botocore's own retry handler: False (no retry) when
    the longest backoff before the next attempt and that attempt could not end by the cutoff;
    None leaves the decision to botocore."""
    left = request_time_left()
    if left is None:
        return None
    longest_backoff = THROTTLE_BACKOFF_SCALE_SECONDS * 2 ** (attempts - 1)
    return False if left < longest_backoff + ATTEMPT_SECONDS else None


def _install_cutoff_handlers() -> None:
    """Every botocore session made from now on (pynamodb's shared one below, boto3's) gets the
    two handlers; registered before any client exists, they run before the retry handler that
    each client adds for itself. Without a cutoff set they do nothing."""
    from botocore import handlers

    wanted = [("before-call.dynamodb", _refuse_late_call),
              ("needs-retry.dynamodb", _refuse_late_retry)]
    for entry in wanted:
        if entry not in handlers.BUILTIN_HANDLERS:
            handlers.BUILTIN_HANDLERS.append(entry)


_install_cutoff_handlers()


# --- one botocore session for every table ----------------------------------------------------

class _SharedSession(botocore.session.Session):
    """A botocore session whose client creation takes turns (botocore's is not thread-safe)."""

    _creating = threading.Lock()

    def create_client(self, *args, **kwargs):
        with self._creating:
            return super().create_client(*args, **kwargs)


@lru_cache(maxsize=1)
def _shared_session() -> _SharedSession:
    return _SharedSession()


def _share_one_botocore_session() -> None:
    """pynamodb gives each table's connection a botocore session of its own, per thread, and
    a new session parses DynamoDB's service description again: about 190 ms of CPU for each
    table on its first use (in a cold Lambda, for every table a request touches; under `chalice
    local`, for every table and every request thread at once, which held 25 concurrent checkouts
    up for 20 s). Sharing one session, a table's client costs about 9 ms."""
    import pynamodb.connection.base as pynamodb_base

    pynamodb_base.get_session = _shared_session


_share_one_botocore_session()


def _answerless_errors_have_no_code() -> None:
    """pynamodb's `cause_response_code` and `cause_response_message` read the botocore cause's
    `response`, which is None on an HTTPClientError (a dropped connection, a read timeout): the
    properties raised AttributeError in every `except PutError as error: if
    error.cause_response_code …`, so a DynamoDB outage answered 500 instead of 503. Here they are
    None when no answer came."""
    from pynamodb.exceptions import PynamoDBException

    def answer(error) -> dict:
        return getattr(error.cause, "response", None) or {}

    PynamoDBException.cause_response_code = property(
        lambda error: answer(error).get("Error", {}).get("Code"))
    PynamoDBException.cause_response_message = property(
        lambda error: answer(error).get("Error", {}).get("Message"))


_answerless_errors_have_no_code()


_pools: dict[str, object] = {}
_pools_lock = threading.Lock()


def worker_pool(name: str, workers: int):
    """The container's thread pool `name` for a store's parallel reads (one per process, made
    on first use). A forked child starts with none: the parent's threads do not survive a fork,
    and a pool that believes it has idle threads would wait for them forever (`make run`'s
    preparation forks, `local.lanes`)."""
    with _pools_lock:
        pool = _pools.get(name)
        if pool is None:
            from concurrent.futures import ThreadPoolExecutor

            pool = _pools[name] = ThreadPoolExecutor(max_workers=workers,
                                                     thread_name_prefix=name)
    return pool


def _forget_pools_in_child() -> None:
    global _pools_lock
    _pools.clear()
    _pools_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools_in_child)


def apply_update(model, actions: list, condition=None) -> None:
    """UpdateItem on `model`'s key, answered with nothing. pynamodb's `Model.update` asks for
    ALL_NEW and loads the answer into the model: a writer that only needs the change applied
    (most here) would pay for an answer the size of the item, a product's SKUs and all. Use
    `Model.update` when the item is read back. Raises pynamodb's UpdateError, as it does."""
    hash_key, range_key = model._get_hash_range_key_serialized_values()
    type(model)._get_connection().update_item(hash_key, range_key=range_key, actions=actions,
                                              condition=condition)


def save_new(model) -> None:
    """Put an item whose key is a fresh id (nobody else can write it), safe under retries.

    The put is conditioned on the key being absent. When botocore's first send took effect and
    its answer was lost, the retry finds the item and fails that condition; the item it finds
    is then the one this call wrote, which is success. One consistent GetItem more, only when
    the condition fails; any other item there is the caller's error, raised as before."""
    from pynamodb.exceptions import PutError

    keys = [getattr(model, name) for name in (model._hash_keyname, model._range_keyname)
            if name]
    try:
        model.save(condition=getattr(type(model), model._hash_keyname).does_not_exist())
    except PutError as error:
        if error.cause_response_code != "ConditionalCheckFailedException":
            raise
        try:
            stored = type(model).get(*keys, consistent_read=True)
        except type(model).DoesNotExist:
            raise error from None
        if stored.serialize() != model.serialize():
            raise


def differs(attribute, value):
    """A condition that holds when `attribute` does not already hold `value` (None: absent)."""
    if value is None:
        return attribute.exists()
    return attribute.does_not_exist() | (attribute != value)


_MAX_UNPROCESSED_RETRIES = 5


def batch_get_items(request: dict) -> dict[str, list[dict]]:
    """One BatchGetItem (`RequestItems`, ≤ 100 keys): raw items by table name. Keys DynamoDB
    leaves unprocessed (throttling) are asked again with backoff, each a round trip more."""
    found: dict[str, list[dict]] = {}
    attempt = 0
    while request:
        response = connection().client.batch_get_item(RequestItems=request)
        for table_name, items in response.get("Responses", {}).items():
            found.setdefault(table_name, []).extend(items)
        request = response.get("UnprocessedKeys") or {}
        attempt += 1
        if request and attempt > _MAX_UNPROCESSED_RETRIES:
            raise RuntimeError("DynamoDB kept keys unprocessed; try again")
        if request:
            time.sleep(0.05 * 2**attempt)
    return found


_MAX_BATCH_KEYS = 100


def batch_get(keys: list[tuple[str, dict]],
              consistent: frozenset[str] = frozenset()) -> dict[tuple[str, str], dict]:
    """Raw items for (table, key) pairs from any tables, ≤ 100 keys per BatchGetItem; found
    items by (table, the key's values joined by "|"). Tables in `consistent` are read with
    strongly consistent reads."""
    found: dict[tuple[str, str], dict] = {}
    unique = list({(table, _key_id(key)): (table, key) for table, key in keys}.values())
    for start in range(0, len(unique), _MAX_BATCH_KEYS):
        request: dict[str, dict] = {}
        for table, key in unique[start:start + _MAX_BATCH_KEYS]:
            request.setdefault(table, {"Keys": [], "ConsistentRead": table in consistent})[
                "Keys"].append(key)
        for table, items in batch_get_items(request).items():
            for item in items:
                found[(table, _item_id(table, item, request[table]["Keys"][0]))] = item
    return found


def key_id(table_key: tuple[str, dict]) -> tuple[str, str]:
    """How batch_get names the item of a (table, key) pair."""
    table, key = table_key
    return table, _key_id(key)


def _key_id(key: dict) -> str:
    return "|".join(f"{name}={next(iter(value.values()))}" for name, value in sorted(key.items()))


def _item_id(table: str, item: dict, example_key: dict) -> str:
    return _key_id({name: item[name] for name in example_key})


def query_page(index, hash_value: str, limit: int,
               start_key: dict | None) -> tuple[list, dict | None]:
    """One page of an index's partition, newest first (descending range key), in one Query:
    (models, the raw key that resumes after the page, or None on the last page).

    It reads limit + 1 items, so the last page says it is the last (no empty page to fetch
    after it). The resume key is the last returned item's table and index keys, which is what
    DynamoDB's own LastEvaluatedKey would hold."""
    models = list(index.query(hash_value, scan_index_forward=False, limit=limit + 1,
                              page_size=limit + 1, last_evaluated_key=start_key))
    if len(models) <= limit:
        return models, None
    last = models[limit - 1].serialize(null_check=False)  # keys-only items lack the rest
    return models[:limit], {name: last[name] for name in _page_key_names(index)}


def _page_key_names(index) -> set[str]:
    schemas = (index._model._get_schema(), index._get_schema())
    return {key["AttributeName"] for schema in schemas for key in schema["key_schema"]}

"""A moto DynamoDB server that behaves well enough to race against.

moto's in-memory backend is not thread-safe: two TransactWriteItems at once can fail with a 500
("dictionary changed size during iteration"). Real DynamoDB applies each request atomically, so
this server applies one request at a time; clients still race freely over HTTP, and every
conditional write and transaction is judged against a consistent table, as in AWS.

It also stops moto from keeping every model instance it creates (a list used only by moto's
dashboard), which otherwise grows the process by a full table copy per transaction, and makes a
table Query (or a local index's) read its one partition: moto sorts every item of the table on
each Query, which DynamoDB never does, so the score job's thousands of Queries took half a
minute on demo data. And it reads and answers DynamoDB requests as plain JSON, as moto 4 did,
instead of walking every request and answer through botocore's shape model, and sizes a new
item once instead of once per attribute (`apply_patches` lists them all).

    python -m local.moto_server --port 5005     # used by the integration tests
    python -m local.moto_server --prepare http://127.0.0.1:8000   # make run: demo data first
"""

from __future__ import annotations

import argparse
import logging
import threading
import time

from moto.server import DomainDispatcherApplication, ThreadedMotoServer, create_backend_app
from werkzeug.serving import make_server


class _Discard(list):
    def append(self, item) -> None:
        pass


def stop_instance_tracking() -> None:
    """If a moto upgrade renames these internals this does nothing, and only memory suffers."""
    try:
        import moto.dynamodb.models  # noqa: F401  (registers DynamoDB's model classes)
        from moto.core.model_instances import model_data
    except ImportError:
        return
    for models in model_data.values():
        for model in models.values():
            model.instances_tracked = _Discard()


def narrow_table_queries() -> None:
    """A Query on a table, or on one of its local secondary indexes (which share its partition
    key), looks only at its partition, as DynamoDB does; moto sorts every item of the table on
    each Query, so the search postings' impact-ordered Queries read the whole postings table.
    The narrowed view exists only while that Query runs, and only for its thread. If a moto
    upgrade changes these internals, Queries are left as they are (slow, still correct)."""
    import inspect

    from moto.dynamodb.models.table import Table

    original = Table.query
    if getattr(original, "narrowed", False) or not hasattr(Table, "all_items"):
        return
    try:
        signature = inspect.signature(original)
    except (TypeError, ValueError):
        return
    if not {"hash_key", "index_name", "hash_key_conditions"} <= set(signature.parameters):
        return
    # The narrowed view is per thread: in-process moto (the tests) serves the search's parallel
    # postings Queries on one Table object at once.
    views = threading.local()
    all_items = Table.all_items

    def narrowed_items(self):
        view = getattr(views, "by_table", {}).get(id(self))
        return all_items(self) if view is None else view

    def query(self, *args, **kwargs):
        arguments = signature.bind(self, *args, **kwargs).arguments
        index_name = arguments.get("index_name")
        if index_name and index_name not in {index.name for index in self.indexes}:
            return original(self, *args, **kwargs)  # a global index: another partition key
        hash_key = arguments.get("hash_key")
        for name, value in arguments.get("hash_key_conditions") or ():
            if name == self.hash_key_attr:
                hash_key = value
        if hash_key is None or not self.range_key_attr:
            return original(self, *args, **kwargs)
        by_table = views.__dict__.setdefault("by_table", {})
        by_table[id(self)] = list(self.items.get(hash_key, {}).values())  # query sorts them
        try:
            return original(self, *args, **kwargs)
        finally:
            del by_table[id(self)]

    query.narrowed = True
    Table.all_items = narrowed_items
    Table.query = query


def back_up_touched_items_only() -> None:
    """A TransactWriteItems backs up the items it touches, not a deep copy of every table it
    touches: moto's copy made each transaction cost the size of its tables, so indexing a
    catalogue (a postings table that grows with every product) was quadratic. The rollback is
    the same: on a cancelled transaction every touched item is put back as it was. Safe under
    SerializedMotoServer and single-threaded in-process tests, where no other write interleaves.
    If a moto upgrade changes these internals, transactions are left as they are."""
    import copy

    from moto.dynamodb import models as dynamodb_models

    backend = dynamodb_models.DynamoDBBackend
    original = backend.transact_write_items
    if getattr(original, "item_backups", False) or not hasattr(dynamodb_models, "copy"):
        return

    class _NoTableCopies:
        @staticmethod
        def deepcopy(value, *args):
            return value  # the tables themselves: rolled back item by item below

    def transact_write_items(self, transact_items):
        backups = []
        for entry in transact_items:
            _, operation = next(iter(entry.items()))
            table = self.tables.get(operation.get("TableName"))
            if table is None:
                continue
            key = operation.get("Key") or _key_of(table, operation.get("Item", {}))
            if key is None:
                continue
            current = self.get_item(operation["TableName"], key)
            backups.append((operation["TableName"], key,
                            copy.deepcopy(current.to_json()["Attributes"]) if current else None))
        dynamodb_models.copy = _NoTableCopies
        try:
            return original(self, transact_items)
        except Exception:
            for table_name, key, attributes in reversed(backups):
                if attributes is None:
                    if self.get_item(table_name, key) is not None:
                        self.delete_item(table_name, key)
                else:
                    self.put_item(table_name, attributes)
            raise
        finally:
            dynamodb_models.copy = copy

    def _key_of(table, item: dict) -> dict | None:
        if table.hash_key_attr not in item:
            return None
        key = {table.hash_key_attr: item[table.hash_key_attr]}
        if table.range_key_attr is not None and table.range_key_attr in item:
            key[table.range_key_attr] = item[table.range_key_attr]
        return key

    transact_write_items.item_backups = True
    backend.transact_write_items = transact_write_items


def answer_dynamodb_as_json() -> None:
    """Answer DynamoDB requests the way moto 4 did: the result dict dumped as JSON.

    moto 5 walks every answer through botocore's shape model, value by value, and deep-copies
    each item twice on the way out; for item-heavy answers (a BatchGetItem of 100 products, a
    Query of a feed) that took 50–70 ms per call and nine tenths of `make run`'s feeds job. The
    answers are DynamoDB JSON already (bytes and datetimes are what DynamoJsonEncoder turns into
    base64 and epoch seconds, as the service does), so errors alone keep moto's serializer."""
    try:
        from moto.core.responses import ActionResult
        from moto.dynamodb.models import dynamo_type
        from moto.dynamodb.models.utilities import dynamo_json_dump
        from moto.dynamodb.responses import DynamoHandler, DynamoResult
    except ImportError:
        return
    if getattr(DynamoHandler.serialized, "as_json", False):
        return
    serialized = DynamoHandler.serialized
    plain_results = (ActionResult, DynamoResult)

    def as_json(self, action_result: ActionResult):
        result = action_result.result
        # the reads answer DynamoResult, the writes a plain ActionResult; a paginated or empty
        # one, or an error, is left to moto
        if isinstance(result, Exception) or type(action_result) not in plain_results:
            return serialized(self, action_result)
        if isinstance(result, dict):
            result = {key: value for key, value in result.items() if value is not None}
        headers = {**self.response_headers, "Content-Type": "application/x-amz-json-1.0"}
        return 200, headers, dynamo_json_dump(result)

    as_json.as_json = True
    DynamoHandler.serialized = as_json

    def to_regular_json(self) -> dict:
        """DynamoType.to_regular_json without its deep copy: values are rebuilt, not copied."""
        value = self.value
        if isinstance(value, dict):
            value = {key: nested.to_regular_json() if isinstance(nested, dynamo_type.DynamoType)
                     else nested for key, nested in value.items()}
        elif isinstance(value, list):
            value = [nested.to_regular_json() if isinstance(nested, dynamo_type.DynamoType)
                     else nested for nested in value]
        if self.is_binary() and isinstance(value, str):
            import base64

            value = base64.b64decode(value)
        return {self.type: value}

    dynamo_type.DynamoType.to_regular_json = to_regular_json


def read_dynamodb_requests_as_json() -> None:
    """Read DynamoDB request bodies with json.loads, as moto 4 did, instead of walking them
    through botocore's shape model value by value: that walk was a third of moto's time on a
    BatchWriteItem of 25 items. DynamoDB's requests are JSON whose values are the wire's
    (strings, numbers as strings, lists, maps), which is what the handlers read; the one
    difference, binary attributes left base64-encoded instead of decoded, does not matter
    here: this service stores none. If a moto upgrade renames these internals, requests are
    parsed as before."""
    import json

    try:
        from moto.dynamodb.responses import DynamoHandler
    except ImportError:
        return
    parse_parameters = getattr(DynamoHandler, "parse_parameters", None)
    if parse_parameters is None or getattr(parse_parameters, "as_json", False):
        return

    def as_json(self, request) -> None:
        body = request.data
        if not body or "json" not in (request.content_type or ""):
            return parse_parameters(self, request)
        self.params = json.loads(body)

    as_json.as_json = True
    DynamoHandler.parse_parameters = as_json


def compare_values_directly() -> None:
    """Two strings, or two numbers, compare by their values without moto's detour: each
    comparison of two DynamoTypes (millions of them while a Query sorts a partition or a global
    index query checks every item's key) rebuilt both sides' `cast_value` through a chain of
    type tests. Strings compare as strings and numbers as decimals, exactly as before; every
    other pair (sets, lists, maps, mixed types) goes the old way. If a moto upgrade renames
    these internals, comparisons are left as they are."""
    from decimal import Decimal

    from moto.dynamodb.models import dynamo_type

    cls = dynamo_type.DynamoType
    if getattr(cls.__lt__, "direct", False) or not hasattr(cls, "cast_value"):
        return
    original = {name: getattr(cls, name) for name in ("__eq__", "__ne__", "__lt__", "__hash__")}

    def plain(value: dynamo_type.DynamoType):
        kind = value.type
        if kind == "S":
            return value.value
        if kind == "N":
            return Decimal(value.value)
        return NotImplemented

    def __eq__(self, other) -> bool:
        if self.type != other.type:
            return False
        mine = plain(self)
        return original["__eq__"](self, other) if mine is NotImplemented else mine == plain(other)

    def __ne__(self, other) -> bool:
        return not __eq__(self, other)

    def __lt__(self, other) -> bool:
        mine, theirs = plain(self), plain(other)
        if mine is NotImplemented or theirs is NotImplemented or self.type != other.type:
            return original["__lt__"](self, other)
        return mine < theirs

    def __hash__(self) -> int:
        mine = plain(self)
        return original["__hash__"](self) if mine is NotImplemented else hash((self.type, mine))

    __lt__.direct = True
    cls.__eq__, cls.__ne__, cls.__lt__, cls.__hash__ = __eq__, __ne__, __lt__, __hash__


def look_up_actions_once() -> None:
    """moto lists a handler class's methods (inspect.getmembers) on every request to find the
    action's method: half a millisecond a call, a tenth of a small GetItem. The list is the
    same for the life of the class, so it is kept. If a moto upgrade renames this, requests
    look the methods up as before."""
    import functools

    from moto.core import responses

    lookup = getattr(responses, "method_names_from_class", None)
    if lookup is None or hasattr(lookup, "cache_info"):
        return
    responses.method_names_from_class = functools.cache(lookup)


def size_items_once() -> None:
    """A new item's size is checked against the 400 KB limit once, not once per attribute:
    moto's LimitedSizeDict re-measures every attribute already set each time one is added, so
    building an item cost the square of its attribute count and half of loading the demo
    data. The limit and its error are moto's. If a moto upgrade changes these internals,
    items are built as before."""
    import inspect

    from moto.dynamodb.models import dynamo_type

    item_class = dynamo_type.Item
    limited = getattr(dynamo_type, "LimitedSizeDict", None)
    if limited is None or getattr(item_class.__init__, "sized_once", False):
        return
    if list(inspect.signature(item_class.__init__).parameters) != [
            "self", "hash_key", "range_key", "attrs"]:
        return
    DynamoType, bytesize = dynamo_type.DynamoType, dynamo_type.bytesize

    def __init__(self, hash_key, range_key, attrs) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        values = {key: DynamoType(value) for key, value in attrs.items()}
        if sum(bytesize(key) + value.size() for key, value in values.items()) > ITEM_SIZE_LIMIT:
            raise dynamo_type.ItemSizeTooLarge
        self.attrs = limited.__new__(limited)
        dict.update(self.attrs, values)

    __init__.sized_once = True
    item_class.__init__ = __init__


ITEM_SIZE_LIMIT = 405_000  # moto's own figure for DynamoDB's 400 KB (measured at 409–410 KB)

CLIENT_TOKEN_SECONDS = 600  # DynamoDB keeps a transaction's ClientRequestToken for 10 minutes
_token_clock = time.monotonic  # what the window is measured on (a test moves it)


def honour_client_request_tokens() -> None:
    """A TransactWriteItems whose ClientRequestToken was used by a successful one in the last 10
    minutes is not applied again, as in DynamoDB: the same request answers success, another
    request with that token IdempotentParameterMismatchException. moto ignores the token, so a
    retry after a lost answer applied the transaction twice (or failed its own conditions).

    Only successful transactions are remembered (DynamoDB documents the replay of a successful
    call; a cancelled one changed nothing). "The same request" is every parameter but the token.
    Token checks, the transaction and its record run under one lock, so two sends of one token
    never both apply. If a moto upgrade renames these internals, tokens are ignored as before."""
    import hashlib
    import json
    from collections import OrderedDict

    try:
        from moto.core.responses import ActionResult
        from moto.dynamodb.exceptions import ERROR_TYPE_PREFIX, DynamodbException
        from moto.dynamodb.responses import DynamoHandler
    except ImportError:
        return
    original = getattr(DynamoHandler, "transact_write_items", None)
    if original is None or getattr(original, "honours_tokens", False):
        return

    class IdempotentParameterMismatch(DynamodbException):
        error_type = ERROR_TYPE_PREFIX + "IdempotentParameterMismatchException"

        def __init__(self) -> None:
            super().__init__(self.error_type, "The request uses the same client token as a "
                             "previous, but non-identical, request.")

    # (account, region, token) -> (when it succeeded, the request's digest), oldest first
    seen: OrderedDict[tuple, tuple[float, str]] = OrderedDict()
    lock = threading.Lock()

    def digest(body: dict) -> str:
        rest = {name: value for name, value in body.items() if name != "ClientRequestToken"}
        return hashlib.sha256(json.dumps(rest, sort_keys=True).encode()).hexdigest()

    def forget_expired(now: float) -> None:  # memory only: lookups check the age themselves
        while seen and now - next(iter(seen.values()))[0] >= CLIENT_TOKEN_SECONDS:
            seen.popitem(last=False)

    def transact_write_items(self):
        token = self.body.get("ClientRequestToken")
        if not token:
            return original(self)
        key = (self.current_account, self.region, token)
        request = digest(self.body)
        with lock:
            now = _token_clock()
            forget_expired(now)
            succeeded = seen.get(key)
            if succeeded is not None and now - succeeded[0] < CLIENT_TOKEN_SECONDS:
                if succeeded[1] != request:
                    raise IdempotentParameterMismatch()
                return ActionResult({"ConsumedCapacity": [], "ItemCollectionMetrics": {}})
            result = original(self)
            seen.pop(key, None)  # re-inserted last: the entries stay oldest first
            seen[key] = (_token_clock(), request)
            return result

    transact_write_items.honours_tokens = True
    DynamoHandler.transact_write_items = transact_write_items


def apply_patches() -> None:
    """Everything this module changes in moto, for a server or for in-process moto alike."""
    stop_instance_tracking()
    narrow_table_queries()
    back_up_touched_items_only()
    answer_dynamodb_as_json()
    read_dynamodb_requests_as_json()
    size_items_once()
    look_up_actions_once()
    compare_values_directly()
    honour_client_request_tokens()


class SerializedMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer that hands one request at a time to moto's backend. Whoever holds
    `requests_lock` (the in-process preparation) keeps every request waiting."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.requests_lock = threading.Lock()

    def _server_entry(self) -> None:
        backend = DomainDispatcherApplication(create_backend_app)
        lock = self.requests_lock

        def one_at_a_time(environ, start_response):
            with lock:
                return list(backend(environ, start_response))  # finish the body under the lock

        self._server = make_server(self._ip_address, self._port, one_at_a_time, threaded=True)
        self._server_ready_event.set()
        self._server.serve_forever()


def start(host: str = "127.0.0.1", port: int = 0) -> tuple[SerializedMotoServer, str]:
    apply_patches()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = SerializedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return server, f"http://{bound_host}:{bound_port}"


PREPARED = "moto: demo database prepared, "  # the child's last line before it only serves


class MotoProcess:
    """The server in a process of its own (`make run`): moto's work and the caller's then run on
    two cores instead of sharing one interpreter lock.

    With `prepare_for` (the service's base URL), that process also prepares the demo database
    before it answers any request (`local.prepare.prepare_database`, on in-process moto: no
    request crosses HTTP, which halves the time it takes); `wait_prepared` relays its progress
    and says whether it loaded the demo data."""

    def __init__(self, host: str, port: int, prepare_for: str | None = None):
        import os
        import subprocess
        import sys

        command = [sys.executable, "-m", "local.moto_server", "--host", host, "--port", str(port)]
        env = dict(os.environ)
        if prepare_for:
            command += ["--prepare", prepare_for]
            for service in ("DYNAMODB", "DYNAMODB_STREAMS", "SQS"):  # in-process, not over HTTP
                env.pop(f"AWS_ENDPOINT_URL_{service}", None)
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True,
                                        process_group=0)  # Ctrl-C: the runner stops it
        line = self.process.stdout.readline()  # "moto server on …", once it listens
        if not line.startswith("moto server on "):
            self.stop()
            raise RuntimeError(f"moto server did not start: {line!r}")
        self.url = line.removeprefix("moto server on ").strip()
        self.prepares = bool(prepare_for)

    def wait_prepared(self, relay) -> bool:
        """Relay the preparation's progress lines until it is done; True when it loaded the
        demo data. Raises PreparationFailed with the exit code if the process ends first."""
        for line in self.process.stdout:
            if line.startswith(PREPARED):
                return line.removeprefix(PREPARED).strip() == "loaded the demo data"
            relay(line.rstrip("\n"))
        raise PreparationFailed(self.process.wait())

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except Exception:
                self.process.kill()


class PreparationFailed(Exception):
    """The moto process exited while preparing; args[0] is its exit code."""


def start_process(host: str = "127.0.0.1", port: int = 0,
                  prepare_for: str | None = None) -> tuple[MotoProcess, str]:
    server = MotoProcess(host, port, prepare_for)
    return server, server.url


def write_batch_directly(params, context, **kwargs):
    """A botocore `before-call.dynamodb.BatchWriteItem` handler for in-process moto: the batch
    is applied to moto's tables as the client sent it, without moto's request and answer
    machinery (the demo data's bulk loads, some 3,000 batches of 25, spent more time there than
    in the tables). Each put and delete is moto's own (`put_item`, `delete_item`, with their
    checks); what is skipped is the HTTP-shaped dispatch and the batch's duplicate-key check,
    which the loaders, writing each key once, never trip. Nothing is left unprocessed."""
    import json

    from botocore.awsrequest import AWSResponse
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    backend = dynamodb_backends[DEFAULT_ACCOUNT_ID][context["client_region"]]
    for table_name, requests in json.loads(params["body"])["RequestItems"].items():
        for request in requests:
            if "PutRequest" in request:
                backend.put_item(table_name, request["PutRequest"]["Item"])
            else:
                backend.delete_item(table_name, request["DeleteRequest"]["Key"])
    answer = AWSResponse(params["url"], 200, {}, None)
    return answer, {"UnprocessedItems": {}, "ResponseMetadata": {"HTTPStatusCode": 200}}


# Item operations the preparation answers straight from moto's handler (`answer_directly`)
DIRECT_OPERATIONS = ("GetItem", "PutItem", "UpdateItem", "DeleteItem", "Query",
                     "BatchGetItem", "TransactWriteItems", "TransactGetItems")


def answer_directly(params, model, context, **kwargs):
    """A botocore `before-call` handler for in-process moto: an item operation is handed to
    moto's own DynamoDB handler method with the request's JSON, and its answer comes back as
    the JSON the wire would carry, parsed. What is skipped is the HTTP-shaped round trip around
    it (building and signing a request, moto's URL dispatch and request set-up, botocore's
    answer parsing), about a third of each call's time in `make run`'s jobs. A request that
    fails (a condition, a cancelled transaction) returns None: botocore then sends it the
    usual way, and moto's error answer becomes the ClientError the code expects; a failed
    request changed nothing, so asking twice is harmless. Answers carry no binary attributes
    or timestamps here (the service stores none), the only values botocore's parser would
    have converted."""
    import json

    from botocore.awsrequest import AWSResponse
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.core.responses import ActionResult
    from moto.core.utils import camelcase_to_underscores
    from moto.dynamodb.models.utilities import dynamo_json_dump
    from moto.dynamodb.responses import DynamoHandler, DynamoResult

    handler = DynamoHandler()
    handler.current_account = DEFAULT_ACCOUNT_ID
    handler.region = context["client_region"]
    handler.params = handler.body = json.loads(params["body"])
    handler.response_headers = {}
    try:
        result = getattr(handler, camelcase_to_underscores(model.name))()
    except Exception:
        return None
    if type(result) not in (ActionResult, DynamoResult) or not isinstance(result.result, dict):
        return None  # a paginated or unusual answer: moto's own serializer
    plain = {key: value for key, value in result.result.items() if value is not None}
    answer = json.loads(dynamo_json_dump(plain))
    answer["ResponseMetadata"] = {"HTTPStatusCode": 200}
    return AWSResponse(params["url"], 200, {}, None), answer


def write_batches_directly() -> None:
    """Every botocore session made from now on in this process writes batches directly
    (`write_batch_directly`) and answers item operations directly (`answer_directly`): for the
    moto process's own preparation only."""
    from botocore import handlers

    wanted = [("before-call.dynamodb.BatchWriteItem", write_batch_directly)]
    wanted += [(f"before-call.dynamodb.{name}", answer_directly) for name in DIRECT_OPERATIONS]
    for event, handler in wanted:
        if all(name != event for name, *_ in handlers.BUILTIN_HANDLERS):
            handlers.BUILTIN_HANDLERS.append((event, handler))


def prepare_in_process(server: SerializedMotoServer, base_url: str) -> int:
    """Prepare the demo database on this process's moto, in-process, while every HTTP request
    waits; 0, or 2 when the settings are wrong (the message is printed)."""
    import gc
    import os

    from moto import mock_aws

    from local.prepare import prepare_database, step

    os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")  # progress lines, not JSON logs
    # moto's tables are millions of objects with no cycles among them: the collector's full
    # passes over them cost seconds and free nothing, so it waits, and afterwards leaves the
    # loaded data out of its passes for good (freeze)
    gc.disable()
    write_batches_directly()
    with server.requests_lock:
        mock = mock_aws()
        mock.start()
        try:
            from chalicelib.settings import SettingsError

            try:
                seeded = prepare_database(base_url, in_process=True)
            except SettingsError as error:
                step(f"settings: {error}")
                return 2
        finally:
            mock.stop(remove_data=False)  # the data stays for the server
            gc.freeze()
            gc.enable()
    outcome = "loaded the demo data" if seeded else "kept the data it had"
    print(f"{PREPARED}{outcome}", flush=True)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--prepare", metavar="BASE_URL",
                        help="prepare the demo database first (links printed for BASE_URL)")
    args = parser.parse_args()
    server, url = start(args.host, args.port)
    print(f"moto server on {url}", flush=True)
    try:
        if args.prepare and (code := prepare_in_process(server, args.prepare)):
            return code
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""A moto DynamoDB server that behaves well enough to race against.

moto's in-memory backend is not thread-safe: two TransactWriteItems at once can fail with a 500
("dictionary changed size during iteration"). Real DynamoDB applies each request atomically, so
this server applies one request at a time; clients still race freely over HTTP, and every
conditional write and transaction is judged against a consistent table, as in AWS.

It also stops moto from keeping every model instance it creates (a list used only by moto's
dashboard), which otherwise grows the process by a full table copy per transaction, and makes a
table Query (or a local index's) read its one partition: moto sorts every item of the table on
each Query, which DynamoDB never does, so the score job's thousands of Queries took half a
minute on demo data. And it answers DynamoDB requests as plain JSON, as moto 4 did, instead of
walking every answer through botocore's shape model (`answer_dynamodb_as_json`).

    python -m local.moto_server --port 5005     # used by the integration tests
"""

from __future__ import annotations

import argparse
import logging
import threading

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
        from moto.core.responses import ActionResult, EmptyResult
        from moto.dynamodb.models import dynamo_type
        from moto.dynamodb.models.utilities import dynamo_json_dump
        from moto.dynamodb.responses import DynamoHandler
    except ImportError:
        return
    if getattr(DynamoHandler.serialized, "as_json", False):
        return
    serialized = DynamoHandler.serialized

    def as_json(self, action_result: ActionResult):
        result = action_result.result
        if isinstance(result, Exception) or isinstance(action_result, EmptyResult) or (
                type(action_result) is not ActionResult):
            return serialized(self, action_result)
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


def apply_patches() -> None:
    """Everything this module changes in moto, for a server or for in-process moto alike."""
    stop_instance_tracking()
    narrow_table_queries()
    back_up_touched_items_only()
    answer_dynamodb_as_json()


class SerializedMotoServer(ThreadedMotoServer):
    """ThreadedMotoServer that hands one request at a time to moto's backend."""

    def _server_entry(self) -> None:
        backend = DomainDispatcherApplication(create_backend_app)
        lock = threading.Lock()

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


class MotoProcess:
    """The server in a process of its own (`make run`): moto's work and the caller's then run on
    two cores instead of sharing one interpreter lock, which more than halves loading time."""

    def __init__(self, host: str, port: int):
        import subprocess
        import sys

        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.moto_server", "--host", host, "--port", str(port)],
            stdout=subprocess.PIPE, text=True, process_group=0)  # Ctrl-C: the runner stops it
        line = self.process.stdout.readline()  # "moto server on http://…", once it listens
        if not line.startswith("moto server on "):
            self.stop()
            raise RuntimeError(f"moto server did not start: {line!r}")
        self.url = line.removeprefix("moto server on ").strip()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except Exception:
                self.process.kill()


def start_process(host: str = "127.0.0.1", port: int = 0) -> tuple[MotoProcess, str]:
    server = MotoProcess(host, port)
    return server, server.url


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    server, url = start(args.host, args.port)
    print(f"moto server on {url}", flush=True)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()

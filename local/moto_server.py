"""A moto DynamoDB server that behaves well enough to race against.

moto's in-memory backend is not thread-safe: two TransactWriteItems at once can fail with a 500
("dictionary changed size during iteration"). Real DynamoDB applies each request atomically, so
this server applies one request at a time; clients still race freely over HTTP, and every
conditional write and transaction is judged against a consistent table, as in AWS.

It also stops moto from keeping every model instance it creates (a list used only by moto's
dashboard), which otherwise grows the process by a full table copy per transaction, and makes a
table Query read its one partition: moto sorts every item of the table on each Query, which
DynamoDB never does, so the score job's thousands of Queries took half a minute on demo data.

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
    """A Query on a table (not an index) looks only at its partition. Safe because requests are
    applied one at a time: the narrowed view exists only while that Query runs. If a moto
    upgrade changes these internals, Queries are left as they are (slow, still correct)."""
    import inspect

    from moto.dynamodb.models.table import Table

    original = Table.query
    if getattr(original, "narrowed", False):
        return
    try:
        signature = inspect.signature(original)
    except (TypeError, ValueError):
        return
    if not {"hash_key", "index_name"} <= set(signature.parameters):
        return

    def query(self, *args, **kwargs):
        arguments = signature.bind(self, *args, **kwargs).arguments
        hash_key = arguments.get("hash_key")
        if arguments.get("index_name") or hash_key is None or not self.range_key_attr:
            return original(self, *args, **kwargs)
        partition = list(self.items.get(hash_key, {}).values())
        self.all_items = lambda: partition  # query sorts them itself
        try:
            return original(self, *args, **kwargs)
        finally:
            del self.all_items

    query.narrowed = True
    Table.query = query


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
    stop_instance_tracking()
    narrow_table_queries()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    server = SerializedMotoServer(ip_address=host, port=port, verbose=False)
    server.start()
    bound_host, bound_port = server.get_host_and_port()
    return server, f"http://{bound_host}:{bound_port}"


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

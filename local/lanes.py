"""Two steps of `make run`'s preparation at once, on the machine's second core.

The in-process preparation (`local.moto_server --prepare`) is one thread: moto's tables and the
service code share one interpreter, so it used one core of two. `together(first, second)` runs
one of them in a forked copy of this process (a copy-on-write snapshot of every table) while
this process runs the other. The child writes to its own copy; each item it wrote comes back as it
was at the fork and as the child left it, and is merged into this process's tables attribute by
attribute against the fork-time item (a three-way merge). An attribute both steps changed to
different values, or an item one deleted while the other changed it, is a conflict and raises
`LaneConflict` naming it: steps run together must write different attributes. The merge cannot
see reads: a step that reads what the other writes gets a different answer when they overlap,
so each pair run together says in `local.prepare` why neither reads the other's writes.

Only for in-process moto (the whole database is this process's memory). Elsewhere, and when the
platform has no fork, `together` runs `first` and then `second`, the order they had before.
The child's SQS messages stay in the child: a step that runs a job drains its queue itself.
"""

from __future__ import annotations

import contextlib
import copy
import ctypes
import json
import os
import pickle
import signal
import sys
import tempfile
import time
import traceback
from collections.abc import Callable
from typing import Any

Step = Callable[[], Any]
Key = tuple[str, str, str]  # table, hash key, range key (their wire JSON)
_MISSING = object()


class LaneConflict(RuntimeError):
    """Two steps run together wrote the same attribute, or one deleted what the other wrote."""


class LaneFailed(RuntimeError):
    """The forked step raised; the message carries its traceback."""


def together(first: Step, second: Step, *, fork: str | None,
             progress: Callable[[str], object] | None = None) -> tuple[Any, Any]:
    """Run both steps and return their results. `fork` ("first" or "second") names the step that
    runs in a forked child, the one that writes fewer items (they are merged one by one); None
    (moto is not this process's), or a platform without fork, runs `first`, then `second`.
    `progress` gets one line on what the fork cost: the wait for the child, the merge."""
    if fork is None or not hasattr(os, "fork"):
        return first(), second()
    forked, here = (first, second) if fork == "first" else (second, first)
    started = time.monotonic()
    lane = _ForkedLane(forked)
    try:
        result = here()
    except BaseException:
        lane.abandon()
        raise
    done_here = time.monotonic()
    theirs, merged = lane.join()
    if progress is not None:
        ended = time.monotonic()
        progress(f"  two at a time: this step {done_here - started:.1f}s, the forked one "
                 f"{lane.seconds:.1f}s; {merged} items it wrote merged in {lane.merge_seconds:.1f}s"
                 f" ({ended - started:.1f}s in all)")
    return (theirs, result) if fork == "first" else (result, theirs)


class _ForkedLane:
    def __init__(self, step: Step) -> None:
        self.seconds = self.merge_seconds = 0.0  # the step's, in the child; the merge's, here
        self._out = tempfile.TemporaryFile()  # noqa: SIM115  (closed by join or abandon)
        sys.stdout.flush()
        sys.stderr.flush()
        self._pid = os.fork()
        if self._pid == 0:
            self._child(step)

    def _child(self, step: Step) -> None:
        code = 1
        try:
            _die_with_parent()
            started = time.monotonic()
            written = _record_writes()
            result = step()
            payload = ("ok", (result, time.monotonic() - started), _images(written))
            code = 0
        except BaseException:
            payload = ("failed", traceback.format_exc(), [])
        try:
            pickle.dump(payload, self._out, protocol=pickle.HIGHEST_PROTOCOL)
            self._out.flush()
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)

    def join(self) -> tuple[Any, int]:
        """The forked step's result and how many items it wrote, once they are merged here."""
        _, status = os.waitpid(self._pid, 0)
        self._out.seek(0)
        try:
            outcome, result, images = pickle.load(self._out)
        except (EOFError, pickle.UnpicklingError) as error:
            raise LaneFailed(f"the forked step left no answer (wait status {status})") from error
        finally:
            self._out.close()
        if outcome != "ok":
            raise LaneFailed(f"the forked step failed:\n{result}")
        result, self.seconds = result
        started = time.monotonic()
        _merge(images)
        self.merge_seconds = time.monotonic() - started
        return result, len(images)

    def abandon(self) -> None:
        try:
            os.kill(self._pid, signal.SIGTERM)
            os.waitpid(self._pid, 0)
        except OSError:
            pass
        self._out.close()


def _die_with_parent() -> None:
    """Linux: the child gets SIGTERM when the preparing process dies (Ctrl-C on `make run`)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


# --- what the child wrote ---------------------------------------------------------------------

def _backend():
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.settings import get_settings

    return dynamodb_backends[DEFAULT_ACCOUNT_ID][get_settings().region]


def _wire(value) -> str:
    return json.dumps(value, sort_keys=True)


def _record_writes() -> dict[Key, dict | None]:
    """From now on, in this (child) process, every item moto is about to write is remembered as
    it was before its first write: every write reaches `Table.put_item`, `Table.delete_item` or
    the backend's `update_item` (which changes the stored item in place)."""
    from moto.dynamodb.models import DynamoDBBackend
    from moto.dynamodb.models.table import Table

    before: dict[Key, dict | None] = {}

    def remember(table, hash_wire: dict, range_wire: dict | None) -> None:
        key = (table.name, _wire(hash_wire), _wire(range_wire))
        if key not in before:
            before[key] = _image(table, hash_wire, range_wire, kept=True)

    put_item, delete_item = Table.put_item, Table.delete_item
    update_item = DynamoDBBackend.update_item

    def recorded_put(self, item_attrs, *args, **kwargs):
        remember(self, item_attrs[self.hash_key_attr],
                 item_attrs.get(self.range_key_attr) if self.range_key_attr else None)
        return put_item(self, item_attrs, *args, **kwargs)

    def recorded_delete(self, hash_value, range_value=None):
        remember(self, hash_value.to_json(), range_value.to_json() if range_value else None)
        return delete_item(self, hash_value, range_value)

    def recorded_update(self, table_name, key, *args, **kwargs):
        table = self.get_table(table_name)
        remember(table, key[table.hash_key_attr],
                 key.get(table.range_key_attr) if table.range_key_attr else None)
        return update_item(self, table_name, key, *args, **kwargs)

    Table.put_item, Table.delete_item = recorded_put, recorded_delete
    DynamoDBBackend.update_item = recorded_update
    return before


def _image(table, hash_wire: dict, range_wire: dict | None, kept: bool = False) -> dict | None:
    """The stored item's attributes (wire JSON), or None; `kept`: a deep copy, for an image
    kept while the item changes in place (a set's list is shared otherwise)."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    item = table.get_item(DynamoType(hash_wire), DynamoType(range_wire) if range_wire else None)
    if item is None:
        return None
    attributes = item.to_json()["Attributes"]
    return copy.deepcopy(attributes) if kept else attributes


def _images(before: dict[Key, dict | None]) -> list[tuple[Key, dict | None, dict | None]]:
    backend = _backend()
    return [(key, was, _image(backend.get_table(key[0]), json.loads(key[1]),
                              json.loads(key[2])))
            for key, was in before.items()]


# --- merging it here --------------------------------------------------------------------------

def _merge(images: list[tuple[Key, dict | None, dict | None]]) -> None:
    """Every item is merged before any is written: a conflict leaves this process's tables as
    they were."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    backend = _backend()
    writes = []
    for key, was, theirs in images:
        if was == theirs:
            continue
        table = backend.get_table(key[0])
        hash_wire, range_wire = json.loads(key[1]), json.loads(key[2])
        ours = _image(table, hash_wire, range_wire)
        merged = _merged_item(key, was, ours, theirs)
        if merged != ours:
            writes.append((table, hash_wire, range_wire, merged))
    for table, hash_wire, range_wire, merged in writes:
        if merged is None:
            table.delete_item(DynamoType(hash_wire), DynamoType(range_wire) if range_wire else None)
        else:
            table.put_item(merged)


def _merged_item(key: Key, was: dict | None, ours: dict | None,
                 theirs: dict | None) -> dict | None:
    """The item with the child's changes to `was` applied to ours; None when it is deleted."""
    if theirs is None:  # the child deleted it
        if ours != was:
            raise LaneConflict(f"{_name(key)} was deleted by one step and changed by the other")
        return None
    if ours is None and was is not None:
        raise LaneConflict(f"{_name(key)} was deleted by one step and changed by the other")
    if was is None and ours is not None and ours != theirs:
        # both created it: a put replaces the whole item, so neither order would keep both
        raise LaneConflict(f"{_name(key)} was created by both steps, differently")
    base, merged = was or {}, dict(ours or {})
    for attribute in set(base) | set(theirs):
        mine, old = merged.get(attribute, _MISSING), base.get(attribute, _MISSING)
        new = theirs.get(attribute, _MISSING)
        if new in (old, mine):
            continue
        if mine != old:
            raise LaneConflict(f"{_name(key)}: both steps changed {attribute!r}")
        if new is _MISSING:
            del merged[attribute]
        else:
            merged[attribute] = new
    return merged


def _name(key: Key) -> str:
    table, hash_wire, range_wire = key
    return f"{table} item {hash_wire}" + (f" / {range_wire}" if range_wire != "null" else "")

"""Every table of the demo database `make run` prepares, as plain sorted JSON, to compare runs.

    python -m local.prepare_digest OUT.json               # two steps at a time (local.lanes)
    python -m local.prepare_digest OUT.json --sequential  # every step one after another

The database is prepared as `make run`'s moto process does it (in-process moto), at a fixed
moment (DIGEST_AT_MS), so two runs draw the same demo world. Each item is written as sorted JSON
with the ids drawn at random (`chalicelib.domain.ids`: a prefix, then `ID_BODY`)
masked and string sets sorted, which leaves exactly what two equal preparations share. The
two ways of preparing must leave equal digests (tests/integration/test_prepare_lanes.py).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys

DIGEST_AT_MS = 1_796_115_600_000  # 2026-12-01 09:00 UTC


def digest() -> dict[str, list[str]]:
    """This process's in-process moto tables: name → its items, normalised and sorted."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from chalicelib.settings import get_settings

    tables = dynamodb_backends[DEFAULT_ACCOUNT_ID][get_settings().region].tables
    return {name: sorted(_normalised(item.to_json()["Attributes"])
                         for item in table.all_items())
            for name, table in sorted(tables.items())}


def _normalised(attributes: dict) -> str:
    plain = {name: ({kind: sorted(values) for kind, values in value.items()}
                    if "SS" in value or "NS" in value else value)
             for name, value in attributes.items()}
    from chalicelib.domain.ids import ID_BODY

    return re.sub(rf"\b[a-z]{{0,3}}{ID_BODY}\b", "<id>",
                  json.dumps(plain, sort_keys=True, ensure_ascii=False))


def differences(first: dict[str, list[str]], second: dict[str, list[str]]) -> list[str]:
    """One line per table whose items differ (how many on each side, and one example)."""
    lines = []
    for name in sorted(set(first) | set(second)):
        mine, theirs = first.get(name, []), second.get(name, [])
        if mine != theirs:
            only = sorted(set(mine) - set(theirs))[:1] or sorted(set(theirs) - set(mine))[:1]
            lines.append(f"{name}: {len(mine)} against {len(theirs)} items, "
                         f"e.g. {only[0][:300] if only else '(duplicates)'}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out")
    parser.add_argument("--sequential", action="store_true",
                        help="every step one after another (SHELF_PREPARE_LANES=0)")
    args = parser.parse_args()
    for name, value in {"SHELF_STAGE": "local", "AWS_DEFAULT_REGION": "us-east-1",
                        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                        "POWERTOOLS_LOG_LEVEL": "WARNING"}.items():
        os.environ.setdefault(name, value)
    for name in ("AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL_SQS"):
        os.environ.pop(name, None)  # in-process moto, whatever the caller points at
    os.environ["SHELF_PREPARE_LANES"] = "0" if args.sequential else "1"
    from chalicelib.domain import clock

    clock.source = lambda: DIGEST_AT_MS
    from local import moto_server

    server, _ = moto_server.start()
    try:
        if code := moto_server.prepare_in_process(server, "http://127.0.0.1:8000"):
            return code
        with open(args.out, "w", encoding="utf-8") as out:
            json.dump(digest(), out, ensure_ascii=False)
    finally:
        server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())

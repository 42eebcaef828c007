"""Print a bearer token for local calls: `python -m local.token --role merchant --sub m1`.

Only the token goes to stdout, so `TOKEN=$(make -s token ROLE=merchant SUB=m1)` works. It is
signed with SHELF_JWT_SECRET, or with the development secret when that is unset and the stage is
local or test, which is what `make run` serves with unless you set the secret for both. While a
`make run` is up, `iat` and `exp` are on its test clock: a token minted after `POST /ops/clock`
is valid in the moved time (one minted before expires when the clock passes its `exp`).
"""

from __future__ import annotations

import argparse
import sys

from chalicelib.auth import Role, issue_token
from chalicelib.settings import SettingsError
from local.run import join_test_clock, running_stack


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m local.token",
                                     description="Print a signed JWT for local API calls.")
    parser.add_argument("--role", required=True, choices=[role.value for role in Role])
    parser.add_argument("--sub", required=True, help="the user id the token carries, e.g. m1")
    parser.add_argument("--ttl-hours", type=float, default=12.0,
                        help="hours until it expires (default 12)")
    args = parser.parse_args(argv)
    if not args.sub.strip():
        parser.error("--sub must not be empty")
    if args.ttl_hours <= 0:
        parser.error("--ttl-hours must be positive")
    join_test_clock(running_stack())
    try:
        ttl_seconds = max(1, round(args.ttl_hours * 3600))
        token = issue_token(args.sub.strip(), args.role, ttl_seconds=ttl_seconds)
    except SettingsError as error:
        print(f"local.token: {error}", file=sys.stderr)
        return 2
    print(token)
    return 0


if __name__ == "__main__":
    sys.exit(main())

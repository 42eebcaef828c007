"""The environment the bench runs the app in: test stage, fake credentials, quiet Powertools.

It must be applied before anything imports chalicelib, which reads settings at import.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent

BENCH_ENV = {
    "SHELF_STAGE": "test",
    "AWS_DEFAULT_REGION": "us-east-1",
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "POWERTOOLS_METRICS_NAMESPACE": "ShelfBench",
}
# Never let a configured endpoint, secret, profile or import profiler leak into the figures.
_DROPPED = (
    "SHELF_JWT_SECRET", "SHELF_CURSOR_SECRET", "SHELF_TABLE_PREFIX", "AWS_ENDPOINT_URL",
    "AWS_ENDPOINT_URL_DYNAMODB", "AWS_PROFILE", "AWS_SESSION_TOKEN", "AWS_REGION",
    "PYTHONPROFILEIMPORTTIME", "PYTHONDONTWRITEBYTECODE", "PYTHONPATH",
)


def apply() -> None:
    """Set the bench environment in this process."""
    for name in _DROPPED:
        os.environ.pop(name, None)
    os.environ.update(BENCH_ENV)


def subprocess_env(**extra: str) -> dict[str, str]:
    """A copy of this process's environment with the bench settings, for child interpreters."""
    env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
    env.update(BENCH_ENV)
    env.update(extra)
    return env


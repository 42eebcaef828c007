"""Powertools Logger and Metrics, created once per process and shared by every function.

Per-request log keys (the correlation id, method, path) go through `request_keys`: Powertools'
thread-safe keys live in a context variable, so requests the local server serves at once, one
per thread, each log their own. The process-wide keys (`append_keys`, `set_correlation_id`)
are one dict for every thread: the last request to start would label every thread's lines.
"""

from __future__ import annotations

import contextlib

from aws_lambda_powertools import Logger, Metrics

from chalicelib.settings import get_settings

_settings = get_settings()
logger = Logger(service=_settings.service_name)
metrics = Metrics(namespace=_settings.metrics_namespace, service=_settings.service_name)


@contextlib.contextmanager
def request_keys(**keys: str):
    """`keys` on every log line this thread writes inside the block, and on no other thread's."""
    logger.thread_safe_append_keys(**keys)
    try:
        yield
    finally:
        logger.thread_safe_remove_keys(keys)

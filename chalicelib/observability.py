"""Powertools Logger and Metrics, created once per process and shared by every function."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics

from chalicelib.settings import get_settings

_settings = get_settings()
logger = Logger(service=_settings.service_name)
metrics = Metrics(namespace=_settings.metrics_namespace, service=_settings.service_name)

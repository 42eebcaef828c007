"""Ops job runs, for every job of the runner: start one, read its progress. Thin: parse →
service → JSON."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import principal_from_headers
from chalicelib.routes._http import json_response, parse_body, route

jobs_api = Blueprint(__name__)


def _service():
    from chalicelib.services import jobs  # the runner loads with the first ops job request

    return jobs


def _principal():
    return principal_from_headers(jobs_api.current_request.headers)


@route(jobs_api, "/ops/jobs/{job}", methods=("POST",))
def start_job_run(job):
    service = _service()
    found = service.job_for(_principal(), job)
    request = parse_body(jobs_api.current_request, service.request_model(found))
    return json_response(service.start_run(found, request), 202)


@route(jobs_api, "/ops/jobs/{job}/{run_id}")
def job_run(job, run_id):
    return json_response(_service().run_status(_principal(), job, run_id))

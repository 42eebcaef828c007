"""Ops job runs, for every job of the runner: start one, read its progress. Thin: parse →
service → JSON."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib.auth import Role, principal_from_headers
from chalicelib.routes._http import ModelPerParam, json_response, parse_body, route

jobs_api = Blueprint(__name__)


def _service():
    from chalicelib.services import jobs  # the runner loads with the first ops job request

    return jobs


def _principal():
    return principal_from_headers(jobs_api.current_request.headers)


def _request_model(job: str) -> type:
    """The start request of the job (404 `job_not_found` for no such job)."""
    from chalicelib.jobs import runner

    return _service().request_model(runner.get_job(job))


def _request_models() -> dict[str, type]:
    from chalicelib.jobs import runner

    return {job: _request_model(job) for job in runner.job_names()}


# each job takes its own parameters (its runner.Job.request_model)
JOB_REQUEST = ModelPerParam("job", _request_model, _request_models)


@route(jobs_api, "/ops/jobs/{job}", methods=("POST",), auth=(Role.OPS,), body=JOB_REQUEST,
       response="responses.JobStarted", status=202)
def start_job_run(job):
    """Start a run of the job now (forced: a finished run of the same key runs again)."""
    service = _service()
    found = service.job_for(_principal(), job)
    request = parse_body(jobs_api.current_request)
    return json_response(service.start_run(found, request), 202)


@route(jobs_api, "/ops/jobs/{job}/{run_id}", auth=(Role.OPS,), response="responses.JobRun")
def job_run(job, run_id):
    return json_response(_service().run_status(_principal(), job, run_id))

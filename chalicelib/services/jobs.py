"""Ops starting job runs and reading their progress, for any job of the runner."""

from __future__ import annotations

from functools import cache

from chalicelib.auth import Principal, Role, require_role
from chalicelib.domain.clock import to_iso
from chalicelib.errors import NotFound
from chalicelib.jobs import runner


def job_for(principal: Principal, job_name: str) -> runner.Job:
    """The job ops may start or look at: 403 for anyone else, 404 `job_not_found`."""
    require_role(principal, Role.OPS)
    return runner.get_job(job_name)


def request_model(job: runner.Job) -> type:
    """The pydantic model of the job's start request: its own, or an empty object."""
    return job.request_model() if job.request_model is not None else _no_parameters()


def start_run(job: runner.Job, request) -> dict:
    """Start (forced: ops rerun on demand) the run the request describes."""
    return runner.start(job.name, request.model_dump(mode="json"), force=True)


def run_status(principal: Principal, job_name: str, run_id: str) -> dict:
    job = job_for(principal, job_name)
    run = runner.status(job.name, run_id)
    if run is None:
        raise NotFound(f"no run {run_id!r} of the job {job.name}", code="run_not_found")
    return {**run, "started_at": to_iso(run["started_at"]),
            "finished_at": to_iso(run["finished_at"]), "failed_at": to_iso(run["failed_at"])}


@cache
def _no_parameters() -> type:
    from chalicelib.schemas.common import RequestModel

    class NoParameters(RequestModel):
        """A job that takes no parameters: the body is `{}` (or empty)."""

    return NoParameters

"""``POST /v1/admin/train`` and ``GET /v1/admin/jobs/{id}``: training jobs (bearer token, like reload).

A job trains a new registry version and leaves it inactive; ``govtag model promote``
runs the gate and activates it, and ``POST /v1/admin/reload`` then serves it.
"""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import Field

from govtag.service.deps import AdminDep, SettingsDep
from govtag.service.errors import ServiceError
from govtag.service.jobs import JobBusy, TrainJob, TrainJobs
from govtag.service.schemas import ErrorResponse
from govtag.strict import StrictModel

router = APIRouter(prefix="/v1/admin", tags=["admin"])


class TrainRequest(StrictModel):
    config: str | None = Field(
        None, description="training config, a path inside the folder of training.config; None: training.config")
    add: list[str] = Field(default_factory=list, max_length=100,
                           description="gold JSON Lines files to add, paths inside training.gold_dir")
    from_active: bool = Field(False, description="continue from the registry's active model")


class JobInfo(StrictModel):
    id: str
    status: Literal["running", "succeeded", "failed"]
    started_at: datetime
    finished_at: datetime | None
    returncode: int | None
    version: str | None = Field(description="the registry version the job made (not activated)")
    error: str | None
    progress: list[str] = Field(description="the job's latest output lines")


def get_jobs(request: Request, settings: SettingsDep) -> TrainJobs:
    """The app's job table, made on first use; 404 while training jobs are not configured."""
    if not settings.training.enabled:
        raise ServiceError("training jobs are disabled: set training.config and training.gold_dir in the service "
                           "settings", status_code=404, code="training_disabled")
    jobs = getattr(request.app.state, "train_jobs", None)
    if jobs is None:
        jobs = request.app.state.train_jobs = TrainJobs(settings.training)
    return jobs


JobsDep = Annotated[TrainJobs, Depends(get_jobs)]


def _inside(folder: Path, name: str, what: str) -> Path:
    """``name`` (relative to ``folder``) as an existing file inside ``folder``, or a 422 saying why not."""
    path = (folder / name).resolve()
    if not path.is_relative_to(folder.resolve()):
        raise ServiceError(f"{what} {name!r} is not inside {folder}", status_code=422, code="path_not_allowed")
    if not path.is_file():
        raise ServiceError(f"{what} {name!r} not found in {folder}", status_code=422, code="file_not_found")
    return path


def _info(job: TrainJob) -> JobInfo:
    def when(stamp: float | None) -> datetime | None:
        return datetime.fromtimestamp(stamp, timezone.utc) if stamp is not None else None

    return JobInfo(id=job.id, status=job.status, started_at=when(job.started_at), finished_at=when(job.finished_at),
                   returncode=job.returncode, version=job.version, error=job.error, progress=list(job.lines))


_ERRORS = {
    401: {"model": ErrorResponse, "description": "missing or wrong bearer token"},
    404: {"model": ErrorResponse, "description": "admin endpoints or training jobs disabled, or no such job"},
}


@router.post(
    "/train",
    response_model=JobInfo,
    status_code=202,
    summary="Start a training job in the background (bearer token); one at a time",
    responses={**_ERRORS,
               400: {"model": ErrorResponse, "description": "the body is not valid JSON"},
               409: {"model": ErrorResponse, "description": "a training job is already running"},
               422: {"model": ErrorResponse, "description": "a config or gold file outside its folder, or missing"}},
)
async def start_training(_: AdminDep, body: TrainRequest, settings: SettingsDep, jobs: JobsDep) -> JobInfo:
    training = settings.training
    assert training.config is not None and training.gold_dir is not None  # get_jobs checked
    config = _inside(training.config.parent, body.config, "config") if body.config else training.config
    add = [_inside(training.gold_dir, name, "gold file") for name in body.add]
    try:
        job = jobs.start(config, add, body.from_active)
    except JobBusy as exc:
        raise ServiceError(str(exc), status_code=409, code="job_running") from exc
    return _info(job)


@router.get("/jobs/{job_id}", response_model=JobInfo, summary="A training job's status, progress and version",
            responses=_ERRORS)
async def job_status(_: AdminDep, job_id: str, jobs: JobsDep) -> JobInfo:
    job = jobs.jobs.get(job_id)
    if job is None:
        raise ServiceError(f"no training job {job_id!r}", status_code=404, code="job_not_found")
    return _info(job)

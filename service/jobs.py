"""Training jobs of ``POST /v1/admin/train``: a ``govtag train`` process in the background, one at a time.

The job runs the same command a user would (``--no-activate``: the new version
waits for ``govtag model promote`` and its gate), in its own process group so it
can be stopped whole; its output is kept as progress lines (tqdm's redraws split
on carriage returns) and the version it made is read from ``--result``.
"""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import shutil
import signal
import sys
import tempfile
import time
import uuid
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from govtag.service.settings import Training

Status = Literal["running", "succeeded", "failed"]


@dataclass
class TrainJob:
    id: str
    command: list[str]
    started_at: float
    lines: deque[str]
    status: Status = "running"
    finished_at: float | None = None
    returncode: int | None = None
    version: str | None = None
    error: str | None = None
    result_file: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="govtag-job-")) / "result.json")
    pid: int | None = None


class JobBusy(Exception):
    """A job is already running."""

    def __init__(self, job: TrainJob) -> None:
        super().__init__(f"training job {job.id} is still running")
        self.job = job


class TrainJobs:
    def __init__(self, settings: Training) -> None:
        self.settings = settings
        self.jobs: dict[str, TrainJob] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        atexit.register(self.stop_running)

    def running(self) -> TrainJob | None:
        return next((job for job in self.jobs.values() if job.status == "running"), None)

    def start(self, config: Path, add: list[Path], from_active: bool) -> TrainJob:
        """Start ``govtag train`` for the request; JobBusy while another job runs."""
        busy = self.running()
        if busy is not None:
            raise JobBusy(busy)
        job = TrainJob(uuid.uuid4().hex[:12], [], time.time(), deque(maxlen=self.settings.max_progress_lines))
        job.command = [sys.executable, "-m", "govtag.cli.main", "train", "--config", str(config), "--no-activate",
                       "--result", str(job.result_file), *(["--add", *map(str, add)] if add else []),
                       *(["--from-active"] if from_active else [])]
        self.jobs[job.id] = job
        task = asyncio.create_task(self._run(job), name=f"train-job-{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return job

    async def _run(self, job: TrainJob) -> None:
        try:
            process = await asyncio.create_subprocess_exec(
                *job.command, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT,
                env={**os.environ, "PYTHONUNBUFFERED": "1"}, start_new_session=True)
        except OSError as exc:
            self._finish(job, None, f"cannot start govtag train: {exc}")
            return
        job.pid = process.pid
        try:
            await asyncio.wait_for(self._read(job, process), timeout=self.settings.timeout_s)
        except asyncio.TimeoutError:
            self._kill(process.pid)
            await process.wait()
            self._finish(job, process.returncode, f"stopped after {self.settings.timeout_s:g} s (training.timeout_s)")
            return
        except asyncio.CancelledError:
            self._kill(process.pid)
            raise
        self._finish(job, process.returncode, None)

    @staticmethod
    async def _read(job: TrainJob, process: asyncio.subprocess.Process) -> None:
        assert process.stdout is not None
        pending = ""
        while chunk := await process.stdout.read(4096):
            pending += chunk.decode("utf-8", errors="replace").replace("\r", "\n")
            *complete, pending = pending.split("\n")
            job.lines.extend(line for line in complete if line.strip())
        if pending.strip():
            job.lines.append(pending)
        await process.wait()

    def _finish(self, job: TrainJob, returncode: int | None, error: str | None) -> None:
        job.returncode, job.finished_at = returncode, time.time()
        if error is None and returncode == 0 and job.result_file.is_file():
            job.version = json.loads(job.result_file.read_text(encoding="utf-8"))["version"]
            job.status = "succeeded"
        else:
            job.status = "failed"
            job.error = error or next((line for line in reversed(job.lines) if "error" in line.lower()),
                                      f"govtag train exited with {returncode}")
        shutil.rmtree(job.result_file.parent, ignore_errors=True)

    @staticmethod
    def _kill(pid: int) -> None:
        try:
            os.killpg(pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def stop_running(self) -> None:
        """Stop a running job's process group (at exit: a job never outlives its service)."""
        job = self.running()
        if job is not None and job.pid is not None:
            self._kill(job.pid)

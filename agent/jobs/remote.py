"""`sitrep batch submit | status | fetch | cancel`: jobs at the provider, recorded locally.

`submit` uploads each requests file and starts one batch on it, and records the job in the
state file (`jobs.state`). `status`, `fetch` and `cancel` take job ids or requests files (or
nothing: every recorded job), reach each job's provider through the model reference it was
submitted with, and keep the record up to date. `fetch` writes the output and error files of
every finished job into one responses file (replaced atomically); a job still running is
named, not waited for.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from agent.config import ResolvedModel
from agent.errors import BatchJobError, UsageError
from agent.extractors.llm.batchapi import BatchJob, BatchService
from agent.jobs.files import read_requests
from agent.jobs.state import JobRecord, read_state, updating

Resolve = Callable[[str], ResolvedModel]  # a model reference (-m NAME) -> profile and key


@dataclass
class Fetched:
    """What `fetch` wrote and what it could not."""

    jobs: list[tuple[JobRecord, BatchJob]] = field(default_factory=list)
    not_ready: list[tuple[JobRecord, BatchJob]] = field(default_factory=list)
    failed: list[tuple[JobRecord, BatchJob]] = field(default_factory=list)
    lines: int = 0


def submit_batches(paths: list[Path], model: str, resolve: Resolve, state: Path) -> list[JobRecord]:
    """One batch per requests file, each recorded as soon as the provider accepted it."""
    resolved = resolve(model)
    if resolved.profile is None:
        raise UsageError("provider batches need an LLM profile, not 'rules'")
    for path in paths:
        _check_requests(path, resolved.profile.model)
    records = []
    with _service(resolved) as service:
        for path in paths:
            job = service.submit(path, {"sitrep_requests": path.name[:500]})
            record = JobRecord(
                id=job.id,
                profile=model,
                endpoint=resolved.profile.endpoint,
                requests_file=str(path.resolve()),
                submitted=datetime.now(UTC).isoformat(timespec="seconds"),
            )
            _update(record, job)
            with updating(state) as current:
                current.put(record)
            records.append(record)
    return records


def refresh(
    references: list[str], resolve: Resolve, state: Path
) -> list[tuple[JobRecord, BatchJob]]:
    """The provider's word on each job named (all recorded jobs when none is)."""
    found = []
    for record in job_records(references, state):
        with _service(resolve(record.profile)) as service:
            job = service.retrieve(record.id)
        found.append((_save(record, job, state), job))
    return found


def cancel_batches(references: list[str], resolve: Resolve, state: Path) -> list[BatchJob]:
    if not references:
        raise UsageError("name the jobs to cancel (ids or requests files)")
    cancelled = []
    for record in job_records(references, state):
        with _service(resolve(record.profile)) as service:
            job = service.cancel(record.id)
        _save(record, job, state)
        cancelled.append(job)
    return cancelled


def fetch_batches(references: list[str], output: Path, resolve: Resolve, state: Path) -> Fetched:
    """Every finished job's output and error lines into `output`, one responses file."""
    fetched = Fetched()
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent)
    os.close(handle)
    part = Path(name)
    try:
        with part.open("wb") as out:
            for record in job_records(references, state):
                with _service(resolve(record.profile)) as service:
                    job = service.retrieve(record.id)
                    if not job.finished:
                        fetched.not_ready.append((record, job))
                    elif not (job.output_file_id or job.error_file_id):
                        fetched.failed.append((record, job))
                    else:
                        fetched.lines += _download(service, job, out, output)
                        record.fetched_to = str(output.resolve())
                        fetched.jobs.append((record, job))
                _save(record, job, state)
        if not fetched.jobs:
            raise BatchJobError(_nothing_to_fetch(fetched))
        os.replace(part, output)
    finally:
        part.unlink(missing_ok=True)
    return fetched


def job_records(references: list[str], state: Path) -> list[JobRecord]:
    current = read_state(state)
    if not references:
        if not current.jobs:
            raise BatchJobError(f"no batch jobs recorded in {state}: `sitrep batch submit` first")
        return list(current.jobs)
    records = []
    for reference in references:
        found = current.find(reference)
        if not found:
            raise BatchJobError(f"no batch job {reference!r} recorded in {state}")
        records += found
    return records


def _download(service: BatchService, job: BatchJob, out: BinaryIO, output: Path) -> int:
    lines = 0
    for file_id in (job.output_file_id, job.error_file_id):
        if not file_id:
            continue
        with tempfile.TemporaryDirectory(dir=output.parent) as folder:
            piece = Path(folder) / "file.jsonl"
            service.download(file_id, piece)
            data = piece.read_bytes()
        if data and not data.endswith(b"\n"):
            data += b"\n"
        out.write(data)
        lines += data.count(b"\n")
    return lines


def _nothing_to_fetch(fetched: Fetched) -> str:
    parts = [f"{r.id} is {j.status} ({j.counts()})" for r, j in fetched.not_ready]
    parts += [
        f"{r.id} failed: {'; '.join(j.errors) or 'no reason given'}" for r, j in fetched.failed
    ]
    return "nothing to fetch yet: " + "; ".join(parts)


def _check_requests(path: Path, model: str) -> None:
    for custom_id, body in read_requests(path):
        if body.get("model") != model:
            raise UsageError(
                f"request {custom_id} is for model {body.get('model')!r}, not the profile's "
                f"{model!r}: submit it with the profile it was prepared with",
                source=str(path),
            )
        return
    raise UsageError("no requests in the file", source=str(path))


def _update(record: JobRecord, job: BatchJob) -> JobRecord:
    record.status, record.total = job.status, job.total
    record.completed, record.failed = job.completed, job.failed
    return record


def _save(record: JobRecord, job: BatchJob, state: Path) -> JobRecord:
    _update(record, job)
    with updating(state) as current:
        current.put(record)
    return record


@contextmanager
def _service(resolved: ResolvedModel) -> Iterator[BatchService]:
    service = BatchService(resolved)
    try:
        yield service
    finally:
        service.close()

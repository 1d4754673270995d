"""The local record of submitted batch jobs, so `status`, `fetch` and `cancel` need no ids.

One small JSON file, `$XDG_STATE_HOME/sitrep/batches.json` (default
`~/.local/state/sitrep/batches.json`) unless `--state FILE` names another: for each job its
provider id, the profile and endpoint it went to, the requests file it was made from, when,
its last known status and counts, and where it was fetched to. Read-modify-write happens under
an exclusive lock on a file beside it, and the file is replaced atomically, so two sitrep
processes cannot lose each other's jobs. A job is found by its id or by its requests file.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from agent.errors import BatchJobError, UsageError
from agent.output import atomic_write_text

STATE_VERSION = 1


class JobRecord(BaseModel):
    """One submitted batch."""

    model_config = ConfigDict(extra="ignore")

    id: str
    profile: str
    endpoint: str
    requests_file: str
    submitted: str
    status: str = "validating"
    total: int = 0
    completed: int = 0
    failed: int = 0
    fetched_to: str | None = None


class JobState(BaseModel):
    model_config = ConfigDict(extra="ignore")

    version: int = STATE_VERSION
    jobs: list[JobRecord] = Field(default_factory=list)

    def find(self, reference: str) -> list[JobRecord]:
        """The jobs `reference` names: a batch id, or a requests file (every job made from
        it, newest last)."""
        by_id = [j for j in self.jobs if j.id == reference]
        if by_id:
            return by_id
        path = str(Path(reference).resolve())
        return [j for j in self.jobs if j.requests_file == path]

    def put(self, record: JobRecord) -> None:
        self.jobs = [j for j in self.jobs if j.id != record.id] + [record]


def default_state_path(env: Mapping[str, str]) -> Path:
    base = Path(env.get("XDG_STATE_HOME") or Path.home() / ".local" / "state")
    return base / "sitrep" / "batches.json"


def state_path(explicit: Path | None) -> Path:
    return explicit if explicit is not None else default_state_path(os.environ)


def read_state(path: Path) -> JobState:
    try:
        raw = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return JobState()
    except OSError as exc:
        message = f"cannot read the batch jobs: {exc.strerror or exc}"
        raise UsageError(message, source=str(path)) from None
    try:
        state = JobState.model_validate_json(raw)
    except ValidationError:
        raise BatchJobError("not a sitrep batch jobs file", source=str(path)) from None
    if state.version != STATE_VERSION:
        raise BatchJobError(f"batch jobs file version {state.version}", source=str(path))
    return state


@contextmanager
def updating(path: Path) -> Iterator[JobState]:
    """The state, locked against other sitrep processes; written back when the block ends."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(path.name + ".lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            state = read_state(path)
            yield state
            atomic_write_text(path, state.model_dump_json(indent=2) + "\n")
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)

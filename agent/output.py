"""Writing output files: whole documents without torn files, and locked outputs for runs.

- `atomic_write_text` writes a document through a temporary file and a rename, with the mode a
  new file gets from the umask (or the mode of the file it replaces), to the file a symbolic
  link names (the link stays), and straight into a device or FIFO (never replacing it).
- `OutputTarget` is what `-o` names (`-` is standard output); `check_apart` refuses an output
  that is one of the inputs or lies inside an input folder; `LockedOutput` holds an exclusive
  lock on a run's output so that a second process writing it refuses instead of interleaving.
"""

from __future__ import annotations

import errno
import fcntl
import os
import secrets
import stat
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from agent.errors import AgentError, UsageError


class OutputError(AgentError):
    """The output could not be written: the run stops, what is written is kept."""

    kind = "output"
    exit_code = 5


def _reason(exc: OSError) -> str:
    return exc.strerror or str(exc)


def atomic_write_text(path: str | Path, text: str) -> None:
    """Write `text` to what `path` names, never leaving a torn file (raises `OSError`).

    A regular file (or a new one) is replaced through a temporary file and a rename; a device
    or FIFO is written directly; a symbolic link's target is written, the link kept.
    """
    target = Path(os.path.realpath(path))
    if _is_special(target):
        with target.open("w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    mode = _mode_for(target)
    tmp = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)  # the umask applies
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            if mode is not None:
                os.fchmod(handle.fileno(), mode)
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _mode_for(target: Path) -> int | None:
    """The permission bits of the file being replaced (None: a new file, the umask's)."""
    try:
        return stat.S_IMODE(target.stat().st_mode)
    except OSError:
        return None


def _is_special(path: Path) -> bool:
    """A character or block device, or a FIFO: written in place, never replaced."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return False
    return stat.S_ISCHR(mode) or stat.S_ISBLK(mode) or stat.S_ISFIFO(mode)


@dataclass(frozen=True)
class OutputTarget:
    """What `-o` names: None for standard output (`-o -` or no `-o`), else a path."""

    path: Path | None

    @classmethod
    def of(cls, output: Path | str | None) -> OutputTarget:
        if output is None or str(output) == "-":
            return cls(None)
        path = Path(output)
        if path.is_dir():
            raise UsageError(f"-o {path} is a folder: name a file in it")
        for folder in path.absolute().parents:
            if folder.exists():
                if not folder.is_dir():
                    raise UsageError(f"cannot write {path}: {folder} is a file, not a folder")
                break
        if path.is_socket():
            raise UsageError(f"-o {path} is a socket: name a file")
        return cls(path)

    @property
    def special(self) -> bool:
        """A device or FIFO: written straight through (no lock, no ledger, no resume)."""
        return self.path is not None and _is_special(self.path)

    def __str__(self) -> str:
        return "standard output" if self.path is None else str(self.path)


def check_apart(target: OutputTarget, inputs: Iterable[str]) -> None:
    """Refuse an output that is one of the inputs, or inside an input folder (it would be
    truncated before it is read, or read back as an input)."""
    if target.path is None or target.special:
        return
    out = Path(os.path.realpath(target.path))
    for item in inputs:
        if item == "-":
            continue
        source = Path(os.path.realpath(item))
        if out == source:
            raise UsageError(f"-o {target.path} is also an input: write the output elsewhere")
        if source.is_dir() and out.is_relative_to(source):
            raise UsageError(
                f"-o {target.path} is inside the input folder {item}: it would be read as an "
                "input; write the output elsewhere"
            )


class LockedOutput:
    """A run's output file, opened without truncating it and locked exclusively.

    The lock (flock) is held until `close`; a second process that tries it gets a usage error
    at once. `created` says whether the file was made here (an unused one is removed again).
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(os.path.realpath(path))
        self.shown = path
        existed = self.path.exists()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o666)
        self.created = not existed
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(self.fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise UsageError(
                    f"{path} is being written by another sitrep process; wait for it to "
                    "finish (or write elsewhere)"
                ) from None
            raise

    def close(self, *, remove_if_unused: bool = False) -> None:
        if self.fd < 0:
            return
        if remove_if_unused and self.created and self._still_empty():
            self.path.unlink(missing_ok=True)
        os.close(self.fd)  # releases the lock
        self.fd = -1

    def _still_empty(self) -> bool:
        """Whether the path still names the empty file made here (not one renamed over it)."""
        mine = os.fstat(self.fd)
        try:
            now = self.path.stat()
        except OSError:
            return False
        return (now.st_dev, now.st_ino) == (mine.st_dev, mine.st_ino) and mine.st_size == 0


def write_all(fd: int, data: bytes) -> None:
    """Write every byte of `data` to `fd` (os.write may write fewer)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def check_writable_folder(path: Path) -> None:
    """Whether a document can be written into `path`'s folder (a temporary file is created
    and removed); raises `OSError` with the reason."""
    folder = Path(os.path.realpath(path)).parent
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / f".sitrep-probe.{secrets.token_hex(6)}"
    fd = os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    os.close(fd)
    probe.unlink()


def silence_stdout() -> None:
    """After a failed write to standard output, point it at /dev/null so that the data still
    buffered is dropped quietly at exit instead of failing again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def stdout_error(exc: OSError) -> OutputError:
    silence_stdout()
    return OutputError(f"cannot write to standard output: {_reason(exc)}")


def write_error(path: Path | str, exc: OSError) -> OutputError:
    return OutputError(f"cannot write {path}: {_reason(exc)}")

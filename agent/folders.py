"""Walking an input folder: every entry named, none opened.

Regular files come out in name order, folder by folder; every other entry (a FIFO, a device,
a socket, a broken link, a link loop) comes out with what it is, so that it can be named as
passed over instead of blocking a read or vanishing silently.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterator
from pathlib import Path


def walk(folder: Path, seen: set[tuple[int, int]]) -> Iterator[tuple[Path, str | OSError | None]]:
    """(path, None) for each regular file under `folder`, (path, what it is) for each entry
    that is not one, (path, error) for one that cannot be looked at; folders linked twice
    (a link loop) are entered once."""
    try:
        info = folder.stat()
        if (info.st_dev, info.st_ino) in seen:
            return
        seen.add((info.st_dev, info.st_ino))
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        yield folder, exc
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        path = Path(entry.path)
        try:
            mode = os.stat(path).st_mode  # follows links
        except OSError as exc:
            yield path, _unreadable(exc)
            continue
        if stat.S_ISDIR(mode):
            yield from walk(path, seen)
        elif stat.S_ISREG(mode):
            yield path, None
        else:
            yield path, f"{_file_kind(mode)}, not a regular file"


def _unreadable(exc: OSError) -> str | OSError:
    if exc.errno == errno.ELOOP:
        return "a symbolic link loop"
    if exc.errno == errno.ENOENT:
        return "a broken symbolic link (its target does not exist)"
    return exc


def _file_kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "a special file"

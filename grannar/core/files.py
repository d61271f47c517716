"""Files written whole or not at all."""

import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from grannar.core.pause import pause_point


@contextmanager
def atomic_file(path: Path) -> Iterator[BinaryIO]:
    """Write `path` whole or not at all, readable by its owner only.

    The content goes to a hidden `.NAME.PID-*.partial` file in the same folder, renamed to
    `path` once complete and synced. A process killed midway leaves at most that hidden file,
    which the next write of the same file removes.
    """
    directory = path.parent
    _remove_stale(path)
    fd, name = tempfile.mkstemp(
        dir=directory, prefix=f".{path.name}.{os.getpid()}-", suffix=".partial"
    )
    temporary = Path(name)
    try:
        with os.fdopen(fd, "wb") as file:
            yield file
            file.flush()
            os.fsync(file.fileno())
            pause_point("core.file.written")
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    folder = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(folder)
    finally:
        os.close(folder)


def _remove_stale(path: Path) -> None:
    """Partial files of `path` left by processes that no longer run."""
    pattern = re.compile(rf"^\.{re.escape(path.name)}\.(\d+)-\w+\.partial$")
    for leftover in path.parent.glob(f".{glob_escape(path.name)}.*.partial"):
        match = pattern.match(leftover.name)
        if match is None or _alive(int(match.group(1))):
            continue
        leftover.unlink(missing_ok=True)


def glob_escape(name: str) -> str:
    return re.sub(r"([*?\[])", r"[\1]", name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True

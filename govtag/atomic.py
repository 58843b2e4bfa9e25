"""One atomic file write for the whole project.

Everything that must never be seen half-written (outputs, the registry's
``ACTIVE`` pointer, model metadata, checkpoints) goes through
:func:`write_atomically`: the content is written to a temporary file in the
target folder, flushed to disk, and renamed over the target, so a reader (or a
run killed mid-write) sees either the old file or the new one.

``tempfile.mkstemp`` creates files with mode 0600 whatever the umask; the
finished file gets the mode an ordinary ``open(path, "w")`` would give it
(0666 minus the umask), so outputs stay readable by the user's group as usual.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def default_file_mode() -> int:
    """0666 minus the process umask: the mode ``open()`` gives a new file."""
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


class AtomicFile:
    """A file written in pieces and published whole: a temporary file until :meth:`commit` renames it.

    :meth:`discard` (or a failed commit) removes the temporary file and leaves
    the target as it was. Text is written as UTF-8.
    """

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp")
        self._tmp = Path(tmp)
        self.handle = os.fdopen(fd, "wb")

    def write(self, content: str | bytes) -> None:
        self.handle.write(content.encode("utf-8") if isinstance(content, str) else content)

    def commit(self) -> None:
        try:
            self.handle.flush()
            os.fsync(self.handle.fileno())
            self.handle.close()
            os.chmod(self._tmp, default_file_mode())
            os.replace(self._tmp, self.path)
        except BaseException:
            self.discard()
            raise

    def discard(self) -> None:
        self.handle.close()
        self._tmp.unlink(missing_ok=True)


def write_atomically(path: str | Path, content: str | bytes, *, make_parents: bool = True) -> None:
    """Write ``content`` (text as UTF-8, or bytes) to ``path`` atomically.

    Raises :class:`OSError` when the folder is missing (with ``make_parents`` false)
    or not writable; no temporary file is left behind.
    """
    path = Path(path)
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    target = AtomicFile(path)
    try:
        target.write(content)
    except BaseException:
        target.discard()
        raise
    target.commit()


def check_writable(path: str | Path) -> None:
    """Fail early, before hours of work, when ``path`` cannot be written.

    Creates and removes a temporary file in the target folder (creating the
    folder if needed), which is exactly what :func:`write_atomically` will need.
    """
    path = Path(path)
    if path.is_dir():
        raise IsADirectoryError(21, "is a directory", str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".probe")
    os.close(fd)
    os.unlink(tmp)

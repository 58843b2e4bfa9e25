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


def write_atomically(path: str | Path, content: str | bytes, *, make_parents: bool = True) -> None:
    """Write ``content`` (text as UTF-8, or bytes) to ``path`` atomically.

    Raises :class:`OSError` when the folder is missing (with ``make_parents`` false)
    or not writable; no temporary file is left behind.
    """
    path = Path(path)
    if make_parents:
        path.parent.mkdir(parents=True, exist_ok=True)
    data = content.encode("utf-8") if isinstance(content, str) else content
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, default_file_mode())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


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

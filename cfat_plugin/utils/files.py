"""Files that appear whole or not at all: checkpoints, reports and caches survive a killed run."""
import contextlib
import os
import uuid


def _temporary_beside(path: str) -> str:
    directory = os.path.dirname(os.path.abspath(path))
    os.makedirs(directory, exist_ok=True)
    return os.path.join(directory, f".{os.path.basename(path)}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


def replace_atomically(path: str, write) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path`` (``os.replace`` is atomic).

    A process killed during ``write`` leaves ``path`` as it was (and a stray
    ``.tmp`` file, removed when the write fails in-process).
    """
    tmp = _temporary_beside(path)
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


@contextlib.contextmanager
def atomic_open(path: str, mode: str = "w", **kwargs):
    """``open(path, mode)`` for writing, through a temporary file renamed onto ``path`` on success."""
    tmp = _temporary_beside(path)
    try:
        with open(tmp, mode, **kwargs) as f:
            yield f
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)

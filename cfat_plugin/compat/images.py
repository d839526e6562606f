"""Unreadable images named by path, not by a DataLoader worker number."""
import os
from typing import Dict, Iterable, Optional

ORIGINAL_READ_IMAGE = None

# Image folder -> data set name, filled by the image check (cfat_plugin.data.images), so that a file
# that breaks during a run is reported with its data set. Forked DataLoader workers inherit it.
DATASET_OF_FOLDER: Dict[str, str] = {}


class BadImageError(ValueError):
    """An image file cannot be read: truncated, empty, missing, not an image.

    The message is one line per file: its data set (where known), its path
    and what is wrong. Re-raised by a DataLoader worker, the exception comes
    back with the worker's traceback in its message; only the last line
    (this error's own message) is kept, so the user still sees one line.
    """

    def __init__(self, message: str = ""):
        message = str(message)
        if message.startswith("Caught ") and "Traceback" in message:
            last = message.rstrip().splitlines()[-1]
            message = last.split(f"{type(self).__name__}: ", 1)[-1]
        super().__init__(message)


def note_dataset_folders(dataset: str, paths: Iterable[str]) -> None:
    """Remember which data set the images under each folder of ``paths`` belong to."""
    for folder in {os.path.dirname(os.path.abspath(p)) for p in paths}:
        DATASET_OF_FOLDER.setdefault(folder, dataset)


def describe_image_error(error: BaseException) -> str:
    """What is wrong with a file, in a few words, from the exception that reading it raised."""
    from PIL import UnidentifiedImageError

    if isinstance(error, FileNotFoundError):
        return "file not found"
    if isinstance(error, UnidentifiedImageError):
        return "not an image PIL can read (unknown format or broken header)"
    if isinstance(error, OSError) and error.strerror:
        return f"cannot be read: {error.strerror}"
    text = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
    return text if "truncated" in text else f"cannot be decoded: {text}"


def bad_image_line(path: str, problem: str, dataset: Optional[str] = None) -> str:
    """``<data set>: <path>: <problem>`` (the data set from the image check when not given)."""
    dataset = dataset or DATASET_OF_FOLDER.get(os.path.dirname(os.path.abspath(path)))
    return f"{dataset + ': ' if dataset else ''}{path}: {problem}"


def fix_image_read_errors() -> None:
    """Name the file when FastReID cannot read an image.

    Symptom: one truncated PNG in a data set ends training in the middle of an
    epoch with ``OSError: image file is truncated`` wrapped in ``Caught OSError
    in DataLoader worker process 0``: two tracebacks and no word of which file
    or which data set. Now ``read_image`` raises :class:`BadImageError` with
    the data set, the path and what is wrong, in one line.
    """
    global ORIGINAL_READ_IMAGE
    import fastreid.data.common as common
    import fastreid.data.data_utils as data_utils

    if ORIGINAL_READ_IMAGE is not None:
        return
    ORIGINAL_READ_IMAGE = original = data_utils.read_image

    def read_image(file_name, format=None):
        try:
            if os.path.isfile(file_name) and os.path.getsize(file_name) == 0:
                raise BadImageError(bad_image_line(file_name, "empty file (0 bytes)"))
            return original(file_name, format)
        except BadImageError:
            raise
        except Exception as error:  # PIL raises OSError, SyntaxError, ValueError, ... on broken files
            raise BadImageError(bad_image_line(file_name, describe_image_error(error))) from None

    read_image.__doc__ = original.__doc__
    data_utils.read_image = read_image
    common.read_image = read_image

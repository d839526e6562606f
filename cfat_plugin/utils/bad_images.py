"""One line per unreadable image: its data set, its path and what is wrong."""
import os
from typing import Dict, Iterable, Optional

# Image folder -> data set name, filled by the image check (cfat_plugin.data.images), so that a file
# that breaks during a run is reported with its data set. Forked DataLoader workers inherit it.
DATASET_OF_FOLDER: Dict[str, str] = {}


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

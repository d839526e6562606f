"""Data sets, corruptions and loaders; importing registers the data sets."""
from . import config  # noqa: F401  (registers the data keys)
from . import datasets  # noqa: F401  (registers CUHK01, SynthReID and its other layouts' readers, *C sets, ...)

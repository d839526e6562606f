"""Data sets, corruptions and loaders; importing registers the data sets."""
from . import config  # noqa: F401  (registers the data keys)
from . import datasets  # noqa: F401  (registers CUHK01, SynthReID, *C benchmark sets, TorchreidCUHK01, SYSU-MM01 and RegDB VI sets)

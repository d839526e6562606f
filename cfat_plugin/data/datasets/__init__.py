"""Data sets registered in FastReID's DATASET_REGISTRY."""
from .cuhk01 import CUHK01  # noqa: F401
from . import synthreid  # noqa: F401
from . import corrupted  # noqa: F401
from . import clothes_changing  # noqa: F401  (PRCC, LTCC, SynthPRCC, SynthLTCC, SynthExternal)
from .celeb_reid import CelebReID  # noqa: F401  (RLQ's external set)
from . import pedes  # noqa: F401  (CUHKPEDES, SynthPEDES)
from . import text_pedes  # noqa: F401  (ICFGPEDES, RSTPReid)
from .torchreid_datasets import TorchreidCUHK01  # noqa: F401  (torchreid's reader)
from .sysu_mm01 import SYSUMM01VI, SynthSYSU  # noqa: F401  (visible-infrared)
from .regdb import RegDBVI, SynthRegDB  # noqa: F401
from .mlr_cuhk03 import CAVIAR, MLRCUHK03, MLRVIPeR, SynthMLR  # noqa: F401  (low resolution)

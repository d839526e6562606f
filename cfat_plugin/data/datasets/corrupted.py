"""Corrupted benchmark test sets (Market1501C, ...) registered in DATASET_REGISTRY.

``<Base>C`` is the registered data set ``<Base>`` with its query and/or
gallery corrupted (one of the benchmark's four settings), as cached PNG files
that FastReID's stock test loader reads. Registered: ``Market1501C``,
``CUHK03C``, ``MSMT17C``, ``SynthReIDC``, ``CUHK01C``; any other registered
data set gets one with :func:`register_corrupted_dataset`, or automatically
when ``configure_corrupted_test`` sees ``<Base>C`` in ``DATASETS.TESTS``.
The base data set is looked up by name when the ``*C`` set is built, not
at import time.

How the config reaches them: FastReID builds test sets with ``root=`` only,
so the engine calls :func:`configure_corrupted_test` (once per process,
before building test loaders); it puts the options from
``DATASETS.CORRUPTION.TEST`` into the run-time options object
(:mod:`cfat_plugin.utils.runtime`), which every ``*C`` set built afterwards reads.
Without that call they use the defaults (setting ``both``, the benchmark's
random draw with seed 0). Keyword arguments override both, for programmatic use:
``DATASET_REGISTRY.get("Market1501C")(root, setting="query", spec=FixedCorruption("fog", 3))``.
"""
import logging
from dataclasses import dataclass, field, replace
from typing import List, Optional, Tuple

from fastreid.data.datasets import DATASET_REGISTRY
from fastreid.data.datasets.bases import ImageDataset

from ...utils.runtime import runtime_options, update_runtime_options
from ..corruptions import (SETTINGS, CorruptionCache, CorruptionSpec, RandomCorruption, apply_setting, make_spec,
                           resolve_seed)

logger = logging.getLogger(__name__)

BENCHMARK_BASES = ("Market1501", "CUHK03", "MSMT17", "SynthReID", "CUHK01")


@dataclass(frozen=True)
class CorruptedTestOptions:
    """How ``*C`` test sets corrupt their base: setting, spec, cache, fill workers (0: all cores)."""

    setting: str = "both"
    spec: CorruptionSpec = field(default_factory=RandomCorruption)
    cache_dir: str = ""
    num_workers: int = 0

    def __post_init__(self) -> None:
        if str(self.setting).lower() not in SETTINGS:
            raise ValueError(f"corruption setting must be one of {SETTINGS}, got {self.setting!r}")
        object.__setattr__(self, "setting", str(self.setting).lower())


def test_options_from_config(cfg, repeat: Optional[int] = None) -> CorruptedTestOptions:
    """Options from ``cfg.DATASETS.CORRUPTION.TEST`` (``repeat`` overrides ``REPEAT``).

    A negative ``SEED`` is replaced by a fresh random one here (and logged).
    """
    node = cfg.DATASETS.CORRUPTION.TEST
    seed = resolve_seed(int(node.SEED))
    if seed != int(node.SEED):
        logger.info(f"DATASETS.CORRUPTION.TEST.SEED {node.SEED}: drew seed {seed} for this run")
    spec = make_spec(node.MODE, name=node.TYPE, severity=int(node.SEVERITY), types=tuple(node.TYPES),
                     severities=tuple(node.SEVERITIES), seed=seed,
                     repeat=int(node.REPEAT if repeat is None else repeat))
    return CorruptedTestOptions(node.SETTING, spec, node.CACHE_DIR, int(node.NUM_WORKERS))


def configure_corrupted_test(cfg) -> CorruptedTestOptions:
    """Make ``*C`` test sets built from now on follow ``cfg`` (see the module docstring).

    Also registers ``<Base>C`` for every ``<Base>C`` in ``DATASETS.TESTS``
    whose ``<Base>`` is registered, so any data set can be tested corrupted.
    """
    for name in cfg.DATASETS.TESTS:
        if name.endswith("C") and name not in DATASET_REGISTRY._obj_map and name[:-1] in DATASET_REGISTRY._obj_map:
            register_corrupted_dataset(name[:-1])
    options = test_options_from_config(cfg)
    update_runtime_options(corrupted_test=options)
    logger.info(f"Corrupted test sets: setting {options.setting!r}, {options.spec.describe()}")
    return options


def active_test_options() -> CorruptedTestOptions:
    """The options ``*C`` test sets use when built without overrides (the defaults until configured)."""
    return runtime_options().corrupted_test or CorruptedTestOptions()


class CorruptedImageDataset(ImageDataset):
    """Base class of ``<Base>C``: the registered ``base_name`` with corrupted query/gallery.

    ``setting``, ``spec``, ``cache_dir`` and ``cache_workers`` (processes
    filling the cache; 0: all cores) override the active options; other
    keyword arguments go to the base data set. ``train`` is the base's, clean.
    The corrupted query/gallery are built (and the cache filled) on first access.
    """

    base_name = ""

    def __init__(self, root: str = "datasets", setting: Optional[str] = None, spec: Optional[CorruptionSpec] = None,
                 cache_dir: Optional[str] = None, cache_workers: Optional[int] = None, **kwargs):
        options = active_test_options()
        overrides = {k: v for k, v in dict(setting=setting, spec=spec, cache_dir=cache_dir,
                                            num_workers=cache_workers).items() if v is not None}
        self.options = replace(options, **overrides)
        try:
            base_cls = DATASET_REGISTRY.get(self.base_name)
        except KeyError:
            raise KeyError(f"{type(self).__name__} corrupts the data set {self.base_name!r}, which is not "
                           f"registered in DATASET_REGISTRY (is the module that defines it imported?)") from None
        self.base = base_cls(root=root, **kwargs)
        self.root = root
        self.dataset_name = f"{getattr(self.base, 'dataset_name', self.base_name.lower())}_c"
        self._split: Optional[Tuple[List[tuple], List[tuple]]] = None
        super().__init__(lambda: self.base.train, lambda: self._corrupted()[0], lambda: self._corrupted()[1])

    def _corrupted(self) -> Tuple[List[tuple], List[tuple]]:
        if self._split is None:
            opts = self.options
            query, gallery, _ = apply_setting(self.base.query, self.base.gallery, opts.setting, opts.spec,
                                              CorruptionCache(opts.cache_dir or None),
                                              num_workers=opts.num_workers or None)
            self._split = (query, gallery)
        return self._split

    def describe(self) -> str:
        """Setting and corruption, for logs and result tables."""
        if self.options.setting == "clean":
            return "clean query, clean gallery"
        return f"setting {self.options.setting!r}: {self.options.spec.describe()}"

    def show_test(self) -> None:
        logger.info(f"{type(self).__name__}: {self.base_name} with {self.describe()}")
        super().show_test()


def register_corrupted_dataset(base_name: str, name: Optional[str] = None) -> type:
    """Register (once) and return ``<base_name>C``, the corrupted version of a registered data set."""
    name = name or f"{base_name}C"
    existing = DATASET_REGISTRY._obj_map.get(name)
    if existing is not None:
        if getattr(existing, "base_name", None) != base_name:
            raise KeyError(f"{name!r} is already registered and is not the corrupted {base_name!r}")
        return existing
    cls = type(name, (CorruptedImageDataset,), {
        "base_name": base_name,
        "__doc__": f"{base_name} with corrupted query/gallery (corruption benchmark); see {__name__}.",
        "__module__": __name__,
    })
    DATASET_REGISTRY.register(cls)
    return cls


Market1501C = register_corrupted_dataset("Market1501")
CUHK03C = register_corrupted_dataset("CUHK03")
MSMT17C = register_corrupted_dataset("MSMT17")
SynthReIDC = register_corrupted_dataset("SynthReID")
CUHK01C = register_corrupted_dataset("CUHK01")

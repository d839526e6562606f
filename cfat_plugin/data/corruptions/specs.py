"""Which corruption each test image gets: a fixed (type, severity), or the benchmark's random draw.

A draw depends only on the spec's seed and the image's *identity* (its folder
and file name, see :func:`image_key`), never on the order of the list, the
worker count or the machine, so a seeded corrupted test set is the same
everywhere. The benchmark itself drew unseeded, 10 times; ``seed=-1`` (see
:func:`resolve_seed`) gives a fresh seed per run for that, and ``repeat``
numbers the draws of one seed.
"""
import secrets
from dataclasses import dataclass
from pathlib import PurePath
from typing import Sequence, Tuple, Union

from .core import CORRUPTION_TYPES, SEVERITIES, check_severity
from .registry import get_corruption
from .seeding import check_seed, derive_seed, rng_for


@dataclass(frozen=True)
class Draw:
    """One image's corruption: ``corrupt(image, name, severity, seed)``."""

    name: str
    severity: int
    seed: int


def image_key(path: str) -> str:
    """An image's identity for draws: ``<parent folder>/<file name>``.

    Machine-independent (no data set root in it) and distinct for a query and a
    gallery image that share a file name.
    """
    parts = PurePath(path).parts
    return "/".join(parts[-2:])


def resolve_seed(seed: int) -> int:
    """``seed``, or a fresh random 32-bit seed when it is negative (the benchmark's unseeded draws)."""
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int, got {seed!r}")
    return secrets.randbits(32) if seed < 0 else seed


@dataclass(frozen=True)
class FixedCorruption:
    """Every image gets ``name`` at ``severity`` (one cell of the full grid); noise differs per image."""

    name: str
    severity: int
    seed: int = 0

    def __post_init__(self) -> None:
        get_corruption(self.name)
        check_severity(self.name, self.severity)
        check_seed(self.seed)

    def draw(self, key: str) -> Draw:
        return Draw(self.name, self.severity, derive_seed(self.seed, "fixed", key))

    def describe(self) -> str:
        return f"{self.name}@{self.severity} (seed {self.seed})"


@dataclass(frozen=True)
class RandomCorruption:
    """The benchmark's draw: type uniform over ``types``, severity uniform over ``severities``, per image."""

    types: Tuple[str, ...] = CORRUPTION_TYPES
    severities: Tuple[int, ...] = SEVERITIES
    seed: int = 0
    repeat: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "types", tuple(self.types) or CORRUPTION_TYPES)
        object.__setattr__(self, "severities", tuple(int(s) for s in self.severities) or SEVERITIES)
        for name in self.types:
            for severity in self.severities:
                check_severity(name, severity)
        if len(set(self.types)) != len(self.types) or len(set(self.severities)) != len(self.severities):
            raise ValueError(f"types and severities must not repeat: {self.types}, {self.severities}")
        check_seed(self.seed)
        check_seed(self.repeat, "repeat")

    def draw(self, key: str) -> Draw:
        rng = rng_for(self.seed, self.repeat, "random", key)
        name = self.types[int(rng.integers(len(self.types)))]
        severity = self.severities[int(rng.integers(len(self.severities)))]
        return Draw(name, severity, int(rng.integers(2 ** 32)))

    def describe(self) -> str:
        types = "all 20 types" if self.types == CORRUPTION_TYPES else f"{len(self.types)} types"
        return f"random over {types} x severities {list(self.severities)} (seed {self.seed}, repeat {self.repeat})"


def make_spec(mode: str, *, name: str = "", severity: int = 0, types: Sequence[str] = (),
              severities: Sequence[int] = (), seed: int = 0, repeat: int = 0) -> "CorruptionSpec":
    """A spec from config-like values; ``mode`` is ``random`` or ``fixed``."""
    mode = str(mode).lower()
    if mode == "fixed":
        if not name:
            raise ValueError("a fixed corruption needs a type (DATASETS.CORRUPTION.TEST.TYPE)")
        return FixedCorruption(name, severity, seed)
    if mode == "random":
        return RandomCorruption(tuple(types), tuple(severities), seed, repeat)
    raise ValueError(f"corruption mode must be 'random' or 'fixed', got {mode!r}")


CorruptionSpec = Union[FixedCorruption, RandomCorruption]

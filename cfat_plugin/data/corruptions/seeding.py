"""Seeds derived from stable keys, and a guard for libraries that use NumPy's global RNG.

Corruptions must be pure functions of (image, type, severity, seed): the same
on every run, process, worker and machine, and invisible to whoever else uses
the global random generators (FastReID's transforms, the sampler, training).
"""
import threading
import zlib
from contextlib import contextmanager
from typing import Iterator, Union

import numpy as np

SeedPart = Union[int, str, bytes]

# NumPy's legacy global RandomState is one per process; threads that corrupt at
# the same time must not interleave seeding, drawing and restoring.
_GLOBAL_NUMPY_LOCK = threading.RLock()


def check_seed(seed: object, what: str = "seed") -> int:
    """``seed`` as a non-negative Python int, or a ValueError/TypeError that says why not."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{what} must be a non-negative integer, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"{what} must be a non-negative integer, got {seed}")
    return int(seed)


def _as_words(part: SeedPart) -> list:
    # Strings and bytes go through CRC32 (stable across processes, unlike hash()).
    if isinstance(part, str):
        part = part.encode("utf-8")
    if isinstance(part, bytes):
        return [zlib.crc32(part), len(part)]
    return [check_seed(part, "seed part")]


def seed_sequence(*parts: SeedPart) -> np.random.SeedSequence:
    """A SeedSequence keyed by ``parts`` (ints >= 0, strings or bytes), in order."""
    words = []
    for part in parts:
        words.extend(_as_words(part))
    return np.random.SeedSequence(words)


def derive_seed(*parts: SeedPart) -> int:
    """A 32-bit seed that depends on every part: for APIs that only take a small int seed."""
    return int(seed_sequence(*parts).generate_state(1, np.uint32)[0])


def rng_for(*parts: SeedPart) -> np.random.Generator:
    """A private NumPy Generator keyed by ``parts``; touches no global state."""
    return np.random.default_rng(seed_sequence(*parts))


@contextmanager
def seeded_global_numpy(seed: int) -> Iterator[None]:
    """Seed NumPy's global RNG for the block, then put its previous state back.

    For code that draws from ``np.random.*`` directly (``imagecorruptions``).
    Serialised by a process-wide lock, so threads of this process that corrupt
    concurrently stay reproducible; a thread that draws from ``np.random``
    *without* this guard while another thread is inside it would see (and
    shift) the seeded stream, so keep global-RNG users out of corruption threads.
    """
    with _GLOBAL_NUMPY_LOCK:
        state = np.random.get_state()
        np.random.seed(seed)
        try:
            yield
        finally:
            np.random.set_state(state)

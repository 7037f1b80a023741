"""Seeds: a user's ``seed`` is resolved once per public call, at entry, and
every random stream of the call is derived from the result here.

Estimators accept an int, None, a ``numpy.random.SeedSequence`` or a
``numpy.random.Generator``. A Generator is drawn from exactly once (one
63-bit integer) and the call then runs exactly as with that integer seed, so
two calls with equally seeded Generators agree, and the number of streams a
call needs (noise for several arrays, surrogates, one stream family per
target of a network) does not change how much of the Generator it uses.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

# spawn key of the surrogate streams: entropy spawned from the same seed as the
# noise's, so the two are independent
_SURROGATE_SPAWN_KEY = (0x5E, 0x1F)
# network target j draws its surrogates from seed + j * stride (mod 2^64): an
# odd stride far from the surrogate stream indices, so targets do not overlap
_TARGET_STRIDE = 1_000_003


def check_seed(seed: Any, name: str = "seed") -> Any:
    """None, an integer >= 0 (of any size), a ``numpy.random.SeedSequence`` or
    ``Generator``: what :func:`numpy.random.default_rng` accepts, checked so
    that errors name the argument (in the form of
    ``infoflux._validation.check_int``, which re-exports this check).
    Integers come back as ``int``."""
    if seed is None or isinstance(seed, (np.random.Generator, np.random.SeedSequence)):
        return seed
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        raise TypeError(
            f"{name}: expected None, an integer >= 0, a numpy.random.SeedSequence or Generator, "
            f"got {type(seed).__name__} {seed!r}"
        )
    if seed < 0:
        raise ValueError(f"{name}: must be an integer in [0, inf], got {int(seed)}")
    return int(seed)


def resolve_seed(seed: Any) -> np.random.SeedSequence:
    """The SeedSequence of a public call's ``seed``: the one place a
    Generator is drawn from (``integers(0, 2**63)``, once)."""
    seed = check_seed(seed, "seed")
    if isinstance(seed, np.random.Generator):
        seed = int(seed.integers(0, 2**63))
    if isinstance(seed, np.random.SeedSequence):
        return seed
    return np.random.SeedSequence(seed)


def noise_seed(seq: np.random.SeedSequence) -> int:
    """The 64-bit seed of the tie-breaking noise (stream j: array j)."""
    return int(seq.generate_state(1, np.uint64)[0])


def surrogate_seed(seq: np.random.SeedSequence) -> int:
    """The 64-bit seed of the surrogate streams, independent of the noise's."""
    spawned = np.random.SeedSequence(seq.entropy, spawn_key=_SURROGATE_SPAWN_KEY)
    return int(spawned.generate_state(1, np.uint64)[0])


def target_seed(surrogates: int, target: int) -> int:
    """The surrogate seed of a network's target column ``target``, from the
    call's surrogate seed; target 0 uses the call's own seed."""
    return (surrogates + _TARGET_STRIDE * target) % 2**64

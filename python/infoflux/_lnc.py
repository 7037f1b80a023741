"""The local non-uniformity correction (LNC) of KSG mutual information,
the ``lnc_alpha`` option of :func:`infoflux.mutual_info`.

S. Gao, G. Ver Steeg, A. Galstyan, "Efficient estimation of mutual
information for strongly dependent variables", AISTATS 2015. The
correction itself is computed by the compiled core
(``rust/core/src/lnc.rs``); this module runs the same pipeline as the
KSG estimate (validation, one seed, preprocessing) and adds the
per-sample corrections to the KSG local values.
"""

from __future__ import annotations

from typing import Any, Union

import numpy as np
import numpy.typing as npt

from infoflux import _backend_rust, _core, _dispatch
from infoflux._requests import Preprocessing
from infoflux._seeds import noise_seed, resolve_seed
from infoflux._validation import (
    check_algorithm,
    check_dtype,
    check_flag,
    check_k,
    check_noise,
    check_normalize,
    check_real,
    check_threads,
    check_tile_size,
    log_base,
)

Result = Union[float, npt.NDArray[np.float64]]


def check_alpha(lnc_alpha: Any) -> float:
    """The LNC threshold: a real number in the open interval (0, 1)."""
    return check_real(lnc_alpha, "lnc_alpha", low=0.0, low_open=True, high=1.0, high_open=True)


def mutual_info(
    x: Any,
    y: Any,
    *,
    lnc_alpha: float,
    k: Any,
    algorithm: Any,
    base: Any,
    local: Any,
    normalize: Any,
    noise: Any,
    seed: Any,
    n_threads: Any,
    dtype: Any,
    tile_size: Any,
) -> Result:
    """KSG mutual information plus the mean LNC correction (or the local
    values plus the per-sample corrections), in units of ``base``."""
    if _dispatch.select(x, y).backend is not _backend_rust:
        raise ValueError("lnc_alpha: the local non-uniformity correction runs on the CPU path only (host arrays)")
    check_dtype(dtype)
    alg = check_algorithm(algorithm)
    ln_base = log_base(base)
    xs, ys = _backend_rust.samples((x, y), ("x", "y"))
    k = check_k(k, xs.shape[0])
    d = xs.shape[1] + ys.shape[1]
    if k < d:
        raise ValueError(
            f"k: lnc_alpha needs k >= the joint dimension ({d}), so that the k neighbours span the principal "
            f"box, got k={k}"
        )
    prep = Preprocessing(check_normalize(normalize), check_noise(noise), noise_seed(resolve_seed(seed)))
    threads = check_threads(n_threads)
    want_local = check_flag(local, "local")
    check_tile_size(tile_size)
    arrays = [xs, ys] if prep.normalize else _backend_rust._common_scale([xs, ys])[0]
    xp, yp = _backend_rust._preprocess(arrays, prep, threads)
    values = _core.mi_local(x=xp, y=yp, k=k, algorithm=alg, n_threads=threads)
    values = values + _core.lnc_local(x=xp, y=yp, k=k, alpha=lnc_alpha, n_threads=threads)
    return _backend_rust._finish(values, want_local, ln_base)

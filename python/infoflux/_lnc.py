"""The local non-uniformity correction (LNC) of KSG mutual information,
the ``lnc_alpha`` option of :func:`infoflux.mutual_info`.

S. Gao, G. Ver Steeg, A. Galstyan, "Efficient estimation of mutual
information for strongly dependent variables", AISTATS 2015. The
correction itself is computed by the compiled core
(``rust/core/src/lnc.rs``); the k-NN pipeline (``_knn._estimate``)
carries ``lnc_alpha`` in its request, and the CPU backend adds the
per-sample corrections to the KSG local values. This module holds the
option's checks.
"""

from __future__ import annotations

from typing import Any

from infoflux._validation import check_real


def check_alpha(lnc_alpha: Any) -> float:
    """The LNC threshold: a real number in the open interval (0, 1)."""
    return check_real(lnc_alpha, "lnc_alpha", low=0.0, low_open=True, high=1.0, high_open=True)


def check_k_spans(k: int, d: int) -> None:
    """LNC fits a box to the k neighbours in the d joint dimensions: k >= d."""
    if k < d:
        raise ValueError(
            f"k: lnc_alpha needs k >= the joint dimension ({d}), so that the k neighbours span the principal "
            f"box, got k={k}"
        )

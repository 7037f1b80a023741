"""Result types of the transfer-entropy functions and the surrogate p-value,
shared by both backends."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from infoflux._validation import check_real


def p_value(estimate: float, surrogates: npt.NDArray[np.float64]) -> float:
    """(#(surrogate >= estimate) + 1) / (n_surrogates + 1): never 0, and
    uniform under the null hypothesis that the estimate is one more
    surrogate."""
    return float((np.count_nonzero(surrogates >= estimate) + 1) / (surrogates.shape[0] + 1))


@dataclass
class Significance:
    """Result of a surrogate test.

    Attributes
    ----------
    estimate : float
        The observed transfer entropy (units of ``base``).
    p_value : float
        (#(surrogate >= estimate) + 1) / (n_surrogates + 1).
    surrogates : ndarray of shape (n_surrogates,)
        The surrogate estimates (same units).
    method : str
        The surrogate method used.
    """

    estimate: float
    p_value: float
    surrogates: npt.NDArray[np.float64]
    method: str


@dataclass
class TENetwork:
    """All-pairs transfer entropy.

    Attributes
    ----------
    values : ndarray of shape (p, p)
        values[i, j] = TE from column i to column j; NaN on the diagonal.
    p_values : ndarray of shape (p, p) or None
        Surrogate p-values (None without surrogates).
    surrogates : ndarray of shape (p, p, n_surrogates) or None
    """

    values: npt.NDArray[np.float64]
    p_values: npt.NDArray[np.float64] | None
    surrogates: npt.NDArray[np.float64] | None

    def significant(self, alpha: float = 0.05) -> npt.NDArray[np.bool_]:
        """Boolean (p, p) matrix of links with p-value <= alpha (no multiple-
        comparison correction: apply your own, e.g. Bonferroni alpha / p(p-1))."""
        if self.p_values is None:
            raise ValueError("significant: the network was computed without surrogates (n_surrogates=0)")
        out: Any = self.p_values <= check_real(alpha, "alpha", low=0.0, high=1.0)
        np.fill_diagonal(out, False)
        return out  # type: ignore[no-any-return]

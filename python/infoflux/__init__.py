"""infoflux: information-theoretic estimators with a Rust core.

k-NN estimators (KSG mutual information, Kozachenko-Leonenko entropy,
Frenzel-Pompe conditional mutual information), transfer entropy,
minimum-entropy coupling and Markov-chain subset selection.
Continuous estimators return nats by default; couplings return bits.
"""

from infoflux._core import __version__
from infoflux._knn import conditional_mutual_info, entropy, mutual_info, mutual_info_matrix
from infoflux._te import (
    Significance,
    TENetwork,
    transfer_entropy,
    transfer_entropy_matrix,
    transfer_entropy_significance,
)

__all__ = [
    "__version__",
    "conditional_mutual_info",
    "entropy",
    "mutual_info",
    "mutual_info_matrix",
    "Significance",
    "TENetwork",
    "transfer_entropy",
    "transfer_entropy_matrix",
    "transfer_entropy_significance",
]

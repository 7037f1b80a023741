"""infoflux: information-theoretic estimators with a Rust core.

k-NN estimators (KSG mutual information, Kozachenko-Leonenko entropy,
Frenzel-Pompe conditional mutual information), transfer entropy,
minimum-entropy coupling and Markov-chain subset selection.
Continuous estimators return nats by default; couplings return bits.
"""

# the discrete family and network inference, reached as infoflux.discrete.* and infoflux.network.*
from infoflux import discrete as discrete
from infoflux import network as network
from infoflux._core import __version__
from infoflux._knn import conditional_mutual_info, entropy, mutual_info, mutual_info_matrix
from infoflux._results import Significance, TENetwork
from infoflux._te import transfer_entropy, transfer_entropy_matrix, transfer_entropy_significance
from infoflux.markov import MarkovChain, Selection, bernoulli_laplace, curie_weiss, kl_rate, select
from infoflux.mec import (
    BottleneckCoupling,
    Coupling,
    CouplingBatch,
    EBIMResult,
    bottleneck_coupling,
    coupling_lower_bound,
    ebim,
    greedy_coupling,
    greedy_coupling_batch,
    one_bit_coupling,
    sample_conditional,
)

__all__ = [  # noqa: RUF022 -- grouped by family, as the README lists them
    "__version__",
    # k-NN estimators (nats)
    "conditional_mutual_info",
    "entropy",
    "mutual_info",
    "mutual_info_matrix",
    # transfer entropy (nats)
    "Significance",
    "TENetwork",
    "transfer_entropy",
    "transfer_entropy_matrix",
    "transfer_entropy_significance",
    # minimum-entropy coupling (bits)
    "BottleneckCoupling",
    "Coupling",
    "CouplingBatch",
    "EBIMResult",
    "bottleneck_coupling",
    "coupling_lower_bound",
    "ebim",
    "greedy_coupling",
    "greedy_coupling_batch",
    "one_bit_coupling",
    "sample_conditional",
    # Markov-chain subset selection (nats)
    "MarkovChain",
    "Selection",
    "bernoulli_laplace",
    "curie_weiss",
    "kl_rate",
    "select",
]

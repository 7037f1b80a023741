"""infoflux: information-theoretic estimators with a Rust core.

k-NN estimators (KSG mutual information, Kozachenko-Leonenko entropy,
Frenzel-Pompe conditional mutual information), transfer entropy,
minimum-entropy coupling and Markov-chain subset selection.
Continuous estimators return nats by default; couplings return bits.
"""

from infoflux._core import __version__
from infoflux.markov import MarkovChain, Selection, bernoulli_laplace, curie_weiss, kl_rate, select

__all__ = [
    "__version__",
    "MarkovChain",
    "Selection",
    "bernoulli_laplace",
    "curie_weiss",
    "kl_rate",
    "select",
]

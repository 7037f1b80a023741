"""infoflux: information-theoretic estimators with a Rust core.

k-NN estimators (KSG mutual information, Kozachenko-Leonenko entropy,
Frenzel-Pompe conditional mutual information), transfer entropy,
minimum-entropy coupling and Markov-chain subset selection.
Continuous estimators return nats by default; couplings return bits.
"""

from infoflux._core import __version__

__all__ = ["__version__"]

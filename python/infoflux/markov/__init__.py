"""Information-theoretic subset selection of multivariate Markov chains.

A chain on a product space X = X_0 x ... x X_{d-1} (states in C order:
coordinate 0 most significant, as :func:`numpy.ravel_multi_index`) is projected
onto a subset S of its coordinates, and S is chosen under a cardinality
constraint by greedy-type algorithms, following

    Z. Lai and M. C. H. Choi, "Information-theoretic subset selection of
    multivariate Markov chains via submodular optimization", arXiv:2503.23340
    (2025).

With stationary distribution pi and flow F(x, y) = pi(x) P(x, y), the
keep-S-in chain is P^(S)(a, b) = F_S(a, b) / pi^(S)(a), where F_S and pi^(S)
sum F and pi over the states whose S-coordinates are a (and b); the
leave-S-out chain is P^(-S) = P^(complement of S). Its entropy rate is
H(P^(S)) = H(F_S) - H(pi^(S)), and every objective here is a combination of
such entropies, so the Rust core never forms a projected matrix or a
Kronecker product to evaluate one. All values are in nats.

Everything runs on the CPU; array arguments given as DLPack/CUDA tensors are
copied to the host. ``scipy`` is needed only for sparse input and output.

Conventions: natural logarithms (nats), 0 ln 0 = 0; a chain is accepted when
its stationary distribution is unique (one closed communicating class;
periodic chains and transient states are fine); P^(empty set) is the trivial
chain with entropy rate 0; ties in the selection algorithms go to the
smallest coordinate (or the lexicographically first set).

Layout (each module imports only those above it; scalar arguments are
checked by the validators every family shares, ``infoflux._validation``):

- ``_sets``: coordinate sets (validation, complement).
- ``_objectives``: the objectives as set functions; they read a chain's
  entropies through the ``EntropySource`` protocol.
- ``_select``: the optimisers (:func:`select`, :class:`Selection`).
- ``_csr``: transition matrices in and out, the dense stationary solve.
- ``_chain``: the chain model (:class:`MarkovChain`) and :func:`kl_rate`.
- ``_models``: the closed-form chains (:func:`curie_weiss`,
  :func:`bernoulli_laplace`).
"""

from infoflux.markov._chain import MarkovChain, kl_rate
from infoflux.markov._models import bernoulli_laplace, curie_weiss
from infoflux.markov._objectives import OBJECTIVES
from infoflux.markov._select import METHODS, Selection, select

__all__ = [
    "METHODS",
    "OBJECTIVES",
    "MarkovChain",
    "Selection",
    "bernoulli_laplace",
    "curie_weiss",
    "kl_rate",
    "select",
]

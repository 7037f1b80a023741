"""Directed network inference with multivariate transfer entropy or mutual
information: IDTxl's greedy algorithm (Lizier & Rubinov 2012; Faes, Nollo &
Porta 2011; Novelli et al. 2019) on infoflux's KSG estimators, one task per
target, in this process, on any ``concurrent.futures`` executor or on a Dask
cluster, with checkpoints.

The entry point is :func:`infer_network`; it returns a
:class:`NetworkResult` of one :class:`TargetResult` per target.
"""

from infoflux._executors import TargetFailedError
from infoflux.network._infer import ALGORITHMS, infer_network
from infoflux.network._result import NetworkResult, Step, TargetResult

__all__ = ["ALGORITHMS", "NetworkResult", "Step", "TargetFailedError", "TargetResult", "infer_network"]

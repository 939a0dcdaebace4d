"""Distributed ``lstsq``, ``pinv``, truncated ``svd`` and ``ridge`` of a matrix held by Spark, with derivatives.

``A`` (m x n) is a path (``.npy``, ``.mtx``/``.mtx.gz``, Parquet), a DataFrame of rows (a vector or
``array<double>`` column, in the order of an optional row index column) or, for small problems, a
numpy array. Results follow numpy: n-sized results (``X``, singular values, ``V``, rank, threshold)
come back as numpy arrays, m-sized ones (``P^T``, ``U``, ``grad_A``, ``grad_B``) as DataFrames
``(row: bigint, vector: vector)`` aligned with A's rows (``to_numpy`` collects one). Right-hand sides,
tangents and cotangents may be numpy arrays, paths or DataFrames.

Cut-off (as ``torch.linalg.pinv``/``numpy.linalg.matrix_rank``): singular values
``s <= max(atol, rtol * s_max)`` are dropped; defaults ``atol = 0``, ``rtol = max(m, n) * eps`` (0 when
only ``atol`` is given). Derivatives are those on the manifold of rank-r matrices (Golub & Pereyra),
exact for rank-deficient A and repeated singular values::

    pinv  JVP  dP     = -P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P
    pinv  VJP  grad_A = -P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)
    lstsq VJP  grad_A = -(P^T gX) X^T + R gX^T (P P^T) + (P^T X) gX^T (I - P A),  grad_B = P^T gX

The same calls run on a classic session (through Py4J) and on Spark Connect (a relation extension
that ``jobs/penrose connect-server`` installs): a path is then a path the server reads, and numpy
inputs travel in the request.
"""

import base64
import json
import os
import uuid
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

from penrose import _connect, _jvm
from penrose.errors import InvalidInputError, translated

__all__ = ["lstsq", "pinv", "svd", "ridge", "to_numpy", "RankDecision", "LstsqResult", "PinvResult", "SvdResult",
           "RidgeResult"]

_METHODS = ("auto", "tsqr", "truncated", "lsmr")


@dataclass
class RankDecision:
    """What every pinv/lstsq result reports: the ``rank``, the ``singular_values`` (all ``min(m, n)`` for
    TSQR, the computed ones for the truncated route), the cut-off ``threshold`` (all three None on the
    LSMR route, which makes no rank decision), the ``route`` taken and why (``route_reason``), and the
    ``certificate``: the truncated SVD's (None for TSQR), or LSMR's largest backward error
    ``||A^T r|| / (||A|| ||r||)`` over the columns."""

    rank: Optional[int]
    singular_values: Optional[np.ndarray]
    threshold: Optional[float]
    route: str
    route_reason: str
    certificate: Optional[float]


@dataclass
class LstsqResult(RankDecision):
    """``X = pinv(A) B``: numpy ``x`` (n or n x k), ``residuals`` (k sums of squares ``||B_j - A X_j||^2``,
    always, unlike numpy) and the :class:`RankDecision`; with a cotangent ``gX``: ``grad_a`` (m x n) and
    ``grad_b`` (m x k) as DataFrames; with a tangent: ``dx``. On the LSMR route, ``iterations`` per column
    and ``converged`` (False when a column stopped before its tolerances, or its ``forward_error`` target,
    held); with ``damp > 0``, ``forward_error``: the largest bound over the columns on the relative error
    ``||x - x*|| / ||x||``, ``||A^T (b - A x) - damp^2 x|| / (damp^2 ||x||)`` computed from ``x`` (None
    undamped); with a cotangent and ``damp > 0``, also ``grad_damp`` (``dL/d damp``)."""

    x: np.ndarray = None
    residuals: np.ndarray = None
    grad_a: object = None
    grad_b: object = None
    dx: Optional[np.ndarray] = None
    iterations: Optional[List[int]] = None
    converged: Optional[bool] = None
    grad_damp: Optional[float] = None
    forward_error: Optional[float] = None


@dataclass
class PinvResult(RankDecision):
    """``P = pinv(A)`` as ``pinv_t``, the DataFrame of ``P^T``'s m rows (n values each, aligned with A),
    and the :class:`RankDecision`; ``grad_a`` (VJP, m x n) and ``dpinv_t`` (JVP, ``dP^T``, m x n) as
    DataFrames when a cotangent or tangent is given."""

    pinv_t: object = None
    grad_a: object = None
    dpinv_t: object = None


@dataclass
class SvdResult:
    """``A ~ U diag(s) V^T``: ``u`` the DataFrame of U's m rows, numpy ``s`` (descending) and ``v``
    (n x r); ``certificate`` bounds ``max_i ||A v_i - s_i u_i||, ||A^T u_i - s_i v_i||`` relative to
    ``s_1``; ``steps`` Krylov steps."""

    u: object
    s: np.ndarray
    v: np.ndarray
    rank: int
    certificate: float
    steps: int


@dataclass
class RidgeResult:
    """``X = (A^T A + mu I)^-1 A^T B``: numpy ``x``; with a cotangent, ``grad_a``, ``grad_b`` (DataFrames)
    and ``grad_mu`` (float); with a tangent ``(dA, dB, dmu)``, ``dx``."""

    x: np.ndarray
    mu: float
    grad_a: object = None
    grad_b: object = None
    grad_mu: Optional[float] = None
    dx: Optional[np.ndarray] = None


class _Request:
    """One call as the JVM's LinalgCall reads it (JSON), sent through Py4J on a classic session and as a
    relation extension on Spark Connect; the result is one row, m-sized results temporary views."""

    def __init__(self, op, a, column, index, partitions, spark, **fields):
        self.spark = spark or _active_session(a)
        self.body = {"op": op, **{k: v for k, v in fields.items() if v is not None}}
        self.partitions = partitions
        self.inputs = []  # temporary views made of input DataFrames, dropped after the call
        self.body["a"] = self.matrix(a, "A", column, index)

    def matrix(self, value, name, column=None, index=None):
        if isinstance(value, (str, os.PathLike)):
            path = os.fspath(value)
            if not _jvm.is_connect(self.spark) and "://" not in path and not path.startswith("file:"):
                path = os.path.abspath(path)  # as numpy.load reads it (the JVM's folder may differ)
            return {"path": path, "partitions": self.partitions or 0, "column": column}
        if _is_dataframe(value):
            view = f"penrose_input_{uuid.uuid4().hex}"
            value.createOrReplaceTempView(view)
            self.inputs.append(view)
            return {"view": view, "column": column, "index": index}
        buffer, rows, cols = _jvm.to_bytes(value, name)
        return {"numpy": base64.b64encode(buffer).decode("ascii"), "rows": rows, "cols": cols,
                "partitions": self.partitions or 0}

    def send(self):
        text = json.dumps(self.body)
        try:
            if _jvm.is_connect(self.spark):
                frame = _connect.frame(self.spark, text)
            else:
                from pyspark.sql import DataFrame

                bridge = _jvm.bridge(self.spark)
                frame = DataFrame(bridge.run(self.spark._jsparkSession, text), self.spark)
            self.row = frame.collect()[0]
        finally:
            for view in self.inputs:
                self.spark.catalog.dropTempView(view)
        return self

    def matrix_result(self, name):
        values = self.row[name]
        if values is None:
            return None
        rows, cols = self.row[name + "_rows"], self.row[name + "_cols"]
        return np.array(values, dtype=float).reshape(cols, rows).T.copy()

    def vector(self, name):
        values = self.row[name]
        return None if values is None else np.array(values, dtype=float)

    def rank_decision(self):
        """The fields every pinv/lstsq result shares: rank, spectrum, threshold, route, certificate."""
        rank, threshold = self.row["rank"], self.row["threshold"]
        return {"rank": None if rank is None else int(rank), "singular_values": self.vector("singular_values"),
                "threshold": None if threshold is None else float(threshold), "route": self.row["route"],
                "route_reason": self.row["route_reason"], "certificate": self.row["certificate"]}

    def like_x(self, name, x, vector_rhs):
        """A result shaped as X (1-D for a vector right-hand side): ``x``'s shape, column-major values."""
        values = self.vector(name)
        if values is None:
            return None
        return values if vector_rhs else values.reshape(x.shape[1], x.shape[0]).T.copy()

    def frame(self, name):
        views = self.row["views"] or {}
        return self.spark.table(views[name]) if name in views else None


def _active_session(a):
    from pyspark.sql import SparkSession

    if _is_dataframe(a):
        return a.sparkSession
    spark = SparkSession.getActiveSession()
    if spark is None:
        raise InvalidInputError("no active SparkSession: create one with penrose.configure(SparkSession.builder)")
    return spark


def _is_dataframe(value):
    return hasattr(value, "createOrReplaceTempView") and hasattr(value, "schema")


def _is_1d(value):
    if isinstance(value, (str, os.PathLike)):
        path = os.fspath(value)
        if not path.lower().endswith(".npy") or not os.path.isfile(path):
            return False
        try:
            return np.load(path, mmap_mode="r").ndim == 1
        except Exception:
            return False  # the JVM's reader gives the real error
    return not _is_dataframe(value) and np.ndim(value) == 1


def _method(method):
    if method not in _METHODS:
        raise InvalidInputError(f"method must be one of {', '.join(_METHODS)}, got {method!r}")
    return method


def _tolerance(value, name):
    if value is None:
        return None
    value = float(value)
    if not np.isfinite(value) or value < 0:
        raise InvalidInputError(f"{name} must be a finite number >= 0, got {value}")
    return value


def _rank(rank, name="rank"):
    if rank is None:
        return None
    if int(rank) != rank or rank < 1:
        raise InvalidInputError(f"{name} must be a positive integer, got {rank!r}")
    return int(rank)


@translated
def lstsq(a, b, *, rtol=None, atol=None, rank=None, method="auto", cotangent=None, tangent=None, column=None,
          index=None, b_column=None, b_index=None, partitions=None, tol=None, max_rank=None, seed=None,
          damp=None, btol=None, max_iterations=None, forward_error=None, deflate=None, spark=None):
    """Minimum-norm least squares ``X = pinv(A; rtol, atol) B`` of a distributed ``A`` (m x n).

    :param a: A: a path, a DataFrame (``column``, ``index``) or a numpy array.
    :param b: B (m or m x k): a numpy array, a path, or a DataFrame (``b_column``, ``b_index``) with A's rows.
    :param rtol, atol: the cut-off (numpy/torch names and defaults).
    :param rank: truncate at this rank (principal-component regression; the truncated route).
    :param method: ``"auto"`` (TSQR up to 4096 columns n + k; past that LSMR, or the truncated SVD with
        ``rank``), ``"tsqr"``, ``"truncated"``,
        or ``"lsmr"`` (iterative, any width, no rank cut; ``atol``/``btol`` are then its stopping tolerances,
        as ``scipy.sparse.linalg.lsmr``'s, with ``damp`` and ``max_iterations``; the VJP and JVP by further
        LSMR solves).
    :param forward_error: with ``method="lsmr"`` and ``damp > 0``: iterate until the bound on
        ``||x - x*|| / ||x||`` (the result's ``forward_error``) is at most this, instead of ``atol``/``btol``.
    :param deflate: with ``method="lsmr"``, undamped: precondition LSMR with A's ``deflate`` largest singular
        triplets from the start (a certified truncated SVD first; ``tol`` and ``seed`` are its): their values
        brought down to the smallest of them, fewer iterations where they stand apart, the same minimum-norm
        ``x``. ``0``: never. ``None`` (default): automatic, 20 triplets once plain LSMR has run 1000 iterations
        without stopping, continuing from its ``x``.
    :param cotangent: ``gX = dL/dX`` (shape of X, numpy): adds ``grad_a`` and ``grad_b``.
    :param tangent: ``(dA, dB)`` (either may be None): adds ``dx``, the JVP.
    :param tol, max_rank, seed: the truncated SVD's tolerance, largest rank and start vector seed.
    :returns: :class:`LstsqResult`.
    """
    request = _Request("lstsq", a, column, index, partitions, spark,
                       **_route_fields(rtol, atol, rank, method, tol, max_rank, seed))
    if method == "lsmr":
        request.body.update({k: v for k, v in (("damp", damp), ("btol", _tolerance(btol, "btol")),
                                               ("max_iterations", max_iterations),
                                               ("forward_error", _tolerance(forward_error, "forward_error")),
                                               ("deflate", deflate))
                             if v is not None})
    elif (damp is not None or btol is not None or max_iterations is not None or forward_error is not None
          or deflate is not None):
        raise InvalidInputError("damp, btol, max_iterations, forward_error and deflate are LSMR's: add method='lsmr'")
    vector_rhs = _is_1d(b)
    request.body["b"] = request.matrix(b, "B", b_column, b_index)
    if tangent is not None:
        d_a, d_b = _pair(tangent, "tangent", 2)
        if d_a is not None:
            request.body["tangent_a"] = request.matrix(d_a, "dA")
        if d_b is not None:
            request.body["tangent_b"] = request.matrix(d_b, "dB")
    if cotangent is not None:
        g = np.asarray(cotangent)
        if vector_rhs and g.ndim != 1 or not vector_rhs and g.ndim != 2:
            raise InvalidInputError(f"shape mismatch: the cotangent is {g.shape} but X is "
                                    f"{'1-D' if vector_rhs else '2-D'}")
        request.body["cotangent"] = request.matrix(g, "the cotangent")
    request.send()
    x = request.matrix_result("x")
    iterations = request.row["iterations"]
    return LstsqResult(x=x[:, 0] if vector_rhs else x, residuals=request.vector("residuals"),
                       **request.rank_decision(), grad_a=request.frame("grad_a"), grad_b=request.frame("grad_b"),
                       dx=request.like_x("dx", x, vector_rhs),
                       iterations=None if iterations is None else list(iterations), converged=request.row["converged"],
                       grad_damp=None if not damp or request.row["grad_mu"] is None else 2 * damp * request.row["grad_mu"],
                       forward_error=request.row["forward_error"])


@translated
def pinv(a, *, rtol=None, atol=None, rank=None, method="auto", cotangent=None, tangent=None, column=None,
         index=None, partitions=None, tol=None, max_rank=None, seed=None, spark=None):
    """The Moore-Penrose pseudo-inverse ``P = pinv(A; rtol, atol)`` (n x m) of a distributed ``A`` (m x n).

    ``P`` is m-sized: it comes back as ``pinv_t``, the DataFrame of ``P^T``'s rows aligned with A's.

    :param cotangent: ``G = dL/dP`` (n x m): a numpy array, a path, or a DataFrame of ``G^T``'s rows;
        adds ``grad_a``.
    :param tangent: ``dA`` (m x n): adds ``dpinv_t``, the rows of ``dP^T``.
    :returns: :class:`PinvResult`.
    """
    request = _Request("pinv", a, column, index, partitions, spark,
                       **_route_fields(rtol, atol, rank, method, tol, max_rank, seed))
    if cotangent is not None:
        if isinstance(cotangent, (str, os.PathLike)) or _is_dataframe(cotangent):
            request.body["cotangent"] = request.matrix(cotangent, "the cotangent")
        else:
            g = np.asarray(cotangent)
            if g.ndim != 2:
                raise InvalidInputError(f"the cotangent: expected a 2-D array (n x m), got {g.ndim}-D")
            request.body["cotangent"] = request.matrix(g.T, "the cotangent's transpose")
    if tangent is not None:
        request.body["tangent_a"] = request.matrix(tangent, "dA")
    request.send()
    return PinvResult(pinv_t=request.frame("pinv_t"), **request.rank_decision(), grad_a=request.frame("grad_a"),
                      dpinv_t=request.frame("dpinv_t"))


@translated
def svd(a, k=None, *, rtol=None, atol=None, tol=None, max_rank=None, seed=None, column=None, index=None,
        partitions=None, spark=None):
    """The certified truncated SVD ``A ~ U diag(s) V^T`` at rank ``k``, or (``k=None``) at the rank the
    cut-off decides (grown until ``s <= max(atol, rtol * s_max)`` is certain).

    :returns: :class:`SvdResult` (``u`` a DataFrame, ``s`` and ``v`` numpy).
    """
    request = _Request("svd", a, column, index, partitions, spark, k=_rank(k, "k"), rtol=_tolerance(rtol, "rtol"),
                       atol=_tolerance(atol, "atol"), tol=tol, max_rank=max_rank, seed=seed).send()
    return SvdResult(u=request.frame("u"), s=request.vector("singular_values"), v=request.matrix_result("v"),
                     rank=int(request.row["rank"]), certificate=float(request.row["certificate"]),
                     steps=int(request.row["steps"]))


@translated
def ridge(a, b, mu, *, cotangent=None, tangent=None, column=None, index=None, b_column=None, b_index=None,
          partitions=None, spark=None):
    """Ridge regression ``X = (A^T A + mu I)^-1 A^T B`` (``mu > 0``), with its derivatives.

    :param cotangent: ``gX`` (shape of X): adds ``grad_a``, ``grad_b`` and ``grad_mu``.
    :param tangent: ``(dA, dB, dmu)`` (dA, dB may be None): adds ``dx``.
    """
    request = _Request("ridge", a, column, index, partitions, spark, mu=float(mu))
    vector_rhs = _is_1d(b)
    request.body["b"] = request.matrix(b, "B", b_column, b_index)
    if cotangent is not None:
        request.body["cotangent"] = request.matrix(np.asarray(cotangent), "the cotangent")
    if tangent is not None:
        d_a, d_b, d_mu = _pair(tangent, "tangent", 3)
        if d_a is not None:
            request.body["tangent_a"] = request.matrix(d_a, "dA")
        if d_b is not None:
            request.body["tangent_b"] = request.matrix(d_b, "dB")
        request.body["tangent_mu"] = float(d_mu or 0.0)
    request.send()
    x = request.matrix_result("x")
    return RidgeResult(x=x[:, 0] if vector_rhs else x, mu=float(mu), grad_a=request.frame("grad_a"),
                       grad_b=request.frame("grad_b"), grad_mu=request.row["grad_mu"],
                       dx=request.like_x("dx", x, vector_rhs))


def _route_fields(rtol, atol, rank, method, tol, max_rank, seed):
    """The cut-off, the route and the truncated SVD's options of a request, checked."""
    return {"rtol": _tolerance(rtol, "rtol"), "atol": _tolerance(atol, "atol"), "rank": _rank(rank),
            "method": _method(method), "tol": tol, "max_rank": max_rank, "seed": seed}


def _pair(value, name, size):
    if not isinstance(value, (tuple, list)) or len(value) != size:
        raise InvalidInputError(f"{name} must be a tuple of {size} (dA, dB{', dmu' if size == 3 else ''})")
    return value


@translated
def to_numpy(df, column=None, index="row"):
    """Collects a row-indexed DataFrame (as the m-sized results are) into a numpy (m, n) array, ordered by
    ``index`` when the DataFrame has it. For results that fit in the driver's memory."""
    if column is None:
        candidates = [f.name for f in df.schema.fields if f.name != index]
        if len(candidates) != 1:
            raise InvalidInputError(f"name the column to collect (columns: {', '.join(df.columns)})")
        column = candidates[0]
    if column not in df.columns:
        raise InvalidInputError(f"no column '{column}' (columns: {', '.join(df.columns)})")
    ordered = df.orderBy(index) if index in df.columns else df
    rows = [r[0] for r in ordered.select(column).collect()]
    if not rows:
        return np.zeros((0, 0))
    return np.array([v.toArray() if hasattr(v, "toArray") else v for v in rows], dtype=float)

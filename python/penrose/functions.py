"""Penrose's SQL functions as ``pyspark.sql.Column`` functions, for matrices held in rows.

A matrix argument is an ``array<array<double>>`` column (rows; other numeric element types are cast)
or a ``pyspark.ml.linalg`` Matrix column; a vector argument ``array<double>`` or a Vector. Each
function takes a Column or a column name, as ``pyspark.sql.functions`` do. ``rtol`` and ``atol`` (the
cut-off: singular values ``s <= max(atol, rtol * s_max)`` are dropped; defaults ``atol = 0``,
``rtol = max(m, n) * eps``, or 0 when only ``atol`` is given) are numbers, Columns or column names. NULL matrices
give NULL; invalid cells are errors naming the function (``spark.penrose.sql.invalidAsNull=true``
turns them into NULL).

They call the SQL functions that ``penrose.configure`` installs (``spark.sql.extensions``), so they
work alike on classic and Spark Connect sessions (the server needs Penrose: ``jobs/penrose
connect-server``). Results are named like the function's SQL; ``.alias`` gives another name.
"""

from pyspark.sql import Column
from pyspark.sql import functions as F

__all__ = ["pinv", "lstsq", "pinv_jvp", "pinv_vjp", "lstsq_vjp", "matrix_rank", "svdvals", "lstsq_agg"]


def _col(value):
    return value if isinstance(value, Column) else F.col(value)


def _number(value):
    if value is None:
        return F.lit(None).cast("double")
    if isinstance(value, Column):
        return value
    return F.col(value) if isinstance(value, str) else F.lit(float(value))


def _call(name, columns, rtol, atol):
    """``name(columns..., [rtol, [atol]])``: a NULL rtol stands for 'not given' when only atol is."""
    args = [_col(c) for c in columns]
    if rtol is not None or atol is not None:
        args.append(_number(rtol))
    if atol is not None:
        args.append(_number(atol))
    return F.call_function(name, *args)


def pinv(a, rtol=None, atol=None):
    """The Moore-Penrose pseudo-inverse ``P = pinv(A)`` of each row's m x n matrix (n x m)."""
    return _call("pinv", [a], rtol, atol)


def lstsq(a, b, rtol=None, atol=None):
    """Minimum-norm least squares ``X = pinv(A) B`` per row: ``struct(solution, rank, singular_values,
    residual_sum_of_squares, threshold)``; ``B`` is m x k (X n x k) or a vector of m (X a vector of n)."""
    return _call("lstsq", [a, b], rtol, atol)


def pinv_jvp(a, tangent, rtol=None, atol=None):
    """``dP`` along the tangent ``dA`` (m x n) on the manifold of A's rank (Golub-Pereyra):
    ``-P dA P + P P^T dA^T (I - A P) + (I - P A) dA^T P^T P``."""
    return _call("pinv_jvp", [a, tangent], rtol, atol)


def pinv_vjp(a, cotangent, rtol=None, atol=None):
    """``grad_A = dL/dA`` (m x n) for the cotangent ``G = dL/dP`` (n x m):
    ``-P^T G P^T + (I - A P) G^T P P^T + P^T P G^T (I - P A)``."""
    return _call("pinv_vjp", [a, cotangent], rtol, atol)


def lstsq_vjp(a, b, cotangent, rtol=None, atol=None):
    """Gradients of ``L(X)``, ``X = lstsq(A, B)``, for ``gX = dL/dX``: ``struct(grad_a, grad_b)`` with
    ``grad_A = -(P^T gX) X^T + R gX^T (P P^T) + (P^T X) gX^T (I - P A)``, ``grad_B = P^T gX``."""
    return _call("lstsq_vjp", [a, b, cotangent], rtol, atol)


def matrix_rank(a, rtol=None, atol=None):
    """The numerical rank: the number of singular values above ``max(atol, rtol * s_max)``."""
    return _call("matrix_rank", [a], rtol, atol)


def svdvals(a):
    """The ``min(m, n)`` singular values of each row's matrix, descending."""
    return F.call_function("svdvals", _col(a))


def lstsq_agg(features, label, rtol=None, atol=None):
    """Aggregate: minimum-norm least squares ``x = pinv(A; rtol, atol) y`` over a group's rows (``features``
    a vector or ``array<double>``, ``label`` a number), from a streamed QR triangle of ``[A | y]``:
    ``struct(coefficients, rank, singular_values, residual_sum_of_squares, rows)``. No intercept is
    added. Works in ``groupBy().agg`` and in Structured Streaming aggregations."""
    return _call("lstsq_agg", [features, label], rtol, atol)

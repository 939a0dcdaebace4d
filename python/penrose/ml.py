"""Penrose's spark.ml stages for PySpark: ``LeastSquaresRegression`` (an Estimator) and its Model.

Minimum-norm least squares (TSQR, or the certified truncated SVD past 4096 design columns or at a
fixed ``rank``), ridge with ``regParam`` (Spark's scaling) or chosen by GCV/LOO, with the rank
decision, standard errors and iterative refinement; the JVM stages ``org.penrose.ml.*`` do the work,
so a model saved from Python loads in Java/Scala and back, inside a ``PipelineModel`` too::

    from penrose.ml import LeastSquaresRegression
    model = LeastSquaresRegression(featuresCol="features", labelCol="y").fit(df)
    model.summary.rank, model.summary.singular_values, model.coefficients
    model.transform(df).select("prediction")

On Spark Connect the stages run on the server (registered there by ServiceLoader); ``summary`` comes
from the server's Penrose plugin (Connect lets clients call methods of Spark's own models only).
"""

from dataclasses import dataclass
from typing import List, Optional

import numpy as np
from pyspark import keyword_only
from pyspark.ml.param import Param, Params, TypeConverters
from pyspark.ml.param.shared import HasFeaturesCol, HasFitIntercept, HasLabelCol, HasPredictionCol, HasWeightCol
from pyspark.ml.util import JavaMLReadable, JavaMLWritable
from pyspark.ml.wrapper import JavaEstimator, JavaModel
from pyspark.sql import is_remote

from penrose.errors import translated

__all__ = ["LeastSquaresRegression", "LeastSquaresRegressionModel", "LeastSquaresSummary"]

_ESTIMATOR = "org.penrose.ml.LeastSquaresRegression"
_MODEL = "org.penrose.ml.LeastSquaresRegressionModel"


class _LeastSquaresParams(HasFeaturesCol, HasLabelCol, HasPredictionCol, HasFitIntercept):
    """The params the estimator and its model share (the JVM's LeastSquaresParams)."""

    def __init__(self, *args):
        super().__init__(*args)
        self._setDefault(featuresCol="features", labelCol="label", predictionCol="prediction", fitIntercept=True)


class _LeastSquaresRegressionParams(_LeastSquaresParams, HasWeightCol):
    """The estimator's params, with the JVM stage's names, meanings and defaults."""

    equilibrate = Param(Params._dummy(), "equilibrate",
                        "scale design columns to unit norm before the rank decision", TypeConverters.toBoolean)
    rtol = Param(Params._dummy(), "rtol",
                 "relative cut-off: singular values <= max(atol, rtol * s_max) are dropped", TypeConverters.toFloat)
    atol = Param(Params._dummy(), "atol", "absolute cut-off", TypeConverters.toFloat)
    refinementSteps = Param(Params._dummy(), "refinementSteps",
                            "extra passes over the rows refining the coefficients in compensated arithmetic",
                            TypeConverters.toInt)
    rank = Param(Params._dummy(), "rank", "truncate at this rank (principal-component regression)",
                 TypeConverters.toInt)
    maxRank = Param(Params._dummy(), "maxRank",
                    "beyond 4096 design columns and without rank, the largest rank the cut-off may reach",
                    TypeConverters.toInt)
    solver = Param(Params._dummy(), "solver", "'auto', 'tsqr', 'truncated' or 'lsmr'", TypeConverters.toString)
    tol = Param(Params._dummy(), "tol", "LSMR's atol = btol", TypeConverters.toFloat)
    maxIter = Param(Params._dummy(), "maxIter", "LSMR's iteration limit (0: min(rows, design columns))",
                    TypeConverters.toInt)
    forwardError = Param(Params._dummy(), "forwardError",
                         "LSMR ridge: iterate until the bound on the scaled coefficients' relative error is at most"
                         " this (0: tol decides)", TypeConverters.toFloat)
    regParam = Param(Params._dummy(), "regParam",
                     "L2 penalty lambda >= 0, as Spark's LinearRegression with elasticNetParam = 0",
                     TypeConverters.toFloat)
    standardization = Param(Params._dummy(), "standardization",
                            "penalize the coefficients of standardized features", TypeConverters.toBoolean)
    regParamSelection = Param(Params._dummy(), "regParamSelection", "'none', 'gcv' or 'loo'",
                              TypeConverters.toString)
    regParamGrid = Param(Params._dummy(), "regParamGrid", "the penalties GCV searches",
                         TypeConverters.toListFloat)

    def __init__(self, *args):
        super().__init__(*args)
        # the JVM stage's defaults (test_ml checks them against the JVM's)
        self._setDefault(equilibrate=True, refinementSteps=0, maxRank=500, solver="auto", regParam=0.0,
                         standardization=True, regParamSelection="none", tol=1e-6, maxIter=0, forwardError=0.0)


def _setters(cls):
    """``setX(value)`` / ``getX()`` for every param of the stage, as pyspark.ml stages have them."""
    for name in (p for p in dir(cls) if isinstance(getattr(cls, p, None), Param)):
        capital = name[0].upper() + name[1:]

        def setter(self, value, _name=name):
            return self._set(**{_name: value})

        def getter(self, _name=name):
            return self.getOrDefault(getattr(self, _name))

        setter.__name__, getter.__name__ = "set" + capital, "get" + capital
        setter.__doc__ = f"Sets ``{name}``."
        getter.__doc__ = f"The value of ``{name}``."
        setattr(cls, "set" + capital, setter)
        if not hasattr(cls, "get" + capital):
            setattr(cls, "get" + capital, getter)
    return cls


@_setters
class LeastSquaresRegression(JavaEstimator, _LeastSquaresRegressionParams, JavaMLReadable, JavaMLWritable):
    """Minimum-norm least squares ``beta = pinv(X; rtol, atol) y`` (with an intercept column when
    ``fitIntercept``), or ridge ``(X^T X + lambda n I)^-1 X^T y`` for ``regParam > 0`` (Spark's scaling).
    Every JVM param is a keyword argument; ``solver``: ``auto`` (TSQR up to 4096 design columns
    without ``rank``, the truncated SVD with ``rank``, LSMR past 4096 without it), ``tsqr``, ``truncated``
    or ``lsmr`` (least squares or ridge at any width, to ``tol``, at most ``maxIter`` iterations; for ridge,
    ``forwardError`` > 0 iterates until the summary's ``forward_error_bound`` is at most that instead)."""

    @keyword_only
    def __init__(self, *, featuresCol="features", labelCol="label", predictionCol="prediction", fitIntercept=True,
                 weightCol=None, equilibrate=True, rtol=None, atol=None, refinementSteps=0, rank=None, maxRank=500,
                 solver="auto", regParam=0.0, standardization=True, regParamSelection="none", regParamGrid=None,
                 tol=1e-6, maxIter=0, forwardError=0.0):
        super().__init__()
        self._java_obj = self._new_java_obj(_ESTIMATOR, self.uid)
        self.setParams(**self._input_kwargs)

    @keyword_only
    def setParams(self, *, featuresCol="features", labelCol="label", predictionCol="prediction", fitIntercept=True,
                  weightCol=None, equilibrate=True, rtol=None, atol=None, refinementSteps=0, rank=None,
                  maxRank=500, solver="auto", regParam=0.0, standardization=True, regParamSelection="none",
                  regParamGrid=None, tol=1e-6, maxIter=0, forwardError=0.0):
        """Sets the params given (None: unset)."""
        return self._set(**{k: v for k, v in self._input_kwargs.items() if v is not None})

    @translated
    def fit(self, dataset, params=None):
        return super().fit(dataset, params)

    def _create_model(self, java_model):
        return LeastSquaresRegressionModel(java_model)


@dataclass
class LeastSquaresSummary:
    """A fit's statistics, numpy arrays for vectors: ``coefficients`` (features), ``intercept`` (None without
    one), ``rank`` and all ``singular_values`` of the (equilibrated) design, the ``threshold``,
    ``residual_sum_of_squares``, ``r2``, ``rows``, ``standard_errors`` (None when rank-deficient),
    ``dependent_columns`` (features dropped by the rank decision), ``feature_names``, ``reg_param`` and
    ``effective_degrees_of_freedom`` (ridge); on the LSMR route ``rank`` is -1 (no rank is decided) and
    ``iterations``, ``stop``, ``converged`` and ``certificate`` (``||A^T r|| / (||A|| ||r||)``) say how
    LSMR ended, and ``forward_error_bound`` (ridge: a bound on the scaled coefficients' relative error,
    computed from them) or ``forward_error_estimate`` (least squares: an estimate from the certificate and
    cond(A)) how accurate its answer is (None on the other routes)."""

    coefficients: np.ndarray
    intercept: Optional[float]
    rank: int
    singular_values: np.ndarray
    threshold: float
    residual_sum_of_squares: float
    r2: Optional[float]
    rows: int
    standard_errors: Optional[np.ndarray]
    intercept_standard_error: Optional[float]
    dependent_columns: List[str]
    feature_names: List[str]
    reg_param: float
    effective_degrees_of_freedom: Optional[float]
    iterations: Optional[int] = None
    stop: Optional[str] = None
    converged: Optional[bool] = None
    certificate: Optional[float] = None
    forward_error_bound: Optional[float] = None
    forward_error_estimate: Optional[float] = None


def _array(values):
    return None if values is None else np.array(list(values), dtype=float)


def _optional(value):
    return None if value is None else float(value)


@_setters
class LeastSquaresRegressionModel(JavaModel, _LeastSquaresParams, JavaMLReadable, JavaMLWritable):
    """A fitted :class:`LeastSquaresRegression`: ``prediction = intercept + features . coefficients``."""

    @property
    def summary(self):
        """:class:`LeastSquaresSummary` of the fit (numpy arrays)."""
        if is_remote():
            if getattr(self, "_penrose_summary", None) is None:
                self._penrose_summary = self._remote_summary()
            return self._penrose_summary
        fit = self._java_obj.summary()
        how = fit.iterative()
        return LeastSquaresSummary(
            coefficients=_array(fit.coefficients()),
            intercept=_optional(fit.intercept()),
            rank=int(fit.rank()),
            singular_values=_array(fit.singularValues()),
            threshold=float(fit.threshold()),
            residual_sum_of_squares=float(fit.residualSumOfSquares()),
            r2=_optional(fit.r2()),
            rows=int(fit.rows()),
            standard_errors=_array(fit.standardErrors()),
            intercept_standard_error=_optional(fit.interceptStandardError()),
            dependent_columns=list(fit.dependentColumns()),
            feature_names=list(fit.featureNames()),
            reg_param=float(fit.regParam()),
            effective_degrees_of_freedom=_optional(fit.effectiveDegreesOfFreedom()),
            iterations=None if how is None else int(how.iterations()),
            stop=None if how is None else str(how.stop()),
            converged=None if how is None else bool(how.converged()),
            certificate=None if how is None else float(how.certificate()),
            forward_error_bound=None if how is None else _optional(how.forwardErrorBound()),
            forward_error_estimate=None if how is None else _optional(how.forwardErrorEstimate()),
        )

    def _remote_summary(self):
        """Over Spark Connect: the summary row the server's PenroseRelationPlugin reads off the model it holds."""
        import json

        from pyspark.sql import SparkSession

        from penrose import _connect

        request = json.dumps({"op": "model_summary", "model": self._java_obj.ref_id})
        r = _connect.frame(SparkSession.getActiveSession(), request).collect()[0]
        return LeastSquaresSummary(
            coefficients=_array(r["coefficients"]), intercept=_optional(r["intercept"]), rank=int(r["rank"]),
            singular_values=_array(r["singular_values"]), threshold=float(r["threshold"]),
            residual_sum_of_squares=float(r["residual_sum_of_squares"]), r2=_optional(r["r2"]), rows=int(r["rows"]),
            standard_errors=_array(r["standard_errors"]),
            intercept_standard_error=_optional(r["intercept_standard_error"]),
            dependent_columns=list(r["dependent_columns"]), feature_names=list(r["feature_names"]),
            reg_param=float(r["reg_param"]), effective_degrees_of_freedom=_optional(r["effective_df"]),
            iterations=None if r["iterations"] is None else int(r["iterations"]), stop=r["stop"],
            converged=r["converged"], certificate=_optional(r["certificate"]),
            forward_error_bound=_optional(r["forward_error_bound"]),
            forward_error_estimate=_optional(r["forward_error_estimate"]))

    @property
    def coefficients(self):
        """The features' coefficients (a DenseVector, as pyspark's LinearRegressionModel)."""
        from pyspark.ml.linalg import DenseVector

        return DenseVector(self.summary.coefficients)

    @property
    def intercept(self):
        """The intercept (0.0 when fitted without one)."""
        value = self.summary.intercept
        return 0.0 if value is None else value

    @translated
    def transform(self, dataset, params=None):
        return super().transform(dataset, params)


# pyspark.ml finds a stage's JVM class from its Python module (``pyspark.x`` -> ``org.apache.spark.x``)
# when it loads one (JavaMLReader, Spark Connect's reader) and the Python class from the JVM class name
# (``JavaParams._from_java``, for stages inside a PipelineModel): these classes live, for pyspark, in
# ``org.penrose.ml``, the module named like their JVM package, which this package ships.
LeastSquaresRegression.__module__ = LeastSquaresRegressionModel.__module__ = "org.penrose.ml"

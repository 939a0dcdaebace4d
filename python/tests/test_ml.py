"""penrose.ml stages on a classic session: numpy references, JVM interop, Pipeline and CrossValidator."""

import numpy as np
import pytest
from pyspark.ml import Pipeline, PipelineModel
from pyspark.ml.evaluation import RegressionEvaluator
from pyspark.ml.feature import VectorAssembler
from pyspark.ml.linalg import DenseVector, Vectors
from pyspark.ml.tuning import CrossValidator, ParamGridBuilder

import penrose
from penrose.ml import LeastSquaresRegression, LeastSquaresRegressionModel


@pytest.fixture(scope="module")
def table(spark):
    rng = np.random.default_rng(30)
    x = rng.standard_normal((200, 3))
    x = np.column_stack([x, x[:, 0] + x[:, 1]])  # a dependent fourth column: rank 4 with the intercept
    y = 2.0 + x @ np.array([1.0, -1.0, 0.5, 0.0]) + 0.1 * rng.standard_normal(200)
    rows = [(Vectors.dense(x[i]), float(y[i]), *map(float, x[i])) for i in range(200)]
    df = spark.createDataFrame(rows, ["features", "y", "x1", "x2", "x3", "x4"])
    return x, y, df


def test_fit_matches_numpy_minimum_norm_and_reports_the_rank(table):
    x, y, df = table
    model = LeastSquaresRegression(labelCol="y").fit(df)
    design = np.column_stack([np.ones(len(y)), x])
    summary = model.summary
    assert summary.rank == 4 and summary.rows == 200
    assert isinstance(summary.singular_values, np.ndarray) and summary.singular_values.shape == (5,)
    assert summary.standard_errors is None  # rank-deficient
    # minimum norm in the equilibrated coordinates: compare the fitted values, which are unique
    fitted = design @ np.linalg.lstsq(design, y, rcond=None)[0]
    predicted = np.array([r["prediction"] for r in model.transform(df).select("prediction").collect()])
    np.testing.assert_allclose(predicted, fitted, rtol=1e-10, atol=1e-10)
    assert isinstance(model.coefficients, DenseVector) and len(model.coefficients) == 4
    assert summary.residual_sum_of_squares == pytest.approx(np.sum((y - fitted) ** 2), rel=1e-10)


def test_full_rank_coefficients_and_standard_errors_match_numpy(table):
    x, y, df = table
    three = VectorAssembler(inputCols=["x1", "x2", "x3"], outputCol="v").transform(df)
    model = LeastSquaresRegression(featuresCol="v", labelCol="y").fit(three)
    design = np.column_stack([np.ones(len(y)), x[:, :3]])
    beta, rss = np.linalg.lstsq(design, y, rcond=None)[:2]
    np.testing.assert_allclose(model.summary.coefficients, beta[1:], rtol=1e-12)
    assert model.intercept == pytest.approx(beta[0], rel=1e-12)
    covariance = rss[0] / (len(y) - 4) * np.linalg.inv(design.T @ design)
    np.testing.assert_allclose(model.summary.standard_errors, np.sqrt(np.diag(covariance))[1:], rtol=1e-10)


def test_lsmr_solver_fits_the_rank_deficient_table_with_its_iterations(table):
    """solver="lsmr" (no rank decision): the fitted values are numpy's least-squares ones, unique even though
    the design is rank-deficient; the summary says how LSMR ended (classic and Connect alike)."""
    x, y, df = table
    model = LeastSquaresRegression(labelCol="y", solver="lsmr", tol=1e-13, maxIter=100).fit(df)
    design = np.column_stack([np.ones(len(y)), x])
    fitted = design @ np.linalg.lstsq(design, y, rcond=None)[0]
    predicted = np.array([r["prediction"] for r in model.transform(df).select("prediction").collect()])
    np.testing.assert_allclose(predicted, fitted, rtol=1e-9, atol=1e-9)
    summary = model.summary
    assert summary.rank == -1 and summary.converged is True and 0 < summary.iterations <= 100
    assert summary.certificate < 1e-12 and "least-squares" in summary.stop
    assert summary.residual_sum_of_squares == pytest.approx(np.sum((y - fitted) ** 2), rel=1e-9)
    # least squares: an estimate of the coefficients' error, no bound; ridge: a bound, no estimate
    assert summary.forward_error_bound is None and 0 <= summary.forward_error_estimate < 1e-6
    ridge = LeastSquaresRegression(labelCol="y", solver="lsmr", regParam=0.5, tol=1e-10, maxIter=100).fit(df).summary
    assert ridge.forward_error_estimate is None and 0 < ridge.forward_error_bound < 1e-6
    targeted = LeastSquaresRegression(labelCol="y", solver="lsmr", regParam=0.5, tol=1e-2, maxIter=100,
                                      forwardError=1e-9).fit(df).summary
    assert targeted.converged and targeted.forward_error_bound <= 1e-9
    assert LeastSquaresRegression(labelCol="y").fit(df).summary.iterations is None  # TSQR: no iterations


def test_python_defaults_are_the_jvm_stage_defaults(spark, classic_only):
    stage = LeastSquaresRegression()
    java = stage._java_obj
    for param in stage.params:
        java_param = java.getParam(param.name)
        assert stage.hasDefault(param) == java.hasDefault(java_param), param.name
        if stage.hasDefault(param):
            value = java.getDefault(java_param).get()
            assert stage.getOrDefault(param) == value, param.name
    assert sorted(p.name for p in stage.params) == sorted(p.name() for p in java.params())


def test_save_in_python_load_in_the_jvm_and_back(table, spark, tmp_path, classic_only):
    _, _, df = table
    model = LeastSquaresRegression(labelCol="y", regParam=0.1).fit(df)
    model.write().overwrite().save(str(tmp_path / "m"))
    jvm_model = spark._jvm.org.penrose.ml.LeastSquaresRegressionModel.load(str(tmp_path / "m"))
    np.testing.assert_array_equal(np.array(list(jvm_model.summary().coefficients())), model.summary.coefficients)
    assert jvm_model.getOrDefault(jvm_model.getParam("labelCol")) == "y"
    assert jvm_model.summary().regParam() == 0.1
    jvm_model.write().overwrite().save(str(tmp_path / "j"))
    back = LeastSquaresRegressionModel.load(str(tmp_path / "j"))
    assert back.summary.reg_param == 0.1 and back.getLabelCol() == "y"
    np.testing.assert_array_equal(back.summary.coefficients, model.summary.coefficients)


def test_saved_and_loaded_with_its_summary(table, tmp_path):
    _, _, df = table
    model = LeastSquaresRegression(labelCol="y", regParamSelection="gcv").fit(df)
    model.write().overwrite().save(str(tmp_path / "g"))
    back = LeastSquaresRegressionModel.load(str(tmp_path / "g"))
    assert back.summary.reg_param == model.summary.reg_param > 0
    np.testing.assert_array_equal(back.summary.coefficients, model.summary.coefficients)
    np.testing.assert_array_equal(back.summary.singular_values, model.summary.singular_values)


def test_in_a_pipeline_saved_and_loaded_and_in_cross_validation(table, spark, tmp_path):
    _, _, df = table
    assembler = VectorAssembler(inputCols=["x1", "x2", "x3"], outputCol="v")
    pipeline = Pipeline(stages=[assembler, LeastSquaresRegression(featuresCol="v", labelCol="y")])
    fitted = pipeline.fit(df)
    fitted.write().overwrite().save(str(tmp_path / "p"))
    loaded = PipelineModel.load(str(tmp_path / "p"))
    assert isinstance(loaded.stages[1], LeastSquaresRegressionModel)
    a = [r[0] for r in fitted.transform(df).select("prediction").collect()]
    b = [r[0] for r in loaded.transform(df).select("prediction").collect()]
    assert a == b

    estimator = LeastSquaresRegression(featuresCol="v", labelCol="y")
    grid = ParamGridBuilder().addGrid(estimator.regParam, [0.0, 0.5, 5.0]).build()
    cv = CrossValidator(estimator=estimator, estimatorParamMaps=grid, numFolds=3, seed=1,
                        evaluator=RegressionEvaluator(labelCol="y", metricName="rmse"))
    cv_model = cv.fit(assembler.transform(df))
    assert len(cv_model.avgMetrics) == 3
    assert int(np.argmin(cv_model.avgMetrics)) == 0  # the data are linear with little noise: no penalty wins
    assert isinstance(cv_model.bestModel, LeastSquaresRegressionModel)


@pytest.mark.parametrize("stage, message", [
    (lambda: LeastSquaresRegression(labelCol="nope"), "no column 'nope'"),
    (lambda: LeastSquaresRegression(labelCol="y", solver="qr"), "solver"),
    (lambda: LeastSquaresRegression(labelCol="y", regParam=-1.0), "regParam"),
])
def test_bad_params_and_columns_raise_one_line(table, stage, message):
    _, _, df = table
    with pytest.raises(penrose.InvalidInputError) as error:
        stage().fit(df)
    assert message in str(error.value) and "\n" not in str(error.value)

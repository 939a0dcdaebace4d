"""penrose.functions: every Column function on a classic session against numpy."""

import numpy as np
import pytest
from pyspark.sql import functions as F

import penrose
from penrose import functions as pf


@pytest.fixture(scope="module")
def matrices(spark):
    rng = np.random.default_rng(20)
    a = [rng.standard_normal((4, 3)), rng.standard_normal((5, 2)) @ rng.standard_normal((2, 3))]  # rank 3, 2
    b = [rng.standard_normal(4), rng.standard_normal(5)]
    rows = [(i, a[i].tolist(), b[i].tolist()) for i in range(2)]
    return a, b, spark.createDataFrame(rows, "id int, A array<array<double>>, b array<double>").orderBy("id")


def test_pinv_lstsq_rank_and_svdvals_match_numpy(matrices):
    a, b, df = matrices
    out = df.select(pf.pinv("A"), pf.lstsq(F.col("A"), "b").alias("fit"), pf.matrix_rank("A"),
                    pf.svdvals("A")).collect()
    assert df.select(pf.pinv("A")).columns == ["pinv(A)"]
    for i, row in enumerate(out):
        np.testing.assert_allclose(np.array(row[0]), np.linalg.pinv(a[i]), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(row["fit"]["solution"], np.linalg.lstsq(a[i], b[i], rcond=None)[0],
                                   rtol=1e-9, atol=1e-12)
        assert row["fit"]["rank"] == row[2] == np.linalg.matrix_rank(a[i])
        np.testing.assert_allclose(row[3], np.linalg.svd(a[i], compute_uv=False), rtol=1e-12, atol=1e-14)


def test_tolerances_as_numbers_or_columns(matrices, spark):
    diag = spark.createDataFrame([([[1.0, 0.0], [0.0, 1e-4]], 1e-3)], "A array<array<double>>, t double")
    row = diag.select(pf.matrix_rank("A"), pf.matrix_rank("A", rtol=1e-3), pf.matrix_rank("A", atol="t"),
                      pf.matrix_rank("A", atol=F.col("t") / 100)).first()
    # s = (1, 1e-4): default cut-off 2 eps keeps both; rtol 1e-3 and atol 1e-3 drop 1e-4; atol 1e-5 keeps it
    assert list(row) == [2, 1, 1, 2]


def test_derivative_functions_match_finite_differences(matrices, spark):
    a, b, _ = matrices
    rng = np.random.default_rng(21)
    da, g = rng.standard_normal((4, 3)), rng.standard_normal((3, 4))
    gx = rng.standard_normal(3)
    df = spark.createDataFrame([(a[0].tolist(), b[0].tolist(), da.tolist(), g.tolist(), gx.tolist())],
                               "A array<array<double>>, b array<double>, dA array<array<double>>, "
                               "G array<array<double>>, gx array<double>")
    row = df.select(pf.pinv_jvp("A", "dA"), pf.pinv_vjp("A", "G"), pf.lstsq_vjp("A", "b", "gx")).first()
    h = 1e-6
    dp = (np.linalg.pinv(a[0] + h * da) - np.linalg.pinv(a[0] - h * da)) / (2 * h)
    np.testing.assert_allclose(np.array(row[0]), dp, rtol=1e-6, atol=1e-8)
    assert abs(np.sum(np.array(row[1]) * da) - np.sum(dp * g)) < 1e-7
    dx = (np.linalg.pinv(a[0] + h * da) @ b[0] - np.linalg.pinv(a[0] - h * da) @ b[0]) / (2 * h)
    assert abs(np.sum(np.array(row[2]["grad_a"]) * da) - gx @ dx) < 1e-7
    np.testing.assert_allclose(row[2]["grad_b"], np.linalg.pinv(a[0]).T @ gx, rtol=1e-10)


def test_lstsq_agg_fits_each_group_like_numpy(spark):
    rng = np.random.default_rng(22)
    rows, expected = [], {}
    for key, n in (("a", 30), ("b", 50)):
        x = rng.standard_normal((n, 3))
        y = x @ np.array([1.0, -2.0, 0.5]) + 0.01 * rng.standard_normal(n)
        rows += [(key, x[i].tolist(), float(y[i])) for i in range(n)]
        expected[key] = np.linalg.lstsq(x, y, rcond=None)[0]
    df = spark.createDataFrame(rows, "key string, features array<double>, label double")
    fits = {r["key"]: r["fit"] for r in df.groupBy("key").agg(pf.lstsq_agg("features", "label").alias("fit")).collect()}
    for key, coefficients in expected.items():
        np.testing.assert_allclose(fits[key]["coefficients"], coefficients, rtol=1e-10)
        assert fits[key]["rank"] == 3


def test_bad_cells_are_errors_naming_the_function(spark):
    df = spark.createDataFrame([([[1.0, float("nan")]],)], "A array<array<double>>")
    with pytest.raises(penrose.InvalidInputError) as error, penrose.errors.reported():
        df.select(pf.pinv("A")).collect()
    assert str(error.value) == "pinv: A has a non-finite value NaN at row 0, column 1"

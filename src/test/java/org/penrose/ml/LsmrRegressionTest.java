package org.penrose.ml;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.regression.LinearRegression;
import org.apache.spark.ml.regression.LinearRegressionModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.penrose.bench.OneHotProblem;
import org.penrose.testing.SparkTestSession;

/**
 * The estimator's LSMR route: against Spark's {@code LinearRegression} (normal solver) for least squares and
 * ridge, against the closed form of a one-hot regression past 4096 columns (each row's prediction is its
 * category's weighted mean label), and its params, summary and persistence.
 */
class LsmrRegressionTest extends SparkTestSession {
  @TempDir Path dir;

  @ParameterizedTest(name = "regParam {0}, standardization {1}, intercept {2}")
  @CsvSource({"0, true, true", "0, true, false", "0.1, true, true", "1.0, true, false", "0.1, false, true",
      "2.0, false, false"})
  void sameCoefficientsAsSparksNormalSolver(double regParam, boolean standardization, boolean intercept) {
    Dataset<Row> df = RidgeRegressionTest.data(spark, 11, true);
    LinearRegressionModel spark = new LinearRegression().setSolver("normal").setElasticNetParam(0)
        .setRegParam(regParam).setStandardization(standardization).setFitIntercept(intercept).setWeightCol("w")
        .fit(df);
    // maxIter: the default, min(rows, columns) = 4 as scipy's, is exact arithmetic's bound, not rounding's
    LeastSquaresRegressionModel lsmr = new LeastSquaresRegression().setSolver("lsmr").setTol(1e-14).setMaxIter(50)
        .setRegParam(regParam).setStandardization(standardization).setFitIntercept(intercept).setWeightCol("w")
        .fit(df);
    RidgeRegressionTest.assertSameFit(spark, lsmr);
    LeastSquaresFit.Iterative how = lsmr.summary().iterative();
    assertTrue(how.converged() && how.iterations() > 0, how.toString());
    // ridge: a bound on the coefficients' error computed from them; least squares: an estimate
    assertEquals(regParam > 0, how.forwardErrorBound() != null, how.toString());
    assertEquals(regParam == 0, how.forwardErrorEstimate() != null, how.toString());
    assertEquals(-1, lsmr.summary().rank(), "LSMR decides no rank");
    assertEquals(regParam, lsmr.summary().regParam());
    LeastSquaresRegressionModel tsqr = new LeastSquaresRegression().setSolver("tsqr").setRegParam(regParam)
        .setStandardization(standardization).setFitIntercept(intercept).setWeightCol("w").fit(df);
    assertEquals(tsqr.summary().residualSumOfSquares(), lsmr.summary().residualSumOfSquares(),
        1e-9 * tsqr.summary().residualSumOfSquares(), "RSS from the exact residuals, as the TSQR route's");
    assertEquals(tsqr.summary().r2(), lsmr.summary().r2(), 1e-12);
  }

  /**
   * Ridge without standardization (the scaled coefficients are the coefficients), stopped early: the reported
   * bound on their relative error holds against Spark's normal solver and is within 10x of that error.
   */
  @Test
  void theRidgeForwardErrorBoundHoldsAgainstSparksNormalSolver() {
    Dataset<Row> df = RidgeRegressionTest.data(spark, 11, true);
    double[] exact = new LinearRegression().setSolver("normal").setElasticNetParam(0).setRegParam(2.0)
        .setStandardization(false).setFitIntercept(false).setWeightCol("w").fit(df).coefficients().toArray();
    LeastSquaresRegressionModel loose = new LeastSquaresRegression().setSolver("lsmr").setTol(1e-2).setMaxIter(50)
        .setRegParam(2.0).setStandardization(false).setFitIntercept(false).setWeightCol("w").fit(df);
    double[] beta = loose.summary().coefficients();
    double difference = 0;
    double norm = 0;
    for (int j = 0; j < beta.length; j++) {
      difference = Math.hypot(difference, beta[j] - exact[j]);
      norm = Math.hypot(norm, beta[j]);
    }
    double error = difference / norm;
    double bound = loose.summary().iterative().forwardErrorBound();
    System.out.printf("ridge, tol 1e-2: %d iterations, relative error %.3g, bound %.3g%n",
        loose.summary().iterative().iterations(), error, bound);
    assertTrue(error > 1e-12, "stopped early enough to leave an error to bound: " + error);
    assertTrue(error <= bound && bound <= 10 * error, error + " against the bound " + bound);
    // forwardError: iterate until the bound holds instead (tol left loose)
    LeastSquaresRegressionModel targeted = new LeastSquaresRegression().setSolver("lsmr").setTol(1e-2)
        .setMaxIter(50).setForwardError(1e-9).setRegParam(2.0).setStandardization(false).setFitIntercept(false)
        .setWeightCol("w").fit(df);
    LeastSquaresFit.Iterative how = targeted.summary().iterative();
    assertTrue(how.converged() && how.forwardErrorBound() <= 1e-9, how.toString());
    double[] fitted = targeted.summary().coefficients();
    difference = 0;
    for (int j = 0; j < fitted.length; j++) {
      difference = Math.hypot(difference, fitted[j] - exact[j]);
    }
    assertTrue(difference <= 1e-9 * norm, "relative error " + difference / norm);
    Exception e = assertThrows(Exception.class, () -> new LeastSquaresRegression().setSolver("lsmr")
        .setForwardError(1e-8).fit(df));
    assertTrue(e.getMessage().contains("forwardError is a target of the LSMR route's ridge fit"), e.getMessage());
  }

  /**
   * A one-hot design of 4,500 categories plus one numeric feature (4,502 design columns: past TSQR) goes to
   * LSMR by itself. Without the numeric feature the least-squares predictions are the categories' weighted
   * mean labels, whatever minimum-norm coefficients the (rank-deficient, with the intercept) design has.
   */
  @Test
  void wideOneHotRegressionGoesToLsmrAndPredictsCategoryMeans() {
    int categories = 4500;
    Random random = new Random(5);
    List<Row> rows = new ArrayList<>();
    double[] sums = new double[categories];
    double[] weights = new double[categories];
    for (int i = 0; i < 3 * categories; i++) {
      int c = i % categories;
      double y = Math.sin(c) * 3 + random.nextGaussian();
      double w = 0.5 + random.nextDouble();
      sums[c] += w * y;
      weights[c] += w;
      rows.add(RowFactory.create(Vectors.sparse(categories, new int[] {c}, new double[] {1.0}), y, w, c));
    }
    StructType schema = new StructType().add("features", new VectorUDT()).add("label", DataTypes.DoubleType)
        .add("w", DataTypes.DoubleType).add("category", DataTypes.IntegerType);
    Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(2);
    LeastSquaresRegressionModel model = new LeastSquaresRegression().setWeightCol("w").setTol(1e-12).fit(df);
    assertNotNull(model.summary().iterative(), "auto chose LSMR past 4096 design columns");
    double worst = 0;
    for (Row r : model.transform(df).select("category", "prediction").collectAsList()) {
      int c = r.getInt(0);
      worst = Math.max(worst, Math.abs(r.getDouble(1) - sums[c] / weights[c]));
    }
    System.out.printf("one-hot (%d categories): %d LSMR iterations, max |prediction - category mean| %.1e%n",
        categories, model.summary().iterative().iterations(), worst);
    assertTrue(worst < 1e-8, "predictions are the category means: " + worst);
  }

  /**
   * 25,000 rows of 100,000 one-hot columns in one partition: a block of 2.5e9 entries if dense, which the
   * design's column split once densified (an error before); the fit stays sparse and, with more columns than
   * rows, solves the system: the residual is (almost) zero.
   */
  @Test
  void aDesignWiderThanADenseBlockCanHoldStaysSparse() {
    OneHotProblem p = OneHotProblem.generate(spark, 25_000, 100_000, 1);
    LeastSquaresRegressionModel model = new LeastSquaresRegression().setTol(1e-10).fit(p.frame);
    LeastSquaresFit.Iterative how = model.summary().iterative();
    assertTrue(how.converged() && how.stop().contains("A x = b is solved"), how.toString());
    assertTrue(model.summary().r2() > 1 - 1e-12, "R^2 " + model.summary().r2());
    assertEquals(100_000, model.coefficients().size());
    p.unpersist();
  }

  @Test
  void paramsSummaryAndPersistence() throws Exception {
    Dataset<Row> df = RidgeRegressionTest.data(spark, 3, true);
    Exception e = assertThrows(Exception.class, () -> new LeastSquaresRegression().setSolver("lsmr")
        .setRegParamSelection("gcv").fit(df));
    assertTrue(e.getMessage().contains("regParamSelection and refinementSteps apply to the TSQR fit"), e.getMessage());
    e = assertThrows(Exception.class, () -> new LeastSquaresRegression().setSolver("lsmr").setRank(2).fit(df));
    assertTrue(e.getMessage().contains("a fixed rank (2) needs the truncated route"), e.getMessage());
    e = assertThrows(Exception.class, () -> new LeastSquaresRegression().setTol(0));
    assertEquals("tol must be > 0, got 0.0", e.getMessage());
    e = assertThrows(Exception.class, () -> new LeastSquaresRegression().setSolver("cg"));
    assertEquals("solver must be 'auto', 'tsqr', 'truncated' or 'lsmr', got 'cg'", e.getMessage());
    LeastSquaresRegressionModel model = new LeastSquaresRegression().setSolver("lsmr").setMaxIter(2).fit(df);
    LeastSquaresFit.Iterative how = model.summary().iterative();
    assertEquals(2, how.iterations());
    assertTrue(!how.converged() && how.stop().contains("iteration limit"), how.toString());
    String path = dir.resolve("lsmr-model").toString();
    model.write().overwrite().save(path);
    LeastSquaresFit.Iterative loaded = LeastSquaresRegressionModel.load(path).summary().iterative();
    assertEquals(how, loaded);
    assertNull(new LeastSquaresRegression().fit(df).summary().iterative(), "TSQR fits report no iteration");
  }
}
